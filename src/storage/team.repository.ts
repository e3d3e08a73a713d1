import { Injectable } from '@nestjs/common';
import { isUuid } from '../domain/ids.js';
import {
  likeSubstring,
  type GroupsQuery,
  type MembersQuery,
  type PageQuery,
  type TeamCursor,
} from '../domain/team/team-query.js';
import type { TenantTx } from './database.js';
import { USER_GROUPS, type ListedGroup } from './resource-list.js';
import { SqlBuilder } from './sql.js';

/** A member as the team API reads it: the columns of scim_user, its groups, and its page position. */
export interface MemberRow {
  id: string;
  user_name: string;
  display_name: string | null;
  given_name: string | null;
  family_name: string | null;
  formatted: string | null;
  primary_email: string | null;
  user_type: string | null;
  team_role: string;
  active: boolean;
  external_id: string | null;
  created_at: Date | string;
  last_modified: Date | string;
  groups: ListedGroup[];
  /** The sort values of the row, as text, for the next page's cursor. */
  sort_values: string[];
}

export interface GroupRow {
  id: string;
  display_name: string;
  external_id: string | null;
  created_at: Date | string;
  last_modified: Date | string;
  member_count: number;
  sort_values: string[];
}

/** What a member row reads of scim_user `u` (one indexed row per member, by primary key). */
const MEMBER_COLUMNS =
  "u.id, u.user_name, u.display_name, u.given_name, u.family_name, u.data->'name'->>'formatted' AS formatted, " +
  'u.primary_email, u.user_type, u.team_role, u.active, u.external_id, u.created_at, u.last_modified';

/** The columns each member order pages over (keyset, then id), and the index that serves it. */
const MEMBER_ORDER_KEYS: Record<MembersQuery['sort'], string[]> = {
  // scim_user_team_name_idx (tenant_id, team_name_lower, id)
  name: ['team_name_lower'],
  // scim_user_user_name_lower_uq (tenant_id, user_name_lower): unique, so id never breaks a tie
  userName: ['user_name_lower'],
  // scim_user_team_role_idx (tenant_id, team_role, team_name_lower, id)
  role: ['team_role', 'team_name_lower'],
};

/**
 * The team API's reads (src/modules/team): members and groups of the transaction's tenant, each page
 * ONE statement that walks an index in the page's order and stops after `limit + 1` rows (keyset
 * paging: the 1000th page costs what the first does), with the page's groups or member counts
 * aggregated over its own ids.
 */
@Injectable()
export class TeamRepository {
  /** One page of members, plus one row more when there is a next page. */
  async members(tx: TenantTx, query: MembersQuery): Promise<MemberRow[]> {
    const sql = new SqlBuilder();
    const tenant = sql.param(tx.tenantId);
    const where = [`u.tenant_id = ${tenant}`];
    if (query.role !== undefined) where.push(`u.team_role = ${sql.param(query.role)}`);
    if (query.active !== undefined) where.push(`u.active = ${sql.param(query.active)}`);
    if (query.search !== undefined) {
      const pattern = sql.param(likeSubstring(query.search));
      where.push(
        `(u.team_name_lower LIKE ${pattern} OR u.user_name_lower LIKE ${pattern} OR u.primary_email_lower LIKE ${pattern})`,
      );
    }
    if (query.group !== undefined) {
      where.push(
        `EXISTS (SELECT 1 FROM scim_membership m WHERE m.tenant_id = ${tenant} AND m.group_id = ${sql.param(query.group)}::uuid AND m.member_id = u.id)`,
      );
    }
    const keys = MEMBER_ORDER_KEYS[query.sort].map((column) => `u.${column}`);
    const direction = query.order === 'desc' ? 'DESC' : 'ASC';
    if (query.after) where.push(keysetAfter(sql, [...keys, 'u.id'], query.after, query.order));
    const text =
      `WITH page AS (SELECT ${MEMBER_COLUMNS}, ARRAY[${keys.join(', ')}]::text[] AS sort_values ` +
      `FROM scim_user u WHERE ${where.join(' AND ')} ` +
      `ORDER BY ${[...keys, 'u.id'].map((key) => `${key} ${direction}`).join(', ')} ` +
      `LIMIT ${sql.param(query.limit + 1)}), ` +
      `related AS (${USER_GROUPS.sql(tenant, 'page')}) ` +
      `SELECT page.*, coalesce(related.list, '[]'::json) AS groups FROM page LEFT JOIN related ON related.id = page.id ` +
      `ORDER BY ${[...keys.map((_key, index) => `page.sort_values[${index + 1}]`), 'page.id'].map((key) => `${key} ${direction}`).join(', ')}`;
    return (await tx.sql<MemberRow>(text, sql.values)).rows;
  }

  /** One member of the tenant with its groups, or undefined. */
  async member(tx: TenantTx, id: string): Promise<MemberRow | undefined> {
    if (!isUuid(id)) return undefined;
    const { rows } = await tx.sql<MemberRow>(
      `WITH page AS (SELECT ${MEMBER_COLUMNS}, ARRAY[]::text[] AS sort_values FROM scim_user u WHERE u.tenant_id = $1 AND u.id = $2),
            related AS (${USER_GROUPS.sql('$1', 'page')})
       SELECT page.*, coalesce(related.list, '[]'::json) AS groups FROM page LEFT JOIN related ON related.id = page.id`,
      [tx.tenantId, id],
    );
    return rows[0];
  }

  /**
   * One page of a group's members (Users; nested groups are left out), in member id order: the
   * membership table's primary key (tenant_id, group_id, member_id) serves it at any group size.
   */
  async groupMembers(tx: TenantTx, groupId: string, query: PageQuery): Promise<MemberRow[]> {
    const sql = new SqlBuilder();
    const tenant = sql.param(tx.tenantId);
    const where = [
      `m.tenant_id = ${tenant}`,
      `m.group_id = ${sql.param(groupId)}::uuid`,
      `m.member_type = 'User'`,
    ];
    if (query.after) where.push(`m.member_id > ${sql.param(query.after.id)}::uuid`);
    const text =
      `WITH ids AS (SELECT m.member_id FROM scim_membership m WHERE ${where.join(' AND ')} ` +
      `ORDER BY m.member_id LIMIT ${sql.param(query.limit + 1)}), ` +
      `page AS (SELECT ${MEMBER_COLUMNS}, ARRAY[]::text[] AS sort_values FROM ids ` +
      `JOIN scim_user u ON u.tenant_id = ${tenant} AND u.id = ids.member_id), ` +
      `related AS (${USER_GROUPS.sql(tenant, 'page')}) ` +
      `SELECT page.*, coalesce(related.list, '[]'::json) AS groups FROM page LEFT JOIN related ON related.id = page.id ` +
      `ORDER BY page.id`;
    return (await tx.sql<MemberRow>(text, sql.values)).rows;
  }

  /** One page of groups by displayName (case-insensitively unique per tenant), with member counts. */
  async groups(tx: TenantTx, query: GroupsQuery): Promise<GroupRow[]> {
    const sql = new SqlBuilder();
    const tenant = sql.param(tx.tenantId);
    const where = [`g.tenant_id = ${tenant}`];
    if (query.search !== undefined) {
      where.push(`g.display_name_lower LIKE ${sql.param(likeSubstring(query.search))}`);
    }
    if (query.after) where.push(keysetAfter(sql, ['g.display_name_lower', 'g.id'], query.after, 'asc'));
    const text =
      `WITH page AS (SELECT g.id, g.display_name, g.external_id, g.created_at, g.last_modified, ` +
      `ARRAY[g.display_name_lower]::text[] AS sort_values FROM scim_group g WHERE ${where.join(' AND ')} ` +
      `ORDER BY g.display_name_lower, g.id LIMIT ${sql.param(query.limit + 1)}) ` +
      `SELECT page.*, (SELECT count(*)::int FROM scim_membership m WHERE m.tenant_id = ${tenant} AND m.group_id = page.id) AS member_count ` +
      `FROM page ORDER BY page.sort_values, page.id`;
    return (await tx.sql<GroupRow>(text, sql.values)).rows;
  }

  async group(tx: TenantTx, id: string): Promise<GroupRow | undefined> {
    if (!isUuid(id)) return undefined;
    const { rows } = await tx.sql<GroupRow>(
      `SELECT g.id, g.display_name, g.external_id, g.created_at, g.last_modified, ARRAY[]::text[] AS sort_values,
              (SELECT count(*)::int FROM scim_membership m WHERE m.tenant_id = $1 AND m.group_id = g.id) AS member_count
         FROM scim_group g WHERE g.tenant_id = $1 AND g.id = $2`,
      [tx.tenantId, id],
    );
    return rows[0];
  }
}

/** `(k1, …, id) > (v1, …, id)` (descending: `<`): a row comparison, which the order's index answers. */
function keysetAfter(sql: SqlBuilder, keys: string[], cursor: TeamCursor, order: 'asc' | 'desc'): string {
  const values = [...cursor.values.map((value) => sql.param(value)), `${sql.param(cursor.id)}::uuid`];
  return `(${keys.join(', ')}) ${order === 'desc' ? '<' : '>'} (${values.join(', ')})`;
}
