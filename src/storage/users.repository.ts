import { Injectable } from '@nestjs/common';
import { ScimError } from '../domain/errors.js';
import type { ListQuery } from '../domain/list/list-query.js';
import type { SchemaRegistry } from '../domain/schema/registry.js';
import type { ScimResource } from '../domain/schema/types.js';
import type { TenantTx } from './database.js';
import type { StatementExtension } from './events.repository.js';
import { USER_GROUPS, type ListedGroup } from './resource-list.js';
import { RESOURCE_COLUMNS, type ResourceRow } from './resource-rows.js';
import { isUuid } from '../domain/ids.js';
import { ResourceTable, type RowLock, type RowPage } from './resource-table.js';
import { USER_COLUMN_MAP, USER_COLUMNS } from './user-columns.js';

/** scim_user: the stored User in `data`, the columns of USER_COLUMNS beside it. */
@Injectable()
export class UsersRepository {
  private readonly table = new ResourceTable('User', USER_COLUMN_MAP, USER_COLUMNS);

  find(tx: TenantTx, id: string, lock?: RowLock): Promise<ResourceRow> {
    return this.table.find(tx, id, lock);
  }

  /**
   * One user of the tenant with its groups (User.groups, RFC 7643 §4.1.2), in one statement; 404 when
   * there is none.
   */
  async findWithGroups(tx: TenantTx, id: string): Promise<ResourceRow & { groups: ListedGroup[] }> {
    const row = isUuid(id)
      ? (
          await tx.sql<ResourceRow & { groups: ListedGroup[] }>(
            `WITH one AS (SELECT ${RESOURCE_COLUMNS} FROM scim_user r WHERE r.tenant_id = $1 AND r.id = $2),
                  related AS (${USER_GROUPS.sql('$1', 'one')})
             SELECT one.*, coalesce(related.list, '[]'::json) AS groups
               FROM one LEFT JOIN related ON related.id = one.id`,
            [tx.tenantId, id],
          )
        ).rows[0]
      : undefined;
    if (!row) throw ScimError.notFound(`User ${id} not found`);
    return row;
  }

  /** One page of users, with their groups (User.groups) when `groups`, in one statement. */
  list(
    tx: TenantTx,
    query: ListQuery,
    registry: SchemaRegistry,
    { groups }: { groups: boolean },
  ): Promise<RowPage<{ groups: ListedGroup[] }>> {
    return this.table.list(tx, query, registry, groups ? [USER_GROUPS] : []);
  }

  delete(tx: TenantTx, id: string): Promise<void> {
    return this.table.delete(tx, id);
  }

  /**
   * A new user; 409 uniqueness when its userName is taken in the tenant (case-insensitively). `extend`:
   * what the statement does besides (ResourceTable.insert).
   */
  insert(tx: TenantTx, id: string, stored: ScimResource, extend?: StatementExtension): Promise<ResourceRow> {
    return this.table.insert(tx, id, stored, () => userNameTaken(stored), extend);
  }

  /**
   * New users in one statement (a Bulk's run of creates), in the order given. A user whose userName
   * is taken in the tenant (case-insensitively), by a user already there or by one earlier in `users`,
   * is not inserted (insert's 409): the rows returned are those inserted.
   */
  async insertMany(
    tx: TenantTx,
    users: readonly { id: string; stored: ScimResource }[],
  ): Promise<ResourceRow[]> {
    if (users.length === 0) return [];
    const columns = Object.entries(USER_COLUMNS);
    const items = users.map(({ id, stored }) => ({
      id,
      data: stored,
      ...Object.fromEntries(columns.map(([column, definition]) => [column, definition.value(stored)])),
    }));
    const { rows } = await tx.sql<ResourceRow>(
      `INSERT INTO scim_user AS r (tenant_id, id, ${columns.map(([column]) => column).join(', ')},
                                   created_at, last_modified, version, data)
       SELECT $1, (e.item->>'id')::uuid,
              ${columns.map(([column, { type }]) => `(e.item->>'${column}')::${type}`).join(', ')},
              $2, $2, 1, e.item->'data'
         FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(item, n)
        ORDER BY e.n
       ON CONFLICT (tenant_id, user_name_lower) DO NOTHING
       RETURNING ${RESOURCE_COLUMNS}`,
      [tx.tenantId, new Date(), JSON.stringify(items)],
    );
    return rows;
  }

  /** Users inserted earlier in the transaction, removed again (a Bulk's run stopped by failOnErrors). */
  async deleteMany(tx: TenantTx, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await tx.sql(`DELETE FROM scim_user WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, ids]);
  }

  /** The stored form and its columns replaced, version bumped; 409 when the new userName is taken. */
  update(tx: TenantTx, id: string, stored: ScimResource, extend?: StatementExtension): Promise<ResourceRow> {
    return this.table.update(tx, id, stored, () => userNameTaken(stored), extend);
  }
}

/** The 409 of a userName taken in the tenant (RFC 7644 §3.3 uniqueness), as insert and update answer. */
export function userNameTaken(stored: ScimResource): ScimError {
  return new ScimError(409, `A user with userName "${String(stored.userName)}" already exists`, 'uniqueness');
}
