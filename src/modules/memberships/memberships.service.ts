import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ScimError } from '../../domain/errors.js';
import type { MemberOp, MemberRef } from '../../domain/patch/engine.js';
import { isUuid } from '../../domain/ids.js';
import { runSql, streamSql } from '../scim/sql.js';

export type MemberType = 'User' | 'Group';

/**
 * The first key of the advisory lock that serializes group nesting checks within a tenant (the second
 * is a hash of the tenant id). Advisory lock keys are global to the database: keep them distinct.
 */
const GROUP_NESTING_LOCK = 0x5c1_6e57;

const MEMBERS_SQL = `SELECT m.group_id, m.member_id AS value, m.member_type AS type,
        coalesce(u.display_name, u.user_name, g.display_name) AS display
   FROM scim_membership m
   LEFT JOIN scim_user u ON m.member_type = 'User' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
   LEFT JOIN scim_group g ON m.member_type = 'Group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
  WHERE m.tenant_id = $1 AND m.group_id = ANY($2::uuid[])
  ORDER BY m.group_id, m.member_id`;

export interface MemberRow {
  group_id: string;
  value: string;
  type: MemberType;
  display: string | null;
}

export interface GroupRefRow {
  member_id: string;
  value: string;
  display: string;
}

/**
 * Direct memberships, one row each. Every change touches only the rows it names (INSERT … ON CONFLICT,
 * DELETE … WHERE member_id = ANY), so adding one member to a 100k-member group costs one row.
 */
@Injectable()
export class MembershipsService {
  /** Members of the given groups, with a display name from the member's own row. */
  async membersOf(
    em: EntityManager,
    tenantId: string,
    groupIds: string[],
  ): Promise<Map<string, MemberRow[]>> {
    const byGroup = new Map<string, MemberRow[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return byGroup;
    const { rows } = await runSql<MemberRow>(em, MEMBERS_SQL, [tenantId, groupIds]);
    for (const row of rows) byGroup.get(row.group_id)?.push(row);
    return byGroup;
  }

  /** The members of one group in chunks, from one cursor-backed query: a 100k-member GET never holds them all. */
  streamMembers(em: EntityManager, tenantId: string, groupId: string): AsyncGenerator<MemberRow[]> {
    return streamSql<MemberRow>(em, MEMBERS_SQL, [tenantId, [groupId]]);
  }

  /** The groups each of the given users or groups is a direct member of (User.groups, RFC 7643 §4.1.2). */
  async groupsOf(
    em: EntityManager,
    tenantId: string,
    memberIds: string[],
  ): Promise<Map<string, GroupRefRow[]>> {
    const byMember = new Map<string, GroupRefRow[]>(memberIds.map((id) => [id, []]));
    if (memberIds.length === 0) return byMember;
    const { rows } = await runSql<GroupRefRow>(
      em,
      `SELECT m.member_id, g.id AS value, g.display_name AS display
         FROM scim_membership m
         JOIN scim_group g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
        WHERE m.tenant_id = $1 AND m.member_id = ANY($2::uuid[])
        ORDER BY g.display_name, g.id`,
      [tenantId, memberIds],
    );
    for (const row of rows) byMember.get(row.member_id)?.push(row);
    return byMember;
  }

  /**
   * Applies a PATCH member change set in order; true when any row was added or removed. Every member
   * the set adds is resolved (locked, checked, cycle-checked) before any row changes, so the locks are
   * always taken member rows first, membership rows after: the order a DELETE of a member takes them in.
   */
  async apply(
    em: EntityManager,
    tenantId: string,
    groupId: string,
    ops: readonly MemberOp[],
  ): Promise<boolean> {
    const added = ops.flatMap((op) => (op.kind === 'add' ? op.members : []));
    const typeOf = new Map(
      (await this.resolveMembers(em, tenantId, groupId, added)).map((member) => [member.id, member.type]),
    );
    let changed = false;
    for (const op of ops) {
      if (op.kind === 'removeAll') changed = (await this.removeAll(em, tenantId, groupId)) || changed;
      else if (op.kind === 'remove') changed = (await this.remove(em, tenantId, groupId, op.ids)) || changed;
      else {
        const ids = [...new Set(op.members.map((member) => member.value))];
        const members = ids.map((id) => ({ id, type: typeOf.get(id)! }));
        changed = (await this.insert(em, tenantId, groupId, members)) || changed;
      }
    }
    return changed;
  }

  /**
   * Makes the member list exactly `members` (PUT, and POST with members), touching only the rows that
   * differ.
   */
  async replace(
    em: EntityManager,
    tenantId: string,
    groupId: string,
    members: readonly MemberRef[],
  ): Promise<boolean> {
    const ids = members.map((member) => member.value);
    const typed = await this.resolveMembers(em, tenantId, groupId, members);
    const removed = await runSql(
      em,
      `DELETE FROM scim_membership WHERE tenant_id = $1 AND group_id = $2 AND NOT (member_id = ANY($3::uuid[]))`,
      [tenantId, groupId, ids],
    );
    const added = await this.insert(em, tenantId, groupId, typed);
    return removed.affected > 0 || added;
  }

  /** Deleting a user or group removes it from every group (its own member rows cascade). */
  async removeEverywhere(em: EntityManager, tenantId: string, memberId: string): Promise<void> {
    await runSql(em, `DELETE FROM scim_membership WHERE tenant_id = $1 AND member_id = $2`, [
      tenantId,
      memberId,
    ]);
  }

  private async remove(
    em: EntityManager,
    tenantId: string,
    groupId: string,
    ids: readonly string[],
  ): Promise<boolean> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return false;
    const { affected } = await runSql(
      em,
      `DELETE FROM scim_membership WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3::uuid[])`,
      [tenantId, groupId, valid],
    );
    return affected > 0;
  }

  private async removeAll(em: EntityManager, tenantId: string, groupId: string): Promise<boolean> {
    const { affected } = await runSql(
      em,
      `DELETE FROM scim_membership WHERE tenant_id = $1 AND group_id = $2`,
      [tenantId, groupId],
    );
    return affected > 0;
  }

  private async insert(
    em: EntityManager,
    tenantId: string,
    groupId: string,
    members: readonly { id: string; type: MemberType }[],
  ): Promise<boolean> {
    if (members.length === 0) return false;
    const { affected } = await runSql(
      em,
      `INSERT INTO scim_membership (tenant_id, group_id, member_id, member_type)
       SELECT $1, $2, member.id, member.type
         FROM unnest($3::uuid[], $4::text[]) AS member(id, type)
       ON CONFLICT DO NOTHING`,
      [tenantId, groupId, members.map((m) => m.id), members.map((m) => m.type)],
    );
    return affected > 0;
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
    em: EntityManager,
    tenantId: string,
    groupId: string,
    members: readonly MemberRef[],
  ): Promise<{ id: string; type: MemberType }[]> {
    const ids = [...new Set(members.map((member) => member.value))];
    const malformed = ids.filter((id) => !isUuid(id));
    if (malformed.length > 0) {
      throw ScimError.badRequest('invalidValue', `No such member: ${malformed.slice(0, 5).join(', ')}`);
    }
    if (ids.length === 0) return [];
    // Locked in id order: one stable order, whatever order the request names the members in.
    const { rows } = await runSql<{ id: string; type: MemberType }>(
      em,
      `WITH users AS (
         SELECT id FROM scim_user WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR KEY SHARE
       ), groups AS (
         SELECT id FROM scim_group WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR KEY SHARE
       )
       SELECT id, 'User' AS type FROM users UNION ALL SELECT id, 'Group' AS type FROM groups`,
      [tenantId, ids],
    );
    const found = new Map(rows.map((row) => [row.id, row.type]));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw ScimError.badRequest('invalidValue', `No such member: ${missing.slice(0, 5).join(', ')}`);
    }
    const nested = ids.filter((id) => found.get(id) === 'Group');
    if (nested.length > 0) await this.refuseCycles(em, tenantId, groupId, nested);
    return ids.map((id) => ({ id, type: found.get(id)! }));
  }

  /**
   * Refuses nesting that would make a cycle. Two changes that each add one edge of a cycle (A add B,
   * B add A) would both pass a check of committed rows, so the check runs under a per-tenant advisory
   * lock held to the end of the transaction: the second waits for the first to commit and then sees
   * its edge. Only changes that add a group as a member take it; user memberships never wait on it.
   */
  private async refuseCycles(
    em: EntityManager,
    tenantId: string,
    groupId: string,
    childGroups: string[],
  ): Promise<void> {
    if (childGroups.includes(groupId)) {
      throw ScimError.badRequest('invalidValue', 'A group cannot be a member of itself');
    }
    await runSql(em, 'SELECT pg_advisory_xact_lock($1, hashtext($2))', [GROUP_NESTING_LOCK, tenantId]);
    const { rows } = await runSql(
      em,
      `WITH RECURSIVE descendant(id) AS (
         SELECT member_id FROM scim_membership
          WHERE tenant_id = $1 AND group_id = ANY($2::uuid[]) AND member_type = 'Group'
         UNION
         SELECT m.member_id FROM scim_membership m JOIN descendant d ON m.group_id = d.id
          WHERE m.tenant_id = $1 AND m.member_type = 'Group'
       )
       SELECT 1 FROM descendant WHERE id = $3 LIMIT 1`,
      [tenantId, childGroups, groupId],
    );
    if (rows.length > 0)
      throw ScimError.badRequest('invalidValue', 'Nesting these groups would make a cycle');
  }
}
