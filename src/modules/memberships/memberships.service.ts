import { Injectable } from '@nestjs/common';
import { ScimError } from '../../domain/errors.js';
import type { MemberOp, MemberRef } from '../../domain/patch/engine.js';
import { isUuid } from '../../domain/ids.js';
import type { TenantTx, TransactionOptions } from '../../storage/database.js';
import type { EventCause } from '../../storage/events.repository.js';
import { allInOrder } from '../../storage/pipeline.js';
import {
  MembershipsRepository,
  type GroupRefRow,
  type MemberRow,
  type MemberRunEvent,
  type MemberType,
} from '../../storage/memberships.repository.js';

export type { GroupRefRow, MemberRow, MemberRunEvent, MemberType };

/**
 * The options of every transaction that changes memberships: its statements find their rows by key, so
 * each is planned once per connection (TransactionOptions.genericPlans), not on every call.
 */
export const MEMBERSHIP_WRITE: TransactionOptions = { genericPlans: true };

/**
 * The options of a DELETE of a user or group: a membership write that runs again when it ends in a
 * deadlock. It locks the member, then the groups it is in (lockGroupsOf), the order of every write
 * (members, then their group); but a group is also a member of its parents, and a DELETE of a user in
 * both a group and its parent can meet a DELETE of that group in a cycle that no one order avoids
 * (docs/storage-model.md, "Lock order"). Rare (Okta and Entra do not push nested groups); PostgreSQL
 * ends one of the two after deadlock_timeout, and it runs again once the other has committed.
 */
export const MEMBER_DELETE: TransactionOptions = { ...MEMBERSHIP_WRITE, retryDeadlocks: true };

/** Members looked up and locked ahead (lockCandidates): the ids asked for, and those that exist. */
export interface LockedMembers {
  ids: ReadonlySet<string>;
  found: ReadonlyMap<string, MemberType>;
}

/**
 * Group membership rules: members exist in the tenant, no group nests itself, and every change
 * touches only the rows it names (the statements are MembershipsRepository's).
 */
@Injectable()
export class MembershipsService {
  constructor(private readonly memberships: MembershipsRepository) {}

  /** Members of the given groups, with a display name from the member's own row. */
  membersOf(tx: TenantTx, groupIds: string[]): Promise<Map<string, MemberRow[]>> {
    return this.memberships.membersOf(tx, groupIds);
  }

  /** The members of one group in chunks, from one cursor-backed query: a 100k-member GET never holds them all. */
  streamMembers(tenantId: string, groupId: string): AsyncGenerator<MemberRow[]> {
    return this.memberships.streamMembers(tenantId, groupId);
  }

  /** The groups each of the given users or groups is a direct member of (User.groups, RFC 7643 §4.1.2). */
  groupsOf(tx: TenantTx, memberIds: string[]): Promise<Map<string, GroupRefRow[]>> {
    return this.memberships.groupsOf(tx, memberIds);
  }

  /**
   * Deleting a user or group removes it from every group (its own member rows cascade), with a
   * group.member_removed event for each, caused by `cause`. Sent together: first the groups it is in,
   * locked in id order and their version bumped (their members change), then the removal. The member
   * itself must be locked FOR UPDATE already (no write can add it anywhere meanwhile).
   */
  removeEverywhere(tx: TenantTx, memberId: string, cause: EventCause): Promise<void> {
    const locked = this.memberships.lockGroupsOf(tx, memberId);
    const removed = this.memberships.removeEverywhere(tx, memberId, cause);
    return allInOrder(locked, removed).then(() => undefined);
  }

  /**
   * Locks (FOR KEY SHARE) the users and groups among `ids` that exist, for `resolve`: sent in the same
   * round trip as the group's own lock, with the ids a PATCH names before the group is read
   * (memberValuesNamedBy). Malformed ids are left out (they are refused by `resolve`).
   */
  lockCandidates(tx: TenantTx, ids: readonly string[]): Promise<LockedMembers> {
    const valid = [...new Set(ids.filter(isUuid))];
    if (valid.length === 0) return Promise.resolve({ ids: new Set(), found: new Map() });
    return this.memberships.lockMembers(tx, valid).then((rows) => ({
      ids: new Set(valid),
      found: new Map(rows.map((row) => [row.id, row.type])),
    }));
  }

  /**
   * Resolves every member the change set adds (locked, checked, cycle-checked) before any row changes,
   * so the locks are always taken member rows first, membership rows after: the order a DELETE of a
   * member takes them in. Members already locked by `lockCandidates` cost no round trip.
   */
  async resolve(
    tx: TenantTx,
    groupId: string,
    ops: readonly MemberOp[],
    locked?: LockedMembers,
  ): Promise<Map<string, MemberType>> {
    const added = ops.flatMap((op) => (op.kind === 'add' ? op.members : []));
    return new Map(
      (await this.resolveMembers(tx, groupId, added, locked)).map((member) => [member.id, member.type]),
    );
  }

  /**
   * Sends the statements of a resolved change set now, in order, without waiting (one round trip with
   * whatever the caller sends next), and resolves to whether any row was added or removed. A change
   * that adds or removes a row also turns on MEMBERS_CHANGED for the rest of the transaction, and
   * writes one group.member_added / group.member_removed event per row, in the same statement.
   */
  issue(
    tx: TenantTx,
    groupId: string,
    ops: readonly MemberOp[],
    typeOf: ReadonlyMap<string, MemberType>,
    cause: EventCause,
  ): Promise<boolean> {
    const changes = ops.map((op) => {
      if (op.kind === 'removeAll') return this.memberships.removeAll(tx, groupId, cause).then((n) => n > 0);
      if (op.kind === 'remove') return this.remove(tx, groupId, op.ids, cause);
      const ids = [...new Set(op.members.map((member) => member.value))];
      return this.insert(
        tx,
        groupId,
        ids.map((id) => ({ id, type: typeOf.get(id)! })),
        cause,
      );
    });
    return allInOrder(...changes).then((changed) => changed.some(Boolean));
  }

  /**
   * The group's memberships among `ids` (malformed ids left out: they are no member), with their
   * type, locked until the transaction ends: what a run of member PATCHes replays its operations over.
   */
  async membersAmong(
    tx: TenantTx,
    groupId: string,
    ids: readonly string[],
  ): Promise<Map<string, MemberType>> {
    const valid = [...new Set(ids.filter(isUuid))];
    if (valid.length === 0) return new Map();
    const rows = await this.memberships.membersAmong(tx, groupId, valid);
    return new Map(rows.map((row) => [row.member_id, row.member_type]));
  }

  /**
   * Writes the net change of a run of member PATCHes (every added member resolved by `resolve` first)
   * and the events of each of its operations, in one statement sent now. Fails if the rows changed are
   * not the ones the replay expected (the locks taken by lockCandidates and membersAmong rule it out).
   */
  async applyRun(
    tx: TenantTx,
    groupId: string,
    change: { removed: readonly string[]; added: readonly { id: string; type: MemberType }[] },
    events: readonly MemberRunEvent[],
    apiKeyId: string,
  ): Promise<void> {
    const done = await this.memberships.applyRun(tx, groupId, change, events, apiKeyId);
    if (done.removed !== change.removed.length || done.added !== change.added.length) {
      throw new Error(
        `member run of group ${groupId}: removed ${done.removed} of ${change.removed.length} rows, added ${done.added} of ${change.added.length}`,
      );
    }
  }

  /**
   * Makes the member list exactly `members` (PUT, and POST with members), touching only the rows that
   * differ (with one event per row changed).
   */
  async replace(
    tx: TenantTx,
    groupId: string,
    members: readonly MemberRef[],
    cause: EventCause,
    locked?: LockedMembers,
  ): Promise<boolean> {
    const ids = members.map((member) => member.value);
    const typed = await this.resolveMembers(tx, groupId, members, locked);
    const [removed, added] = await allInOrder(
      this.memberships.removeAllBut(tx, groupId, ids, cause),
      this.insert(tx, groupId, typed, cause),
    );
    return removed > 0 || added;
  }

  private async remove(
    tx: TenantTx,
    groupId: string,
    ids: readonly string[],
    cause: EventCause,
  ): Promise<boolean> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return false;
    return (await this.memberships.remove(tx, groupId, valid, cause)) > 0;
  }

  private async insert(
    tx: TenantTx,
    groupId: string,
    members: readonly { id: string; type: MemberType }[],
    cause: EventCause,
  ): Promise<boolean> {
    if (members.length === 0) return false;
    return (await this.memberships.insert(tx, groupId, members, cause)) > 0;
  }

  /**
   * Members must exist in the same tenant (400 invalidValue otherwise); their type comes from where they
   * exist, not from the request. A group may not contain itself, directly or through nesting.
   *
   * The member rows are locked FOR KEY SHARE until the transaction ends: a concurrent DELETE of a
   * member (FOR UPDATE on its row, then removal of its memberships) either waits for this transaction
   * and then removes the new membership too, or commits first and this lookup no longer finds the
   * member. Checking rows without the lock would see only committed rows and let a membership point at
   * a user deleted meanwhile. Updates of a member (FOR NO KEY UPDATE) do not conflict with it.
   */
  private async resolveMembers(
    tx: TenantTx,
    groupId: string,
    members: readonly MemberRef[],
    locked?: LockedMembers,
  ): Promise<{ id: string; type: MemberType }[]> {
    const ids = [...new Set(members.map((member) => member.value))];
    const malformed = ids.filter((id) => !isUuid(id));
    if (malformed.length > 0) {
      throw ScimError.badRequest('invalidValue', `No such member: ${malformed.slice(0, 5).join(', ')}`);
    }
    if (ids.length === 0) return [];
    // Not a copy of `locked.found`: a Bulk's run of member PATCHes resolves each of its operations
    // against the members of all of them.
    const found = new Map<string, MemberType>();
    const unlocked = ids.filter((id) => !locked?.ids.has(id));
    if (unlocked.length > 0)
      for (const row of await this.memberships.lockMembers(tx, unlocked)) found.set(row.id, row.type);
    const typeOf = (id: string) => found.get(id) ?? locked?.found.get(id);
    const missing = ids.filter((id) => typeOf(id) === undefined);
    if (missing.length > 0) {
      throw ScimError.badRequest('invalidValue', `No such member: ${missing.slice(0, 5).join(', ')}`);
    }
    const nested = ids.filter((id) => typeOf(id) === 'Group');
    if (nested.length > 0) await this.refuseCycles(tx, groupId, nested);
    return ids.map((id) => ({ id, type: typeOf(id)! }));
  }

  /**
   * Refuses nesting that would make a cycle. Two changes that each add one edge of a cycle (A add B,
   * B add A) would both pass a check of committed rows, so the check runs under a per-tenant advisory
   * lock held to the end of the transaction: the second waits for the first to commit and then sees
   * its edge. Only changes that add a group as a member take it; user memberships never wait on it.
   */
  private async refuseCycles(tx: TenantTx, groupId: string, childGroups: string[]): Promise<void> {
    if (childGroups.includes(groupId)) {
      throw ScimError.badRequest('invalidValue', 'A group cannot be a member of itself');
    }
    await this.memberships.lockNesting(tx);
    if (await this.memberships.nests(tx, childGroups, groupId))
      throw ScimError.badRequest('invalidValue', 'Nesting these groups would make a cycle');
  }
}
