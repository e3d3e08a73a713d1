import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { ScimError } from '../domain/errors.js';
import type { ListQuery } from '../domain/list/list-query.js';
import type { SchemaRegistry } from '../domain/schema/registry.js';
import type { ScimResource } from '../domain/schema/types.js';
import type { TenantTx } from './database.js';
import { derivedValues } from './resource-columns.js';
import { RESOURCE_COLUMNS, type ResourceRow } from './resource-rows.js';
import { isUuid } from '../domain/ids.js';
import { ResourceTable, rethrowUniqueness, type RowLock, type RowPage } from './resource-table.js';
import { USER_COLUMN_MAP, USER_COLUMNS } from './user-columns.js';

/** A group a user is a direct member of, as User.groups lists it. */
export interface GroupRef {
  value: string;
  display: string;
}

/**
 * The groups of the user aliased `r`, as a JSON array ordered by display name, then id (a correlated
 * subquery: one statement reads a user and its groups).
 */
export const USER_GROUPS_SQL = `(SELECT coalesce(json_agg(json_build_object('value', g.id, 'display', g.display_name) ORDER BY g.display_name, g.id), '[]'::json)
     FROM scim_membership m JOIN scim_group g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
    WHERE m.tenant_id = r.tenant_id AND m.member_id = r.id)`;

const RETURNED = ['id', 'data', 'created_at', 'last_modified', 'version'] as const;

/** scim_user: the stored User in `data`, the columns of USER_COLUMNS beside it. */
@Injectable()
export class UsersRepository {
  private readonly table = new ResourceTable('User', USER_COLUMN_MAP);

  find(tx: TenantTx, id: string, lock?: RowLock): Promise<ResourceRow> {
    return this.table.find(tx, id, lock);
  }

  /**
   * One user of the tenant with its groups (User.groups, RFC 7643 §4.1.2), in one statement; 404 when
   * there is none.
   */
  async findWithGroups(tx: TenantTx, id: string): Promise<ResourceRow & { groups: GroupRef[] }> {
    const row = isUuid(id)
      ? (
          await tx.sql<ResourceRow & { groups: GroupRef[] }>(
            `SELECT ${RESOURCE_COLUMNS}, ${USER_GROUPS_SQL} AS groups
               FROM scim_user r WHERE r.tenant_id = $1 AND r.id = $2`,
            [tx.tenantId, id],
          )
        ).rows[0]
      : undefined;
    if (!row) throw ScimError.notFound(`User ${id} not found`);
    return row;
  }

  list(tx: TenantTx, query: ListQuery, registry: SchemaRegistry): Promise<RowPage> {
    return this.table.list(tx, query, registry);
  }

  delete(tx: TenantTx, id: string): Promise<void> {
    return this.table.delete(tx, id);
  }

  /** A new user; 409 uniqueness when its userName is taken in the tenant (case-insensitively). */
  async insert(tx: TenantTx, id: string, stored: ScimResource, now = new Date()): Promise<ResourceRow> {
    const { rows } = await tx
      .query(
        tx.builder
          .insertInto('scim_user')
          .values({
            tenant_id: tx.tenantId,
            id,
            ...(derivedValues(USER_COLUMNS, stored) as { user_name: string }),
            created_at: now,
            last_modified: now,
            version: 1,
            data: sql<ScimResource>`${JSON.stringify(stored)}::jsonb`,
          })
          .returning(RETURNED),
      )
      .catch(rethrowUniqueness(() => conflict(stored)));
    return rows[0] as ResourceRow;
  }

  /** The stored form and its columns replaced, version bumped; 409 when the new userName is taken. */
  async update(tx: TenantTx, id: string, stored: ScimResource): Promise<ResourceRow> {
    const { rows } = await tx
      .query(
        tx.builder
          .updateTable('scim_user as r')
          .set({
            ...derivedValues(USER_COLUMNS, stored),
            data: sql<ScimResource>`${JSON.stringify(stored)}::jsonb`,
            last_modified: new Date(),
            version: sql<number>`r.version + 1`,
          })
          .where('r.tenant_id', '=', tx.tenantId)
          .where('r.id', '=', id)
          .returning(RETURNED),
      )
      .catch(rethrowUniqueness(() => conflict(stored)));
    return rows[0] as ResourceRow;
  }
}

function conflict(stored: ScimResource): ScimError {
  return new ScimError(409, `A user with userName "${String(stored.userName)}" already exists`, 'uniqueness');
}
