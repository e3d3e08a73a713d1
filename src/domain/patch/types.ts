import type { PatchPath } from '../filter/ast.js';
import type { ScimResource } from '../schema/types.js';

/** The three operations of RFC 7644 §3.5.2, in canonical (lower) case. */
export type PatchOpName = 'add' | 'remove' | 'replace';

export interface PatchOperation {
  op: PatchOpName;
  /** Absent for path-less operations (the target is the resource itself, RFC 7644 §3.5.2). */
  path?: PatchPath;
  value?: unknown;
  /** Names of the identity-provider dialect rules that rewrote this operation (for the service's log). */
  dialects?: string[];
}

/** A member of a Group as a PATCH request names it (RFC 7643 §4.2 `members.value` and `members.type`). */
export interface MemberRef {
  value: string;
  type?: 'User' | 'Group';
}

/**
 * One step of a Group's member change set. The Groups module applies them in order with row-level SQL, so
 * the engine never needs the member list (a group may have many thousands of members).
 */
export type MemberOp =
  { kind: 'add'; members: MemberRef[] } | { kind: 'remove'; ids: string[] } | { kind: 'removeAll' };

export interface PatchResult {
  /** The new stored form (validated with context 'patchResult'); `members` is never inside it. */
  resource: ScimResource;
  /** Whether `resource` differs from the input resource (members not considered). */
  changed: boolean;
  /** The member change set, in canonical order: at most one removeAll, then one add, then one remove. */
  memberOps: MemberOp[];
  /**
   * Canonical names of the changed attributes, for the audit trail (names only, never values): top-level
   * core names (`userName`), URN-qualified extension names (`urn:…:enterprise:2.0:User:manager`), and
   * `members` when the member change set is not empty.
   */
  changedAttributes: string[];
  /** Names of the identity-provider dialect rules applied to the request (log them; STYLE §4). */
  dialects: string[];
}

export interface PatchContext {
  /** The id of the resource being patched (Okta echoes it in path-less replace values). */
  id: string;
}
