import { Injectable } from '@nestjs/common';
import { ScimError } from '../domain/errors.js';
import type { ListQuery } from '../domain/list/list-query.js';
import type { SchemaRegistry } from '../domain/schema/registry.js';
import type { ScimResource } from '../domain/schema/types.js';
import type { TenantTx } from './database.js';
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

  /** A new user; 409 uniqueness when its userName is taken in the tenant (case-insensitively). */
  insert(tx: TenantTx, id: string, stored: ScimResource): Promise<ResourceRow> {
    return this.table.insert(tx, id, stored, () => conflict(stored));
  }

  /** The stored form and its columns replaced, version bumped; 409 when the new userName is taken. */
  update(tx: TenantTx, id: string, stored: ScimResource): Promise<ResourceRow> {
    return this.table.update(tx, id, stored, () => conflict(stored));
  }
}

function conflict(stored: ScimResource): ScimError {
  return new ScimError(409, `A user with userName "${String(stored.userName)}" already exists`, 'uniqueness');
}
