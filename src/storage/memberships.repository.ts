import { Injectable } from '@nestjs/common';
import { Database, type TenantTx } from './database.js';
import { EventsRepository, type EventCause, type MemberEventPlaceholders } from './events.repository.js';

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

/**
 * A transaction-local setting that the membership changes of a transaction turn on when they add or
 * remove a row. Later statements of the same transaction read it (`MEMBERS_CHANGED_SQL`), so the
 * group's version bump and its audit row can be sent in the same round trip as the changes, and
 * still happen only when a row changed.
 */
const MEMBERS_CHANGED_SETTING = 'app.members_changed';

/** A predicate: some membership change of this transaction added or removed a row. */
export const MEMBERS_CHANGED_SQL = `current_setting('${MEMBERS_CHANGED_SETTING}', true) = 'on'`;

/**
 * Wraps a membership INSERT/DELETE (without RETURNING): its affected rows, flagging the change, and one
 * change event per row (`eventsCte`: EventsRepository.memberEvents) in the same statement.
 */
function flaggingChange(dml: string, eventsCte: string): string {
  return `WITH changed AS (${dml} RETURNING tenant_id, group_id, member_id, member_type),
    ${eventsCte}
    SELECT count(*)::int AS affected,
           CASE WHEN count(*) > 0 THEN set_config('${MEMBERS_CHANGED_SETTING}', 'on', true) END AS flag
      FROM changed`;
}

/**
 * The cause's placeholders `$first` and `$first+1`, of a statement whose `$1` and `$2` are the tenant
 * and its one group; `oneRow` when it changes one row at most.
 */
function causePlaceholders(first: number, oneRow = false): MemberEventPlaceholders {
  return {
    requestId: `$${first}`,
    apiKeyId: `$${first + 1}`,
    oneGroup: { tenant: '$1', group: '$2', oneRow },
  };
}

function causeValues(cause: EventCause): [string, string] {
  return [cause.requestId, cause.apiKeyId];
}

async function affectedBy(pending: Promise<{ rows: { affected: number }[] }>): Promise<number> {
  return (await pending).rows[0]?.affected ?? 0;
}

export interface MemberRow {
  group_id: string;
  value: string;
  type: MemberType;
  display: string | null;
}

/** One member event of a run of member PATCHes: the member, what happened, and whose request did it. */
export interface MemberRunEvent {
  memberId: string;
  memberType: MemberType;
  type: 'group.member_added' | 'group.member_removed';
  requestId: string;
}

export interface GroupRefRow {
  member_id: string;
  value: string;
  display: string;
}

/**
 * scim_membership: direct memberships, one row each. Every change touches only the rows it names
 * (INSERT … ON CONFLICT, DELETE … WHERE member_id = ANY), so adding one member to a 100k-member group
 * costs one row. Raw statements: unnest, ANY and the locking CTEs are what the builder cannot say.
 */
@Injectable()
export class MembershipsRepository {
  constructor(
    private readonly db: Database,
    private readonly events: EventsRepository,
  ) {}

  /**
   * The member events CTE of a statement that changes the rows of one group, `$2` (of the tenant `$1`),
   * and whose cause is its placeholders `$first` and `$first+1`: pass `causeValues(cause)` after the
   * statement's own values.
   */
  private memberEvents(
    type: 'group.member_added' | 'group.member_removed',
    first: number,
    oneRow = false,
  ): string {
    return this.events.memberEvents(type, causePlaceholders(first, oneRow));
  }

  /** Members of the given groups, with a display name from the member's own row. */
  async membersOf(tx: TenantTx, groupIds: string[]): Promise<Map<string, MemberRow[]>> {
    const byGroup = new Map<string, MemberRow[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return byGroup;
    const { rows } = await tx.sql<MemberRow>(MEMBERS_SQL, [tx.tenantId, groupIds]);
    for (const row of rows) byGroup.get(row.group_id)?.push(row);
    return byGroup;
  }

  /**
   * The members of one group in chunks, from one cursor-backed query on a connection of its own: a
   * 100k-member GET never holds them all. The caller ends the generator on every path.
   */
  streamMembers(tenantId: string, groupId: string): AsyncGenerator<MemberRow[]> {
    return this.db.stream<MemberRow>(tenantId, MEMBERS_SQL, [tenantId, [groupId]]);
  }

  /** The groups each of the given users or groups is a direct member of (User.groups, RFC 7643 §4.1.2). */
  async groupsOf(tx: TenantTx, memberIds: string[]): Promise<Map<string, GroupRefRow[]>> {
    const byMember = new Map<string, GroupRefRow[]>(memberIds.map((id) => [id, []]));
    if (memberIds.length === 0) return byMember;
    const { rows } = await tx.sql<GroupRefRow>(
      `SELECT m.member_id, g.id AS value, g.display_name AS display
         FROM scim_membership m
         JOIN scim_group g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
        WHERE m.tenant_id = $1 AND m.member_id = ANY($2::uuid[])
        ORDER BY g.display_name, g.id`,
      [tx.tenantId, memberIds],
    );
    for (const row of rows) byMember.get(row.member_id)?.push(row);
    return byMember;
  }

  /** Removes every member of the group not in `keep`; the number of rows removed. */
  async removeAllBut(
    tx: TenantTx,
    groupId: string,
    keep: readonly string[],
    cause: EventCause,
  ): Promise<number> {
    return affectedBy(
      tx.sql(
        flaggingChange(
          `DELETE FROM scim_membership WHERE tenant_id = $1 AND group_id = $2 AND NOT (member_id = ANY($3::uuid[]))`,
          this.memberEvents('group.member_removed', 4),
        ),
        [tx.tenantId, groupId, keep, ...causeValues(cause)],
      ),
    );
  }

  /** Removes the named members (valid ids) from the group; the number of rows removed. */
  async remove(
    tx: TenantTx,
    groupId: string,
    memberIds: readonly string[],
    cause: EventCause,
  ): Promise<number> {
    return affectedBy(
      tx.sql(
        flaggingChange(
          `DELETE FROM scim_membership WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3::uuid[])`,
          this.memberEvents('group.member_removed', 4, new Set(memberIds).size === 1),
        ),
        [tx.tenantId, groupId, memberIds, ...causeValues(cause)],
      ),
    );
  }

  async removeAll(tx: TenantTx, groupId: string, cause: EventCause): Promise<number> {
    return affectedBy(
      tx.sql(
        flaggingChange(
          `DELETE FROM scim_membership WHERE tenant_id = $1 AND group_id = $2`,
          this.memberEvents('group.member_removed', 3),
        ),
        [tx.tenantId, groupId, ...causeValues(cause)],
      ),
    );
  }

  /**
   * The groups `memberId` is a direct member of, locked (FOR NO KEY UPDATE, in id order) until the
   * transaction ends, and their version and lastModified bumped: a member's DELETE, before it removes
   * the member from them (removeEverywhere). The lock orders the DELETE's group.member_removed events
   * after every other write to those groups, as each write to a group is ordered (its row lock): a write
   * holding one of them commits first, and then the removal's statement sees its events. Sent as a
   * statement of its own, before the removal: a statement that waited for a lock would still read with
   * the snapshot it took before the wait. The member is already locked (FOR UPDATE), so no write can add
   * it to another group meanwhile. The number of groups.
   */
  async lockGroupsOf(tx: TenantTx, memberId: string): Promise<number> {
    const { rows } = await tx.sql<{ touched: number }>(
      `WITH locked AS (
         SELECT g.id FROM scim_group g
          WHERE g.tenant_id = $1
            AND g.id IN (SELECT m.group_id FROM scim_membership m WHERE m.tenant_id = $1 AND m.member_id = $2)
          ORDER BY g.id
            FOR NO KEY UPDATE
       ), touched AS (
         UPDATE scim_group g SET version = g.version + 1, last_modified = $3
           FROM locked l
          WHERE g.tenant_id = $1 AND g.id = l.id
         RETURNING 1
       )
       SELECT count(*)::int AS touched FROM touched`,
      [tx.tenantId, memberId, new Date()],
    );
    return rows[0]?.touched ?? 0;
  }

  /**
   * Removes a user or group from every group it is a member of, with a group.member_removed event for
   * each, in one statement. After lockGroupsOf.
   */
  async removeEverywhere(tx: TenantTx, memberId: string, cause: EventCause): Promise<void> {
    await tx.sql(
      `WITH changed AS (
         DELETE FROM scim_membership WHERE tenant_id = $1 AND member_id = $2
         RETURNING tenant_id, group_id, member_id, member_type
       ), ${this.events.memberEvents('group.member_removed', { requestId: '$3', apiKeyId: '$4' })}
       SELECT count(*)::int AS affected FROM changed`,
      [tx.tenantId, memberId, ...causeValues(cause)],
    );
  }

  /** Adds the members the group does not have yet; the number of rows added. */
  async insert(
    tx: TenantTx,
    groupId: string,
    members: readonly { id: string; type: MemberType }[],
    cause: EventCause,
  ): Promise<number> {
    return affectedBy(
      tx.sql(
        flaggingChange(
          `INSERT INTO scim_membership (tenant_id, group_id, member_id, member_type)
           SELECT $1, $2, member.id, member.type
             FROM unnest($3::uuid[], $4::text[]) AS member(id, type)
           ON CONFLICT DO NOTHING`,
          this.memberEvents('group.member_added', 5, new Set(members.map((m) => m.id)).size === 1),
        ),
        [tx.tenantId, groupId, members.map((m) => m.id), members.map((m) => m.type), ...causeValues(cause)],
      ),
    );
  }

  /**
   * The group's memberships among `ids` (valid uuids), locked FOR UPDATE until the transaction ends: a
   * member being deleted meanwhile (removeEverywhere) waits, so the rows stay as read until the run of
   * member PATCHes that read them (applyRun) has written.
   */
  async membersAmong(
    tx: TenantTx,
    groupId: string,
    ids: readonly string[],
  ): Promise<{ member_id: string; member_type: MemberType }[]> {
    const { rows } = await tx.sql<{ member_id: string; member_type: MemberType }>(
      `SELECT member_id, member_type FROM scim_membership
        WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3::uuid[])
        ORDER BY member_id FOR UPDATE`,
      [tx.tenantId, groupId, ids],
    );
    return rows;
  }

  /**
   * The net change of a run of member PATCHes (a Bulk request's, see MemberRunReplay) in one statement:
   * the rows to delete, the rows to insert, and the events of every operation, each with its own request
   * id, in the order given (an add and a later remove of the same member are two events and no row).
   * The numbers of rows deleted and inserted.
   */
  async applyRun(
    tx: TenantTx,
    groupId: string,
    change: { removed: readonly string[]; added: readonly { id: string; type: MemberType }[] },
    events: readonly MemberRunEvent[],
    apiKeyId: string,
  ): Promise<{ removed: number; added: number }> {
    const { rows } = await tx.sql<{ removed: number; added: number }>(
      `WITH removed AS (
         DELETE FROM scim_membership WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3::uuid[])
         RETURNING 1
       ), added AS (
         INSERT INTO scim_membership (tenant_id, group_id, member_id, member_type)
         SELECT $1, $2, member.id, member.type FROM unnest($4::uuid[], $5::text[]) AS member(id, type)
         ON CONFLICT DO NOTHING
         RETURNING 1
       ), changed AS (
         SELECT $1::uuid AS tenant_id, $2::uuid AS group_id, e.member_id, e.member_type, e.type, e.request_id, e.n
           FROM unnest($6::uuid[], $7::text[], $8::text[], $9::text[])
                WITH ORDINALITY AS e(member_id, member_type, type, request_id, n)
       ), ${this.events.memberEvents('per row', { apiKeyId: '$10' })}
       SELECT (SELECT count(*) FROM removed)::int AS removed, (SELECT count(*) FROM added)::int AS added`,
      [
        tx.tenantId,
        groupId,
        change.removed,
        change.added.map((m) => m.id),
        change.added.map((m) => m.type),
        events.map((e) => e.memberId),
        events.map((e) => e.memberType),
        events.map((e) => e.type),
        events.map((e) => e.requestId),
        apiKeyId,
      ],
    );
    return rows[0];
  }

  /**
   * The users and groups among `ids` that exist in the tenant, with their type, locked FOR KEY SHARE
   * until the transaction ends (see MembershipsService.resolveMembers), in id order: one stable order,
   * whatever order the request names the members in.
   */
  async lockMembers(tx: TenantTx, ids: readonly string[]): Promise<{ id: string; type: MemberType }[]> {
    const { rows } = await tx.sql<{ id: string; type: MemberType }>(
      `WITH users AS (
         SELECT id FROM scim_user WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR KEY SHARE
       ), groups AS (
         SELECT id FROM scim_group WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR KEY SHARE
       )
       SELECT id, 'User' AS type FROM users UNION ALL SELECT id, 'Group' AS type FROM groups`,
      [tx.tenantId, ids],
    );
    return rows;
  }

  /** The tenant's group-nesting lock, held to the end of the transaction. */
  async lockNesting(tx: TenantTx): Promise<void> {
    await tx.sql('SELECT pg_advisory_xact_lock($1, hashtext($2))', [GROUP_NESTING_LOCK, tx.tenantId]);
  }

  /** Whether `groupId` is among the groups nested (at any depth) in `parents`. */
  async nests(tx: TenantTx, parents: readonly string[], groupId: string): Promise<boolean> {
    const { rows } = await tx.sql(
      `WITH RECURSIVE descendant(id) AS (
         SELECT member_id FROM scim_membership
          WHERE tenant_id = $1 AND group_id = ANY($2::uuid[]) AND member_type = 'Group'
         UNION
         SELECT m.member_id FROM scim_membership m JOIN descendant d ON m.group_id = d.id
          WHERE m.tenant_id = $1 AND m.member_type = 'Group'
       )
       SELECT 1 FROM descendant WHERE id = $3 LIMIT 1`,
      [tx.tenantId, parents, groupId],
    );
    return rows.length > 0;
  }
}
