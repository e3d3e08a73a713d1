/**
 * Group `members` as a change set (RFC 7644 §3.5.2 on RFC 7643 §4.2 `members`). The Groups module applies
 * the change set with row-level SQL, so the engine never reads or writes the member list itself.
 */
import { ScimError } from '../errors.js';
import type { Filter } from '../filter/ast.js';
import { getKey, isPlainObject } from './json-util.js';
import type { MemberOp, MemberRef, PatchOperation } from './types.js';

const MEMBER_FILTER_HINT =
  'members can only be selected by value, e.g. members[value eq "2819c223-7f76-453a-919d-413861904646"] or an "or" of such comparisons';

function memberId(raw: unknown, where: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw ScimError.badRequest('invalidValue', `Each member in ${where} needs a non-empty string "value".`);
  }
  return raw;
}

/** The members named by a PATCH value: an array of `{value, type?}` objects, or one such object. */
export function parseMemberRefs(value: unknown, where: string): MemberRef[] {
  if (value === null || value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (!isPlainObject(item)) {
      throw ScimError.badRequest('invalidValue', `Each member in ${where} must be an object with a "value".`);
    }
    const ref: MemberRef = { value: memberId(getKey(item, 'value'), where) };
    const type = getKey(item, 'type');
    if (type !== undefined && type !== null) {
      const lower = typeof type === 'string' ? type.toLowerCase() : '';
      if (lower === 'user') ref.type = 'User';
      else if (lower === 'group') ref.type = 'Group';
      else {
        throw ScimError.badRequest('invalidValue', `Member "type" in ${where} must be "User" or "Group".`);
      }
    }
    // `display` and `$ref` are derived by the server (readOnly here); Okta and Entra send them anyway.
    return ref;
  });
}

/** The ids of `members[value eq "a" or value eq "b"]`; any other filter is 400 invalidFilter. */
export function memberIdsFromFilter(filter: Filter): string[] {
  const ids: string[] = [];
  const stack: Filter[] = [filter];
  while (stack.length > 0) {
    const node = stack.pop() as Filter;
    if (node.kind === 'or') {
      stack.push(node.right, node.left);
      continue;
    }
    const isValueEq =
      node.kind === 'compare' &&
      node.op === 'eq' &&
      node.path.uri === undefined &&
      node.path.subAttribute === undefined &&
      node.path.attribute.toLowerCase() === 'value';
    if (!isValueEq) {
      throw ScimError.badRequest('invalidFilter', `Unsupported member filter: ${MEMBER_FILTER_HINT}.`);
    }
    ids.push(memberId(node.value, 'the members filter'));
  }
  return ids;
}

/**
 * The member change set of one operation whose path is `members` (with or without a value filter).
 * RFC 7644 §3.5.2.1 add appends, §3.5.2.2 remove with a filter removes the matches and without one removes
 * all, §3.5.2.3 replace without a filter replaces all.
 */
export function memberOpsOf(op: PatchOperation): MemberOp[] {
  const path = op.path;
  if (path?.subAttribute !== undefined || path?.path.subAttribute !== undefined) {
    throw ScimError.badRequest(
      'invalidPath',
      'Sub-attributes of members cannot be patched: members are added or removed as a whole.',
    );
  }
  const filter = path?.filter;
  switch (op.op) {
    case 'add': {
      if (filter) throw ScimError.badRequest('invalidPath', 'add to members takes no value filter.');
      const members = parseMemberRefs(op.value, 'members');
      return members.length > 0 ? [{ kind: 'add', members }] : [];
    }
    case 'remove': {
      if (filter) return [{ kind: 'remove', ids: memberIdsFromFilter(filter) }];
      return [{ kind: 'removeAll' }];
    }
    case 'replace': {
      if (filter) {
        throw ScimError.badRequest(
          'invalidPath',
          `replace of selected members is not supported: ${MEMBER_FILTER_HINT}.`,
        );
      }
      const members = parseMemberRefs(op.value, 'members');
      return members.length > 0 ? [{ kind: 'removeAll' }, { kind: 'add', members }] : [{ kind: 'removeAll' }];
    }
  }
}

/**
 * Reduces a sequence of member operations to its canonical form: at most one removeAll, then one add, then
 * one remove, with no id in both. Operations on different ids commute and the last operation on an id
 * decides its fate, so the reduction keeps the meaning for every initial member list. A member added twice
 * in one request is added once (idempotent add, scim-clients.md §5 item 5).
 */
export function compactMemberOps(ops: readonly MemberOp[]): MemberOp[] {
  let removeAll = false;
  // Insertion order of the Map keeps the order in which clients named the members.
  const fate = new Map<string, { kind: 'add'; ref: MemberRef } | { kind: 'remove' }>();
  for (const op of ops) {
    if (op.kind === 'removeAll') {
      removeAll = true;
      fate.clear();
    } else if (op.kind === 'add') {
      for (const ref of op.members) {
        fate.delete(ref.value);
        fate.set(ref.value, { kind: 'add', ref });
      }
    } else {
      for (const id of op.ids) {
        fate.delete(id);
        fate.set(id, { kind: 'remove' });
      }
    }
  }
  const result: MemberOp[] = [];
  if (removeAll) result.push({ kind: 'removeAll' });
  const members: MemberRef[] = [];
  const ids: string[] = [];
  for (const [id, f] of fate) {
    if (f.kind === 'add') members.push(f.ref);
    // After a removeAll, removing a member that was not added again changes nothing.
    else if (!removeAll) ids.push(id);
  }
  if (members.length > 0) result.push({ kind: 'add', members });
  if (ids.length > 0) result.push({ kind: 'remove', ids });
  return result;
}

/**
 * The reference meaning of a member change set on an in-memory member list: what the Groups module does
 * in SQL (add is ON CONFLICT DO NOTHING). Used by tests and by callers that hold a member list anyway.
 */
export function applyMemberOps(
  members: ReadonlyMap<string, MemberRef>,
  ops: readonly MemberOp[],
): Map<string, MemberRef> {
  const result = new Map(members);
  for (const op of ops) {
    if (op.kind === 'removeAll') result.clear();
    else if (op.kind === 'remove') for (const id of op.ids) result.delete(id);
    else for (const ref of op.members) if (!result.has(ref.value)) result.set(ref.value, ref);
  }
  return result;
}

/**
 * Every member value a Group body (PUT, POST) names in `members`, as sent: a superset of the members a
 * valid body makes the group have, known before the body is validated against the stored group. PUT
 * locks these rows before the group's own row (the order every write takes them in: members first);
 * ids it did not name this way are still resolved, after the group.
 */
export function memberValuesOfBody(body: unknown): string[] {
  const values = new Set<string>();
  const members = isPlainObject(body) ? getKey(body, 'members') : undefined;
  if (Array.isArray(members))
    for (const item of members) {
      const id = isPlainObject(item) ? getKey(item, 'value') : undefined;
      if (typeof id === 'string') values.add(id);
    }
  return [...values];
}

/**
 * Every member value a PATCH request names where it may add members (add or replace on `members`, or
 * a path-less add or replace whose value has `members`), as sent: a superset of what the change set
 * will add, known before the group is read. The Groups module locks these rows in the same round trip
 * as the group itself; ids it did not name this way are still resolved, one round trip later.
 */
export function memberValuesNamedBy(operations: readonly PatchOperation[]): string[] {
  const values = new Set<string>();
  const collect = (value: unknown) => {
    for (const item of Array.isArray(value) ? value : [value]) {
      const id = isPlainObject(item) ? getKey(item, 'value') : undefined;
      if (typeof id === 'string') values.add(id);
    }
  };
  for (const op of operations) {
    if (op.op === 'remove') continue;
    if (op.path === undefined) {
      if (isPlainObject(op.value)) collect(getKey(op.value, 'members'));
      continue;
    }
    if (op.path.path.attribute.toLowerCase() === 'members') collect(op.value);
  }
  return [...values];
}
