import { ScimError } from '../errors.js';
import { parsePatchRequest, type MemberOp, type PatchOperation } from '../patch/engine.js';
import { compactMemberOps, memberOpsOf } from '../patch/members.js';
import { isMembersTarget, resolveTarget } from '../patch/target.js';
import type { SchemaRegistry } from '../schema/registry.js';
import { GROUP_SCHEMA } from '../schema/urns.js';
import { joinsCreateRun, MAX_CREATE_RUN } from './create-runs.js';
import type { BulkPlan } from './plan.js';
import type { BulkOperation } from './request.js';

/**
 * Runs of member PATCHes: consecutive operations of a Bulk request (in the plan's order) that PATCH
 * the members of the same group and nothing else. The Groups module runs such a run as one transaction
 * (the group locked once, one statement for all the rows added and removed) instead of one transaction
 * per operation, while each operation keeps the answer, audit row and events it would get sent alone.
 *
 * Why consecutive only: RFC 7644 §3.7 runs the operations in order, and an operation between two member
 * PATCHes of a group (a DELETE of a member, a PUT of the group) may change what the second one does.
 * Member PATCHes of the same group one after the other commute with nothing in between, so merging them
 * keeps the order the RFC asks for.
 */

/**
 * A step of a Bulk request's execution: one operation alone, a run of member PATCHes of one group
 * (`parsed`: each one's body as read, in the order of `indexes`), or a run of user creates
 * (create-runs.ts).
 */
export type BulkStep =
  | { kind: 'one'; index: number }
  | { kind: 'memberRun'; group: string; indexes: number[]; parsed: ParsedMemberPatch[] }
  | { kind: 'createRun'; indexes: number[] };

/** The fewest operations worth a run: a run of one is the single request's own path. */
const MIN_RUN = 2;

/**
 * Whether a PATCH request's operations (parsePatchRequest) only add members (`add` on `members`) or
 * remove selected ones (`remove` on `members[value eq …]`, also Entra's remove with a value array,
 * which parsePatchRequest turns into that filter). `replace` and `remove` of all members need the whole
 * member list and are left to the single request; so is anything else (displayName, path-less values).
 */
export function isMemberOnlyPatch(operations: readonly PatchOperation[]): boolean {
  return (
    operations.length > 0 &&
    operations.every((op) => {
      const path = op.path;
      if (!path || path.subAttribute !== undefined) return false;
      const { uri, attribute, subAttribute } = path.path;
      if (attribute.toLowerCase() !== 'members' || subAttribute !== undefined) return false;
      if (uri !== undefined && uri.toLowerCase() !== GROUP_SCHEMA.toLowerCase()) return false;
      return (
        (op.op === 'add' && path.filter === undefined) || (op.op === 'remove' && path.filter !== undefined)
      );
    })
  );
}

/**
 * The member change set of a member-only PATCH (isMemberOnlyPatch) of a Group, as applyPatch computes
 * it, with the same errors in the same order, without the group itself. For such a PATCH applyPatch
 * changes nothing else: what it does with the group (copy, validation, change detection) is the same
 * for every operation of a run, so the run does it once (applyPatch with no operations), and this is
 * each operation's own part: the target of each operation (resolveTarget), its member changes
 * (memberOpsOf), compacted (compactMemberOps). The unit tests check it against applyPatch.
 */
export function memberChangeSet(
  registry: SchemaRegistry,
  operations: readonly PatchOperation[],
): { memberOps: MemberOp[]; dialects: string[] } {
  const memberOps: MemberOp[] = [];
  for (const op of operations) {
    if (!op.path || !isMembersTarget('Group', resolveTarget(registry, 'Group', op.path)))
      throw new Error('memberChangeSet takes member-only PATCHes (isMemberOnlyPatch)');
    memberOps.push(...memberOpsOf(op));
  }
  const dialects = [...new Set(operations.flatMap((op) => op.dialects ?? []))].sort();
  return { memberOps: compactMemberOps(memberOps), dialects };
}

/**
 * A member PATCH's body as read before the run: its operations, or the error reading it gave (400),
 * which the operation answers with in its turn.
 */
export type ParsedMemberPatch = { operations: PatchOperation[] } | { error: ScimError };

/** How a Bulk operation joins a run: the group it names and its body as read. */
export interface MemberRunEntry {
  /** The path's id as written (`bulkId:` references included: the same text names the same group). */
  group: string;
  /** Read from the operation's data as sent; an operation naming bulkIds is read again once resolved. */
  parsed: ParsedMemberPatch;
}

/**
 * How a Bulk operation would join a run of member PATCHes, or undefined when it runs alone. An
 * operation whose PATCH body is malformed joins too: it fails inside the run with the error it would
 * get alone, and changes nothing.
 */
export function memberRunEntry(op: BulkOperation): MemberRunEntry | undefined {
  if (op.error || op.method !== 'PATCH' || op.resourceType !== 'Group' || op.id === undefined)
    return undefined;
  try {
    const operations = parsePatchRequest(op.data);
    return isMemberOnlyPatch(operations) ? { group: op.id, parsed: { operations } } : undefined;
  } catch (error) {
    if (error instanceof ScimError) return { group: op.id, parsed: { error } };
    throw error;
  }
}

/**
 * The plan's order cut into steps: maximal runs (of at least two) of consecutive member PATCHes of
 * the same group, and of consecutive user creates (joinsCreateRun, at most MAX_CREATE_RUN), every
 * other operation a step of its own. An operation answered without running (the plan's errors) ends a
 * run: it is answered in its place.
 */
export function bulkSteps(
  plan: Pick<BulkPlan, 'order' | 'errors'>,
  operations: readonly BulkOperation[],
): BulkStep[] {
  const steps: BulkStep[] = [];
  let run: { group: string; indexes: number[]; parsed: ParsedMemberPatch[] } | undefined;
  let creates: number[] = [];
  const close = () => {
    if (run) {
      if (run.indexes.length >= MIN_RUN) steps.push({ kind: 'memberRun', ...run });
      else steps.push(...run.indexes.map((index) => ({ kind: 'one' as const, index })));
      run = undefined;
    }
    if (creates.length >= MIN_RUN) steps.push({ kind: 'createRun', indexes: creates });
    else steps.push(...creates.map((index) => ({ kind: 'one' as const, index })));
    creates = [];
  };
  for (const index of plan.order) {
    const refused = plan.errors.has(index);
    if (!refused && joinsCreateRun(operations[index])) {
      if (run || creates.length >= MAX_CREATE_RUN) close();
      creates.push(index);
      continue;
    }
    const entry = refused ? undefined : memberRunEntry(operations[index]);
    if (entry !== undefined && run?.group === entry.group) {
      run.indexes.push(index);
      run.parsed.push(entry.parsed);
      continue;
    }
    close();
    if (entry !== undefined) run = { group: entry.group, indexes: [index], parsed: [entry.parsed] };
    else steps.push({ kind: 'one', index });
  }
  close();
  return steps;
}

/** The membership rows a change set added and removed (member ids, each list sorted). */
export interface MemberChanges {
  added: string[];
  removed: string[];
}

/**
 * Replays the member change sets of a run's operations, in order, over the memberships that exist of
 * the ids they name: what each operation changes sent alone (a member already there is no change, nor
 * is removing one that is not), and the net change of the whole run, which the database then makes in
 * one statement. Ids are uuids, compared in lower case (as PostgreSQL prints them).
 */
export class MemberRunReplay {
  private readonly initial: ReadonlySet<string>;
  private readonly present: Set<string>;

  /** `initial`: the ids among those the run names that are members of the group before it. */
  constructor(initial: Iterable<string>) {
    this.initial = new Set([...initial].map((id) => id.toLowerCase()));
    this.present = new Set(this.initial);
  }

  /**
   * One operation's change set (compactMemberOps: an add, then a remove of other ids; no removeAll):
   * the rows it adds and removes, in the order its statements would write their events (by id).
   */
  apply(ops: readonly MemberOp[]): MemberChanges {
    const added = new Set<string>();
    const removed = new Set<string>();
    for (const op of ops) {
      if (op.kind === 'removeAll') throw new Error('a member run cannot replay a removal of all members');
      if (op.kind === 'add') {
        for (const member of op.members) {
          const id = member.value.toLowerCase();
          if (this.present.has(id)) continue;
          this.present.add(id);
          added.add(id);
        }
      } else {
        for (const raw of op.ids) {
          const id = raw.toLowerCase();
          if (!this.present.delete(id)) continue;
          removed.add(id);
        }
      }
    }
    return { added: [...added].sort(), removed: [...removed].sort() };
  }

  /** The run's net change against the memberships before it: the rows to insert and to delete. */
  net(): MemberChanges {
    return {
      added: [...this.present].filter((id) => !this.initial.has(id)).sort(),
      removed: [...this.initial].filter((id) => !this.present.has(id)).sort(),
    };
  }
}
