import type { EntityManager } from '@mikro-orm/postgresql';
import { ScimError } from '../../domain/errors.js';
import type { ResourceTypeName } from '../../domain/schema/types.js';
import { isUuid } from '../../domain/ids.js';
import { assertIfMatch } from './etag.js';
import { RESOURCE_COLUMNS, TABLES, type ResourceRow } from './resource-rows.js';
import { runSql } from './sql.js';

/**
 * How a write locks the row it changes. An update takes FOR NO KEY UPDATE, which still lets other
 * transactions name the row as a member (FOR KEY SHARE, see MembershipsService); a delete takes FOR
 * UPDATE, which waits for them and makes them wait, so no membership can point at a deleted row.
 */
export type RowLock = 'update' | 'delete';

const LOCK_CLAUSES: Record<RowLock, string> = {
  update: ' FOR NO KEY UPDATE',
  delete: ' FOR UPDATE',
};

/**
 * One resource of the tenant, or 404. Another tenant's id is indistinguishable from an unknown one.
 * With `lock`, the row stays locked for the rest of the transaction (PUT, PATCH, DELETE check If-Match on it).
 */
export async function findResourceRow(
  em: EntityManager,
  resourceType: ResourceTypeName,
  tenantId: string,
  id: string,
  lock?: RowLock,
): Promise<ResourceRow> {
  const row = isUuid(id)
    ? (
        await runSql<ResourceRow>(
          em,
          `SELECT ${RESOURCE_COLUMNS} FROM ${TABLES[resourceType]} r WHERE r.tenant_id = $1 AND r.id = $2` +
            (lock ? LOCK_CLAUSES[lock] : ''),
          [tenantId, id],
        )
      ).rows[0]
    : undefined;
  if (!row) throw ScimError.notFound(`${resourceType} ${id} not found`);
  return row;
}

/**
 * The first statement of every SCIM write: holds the tenant row (FOR KEY SHARE) for the transaction.
 * Deleting a tenant locks its row before its ON DELETE CASCADE reaches users, groups and audit rows,
 * so taking the tenant first here gives both one lock order: a tenant deletion waits for the writes in
 * flight, and a write that waited for a deletion finds no tenant and answers 401 (its key is gone
 * with it), never a deadlock or a foreign-key error.
 */
export async function lockTenant(em: EntityManager, tenantId: string): Promise<void> {
  const { rows } = await runSql(em, 'SELECT 1 FROM tenant WHERE id = $1 FOR KEY SHARE', [tenantId]);
  if (rows.length === 0) throw new ScimError(401, 'Invalid API key: its tenant no longer exists');
}

/**
 * The row a write is about to change: the tenant, then the row, locked for the transaction; and still
 * at the version If-Match names. `lock: 'delete'` for a DELETE.
 */
export async function lockForWrite(
  em: EntityManager,
  resourceType: ResourceTypeName,
  tenantId: string,
  id: string,
  ifMatch: string | undefined,
  lock: RowLock = 'update',
): Promise<ResourceRow> {
  await lockTenant(em, tenantId);
  const row = await findResourceRow(em, resourceType, tenantId, id, lock);
  assertIfMatch(ifMatch, row.version);
  return row;
}

export async function deleteResourceRow(
  em: EntityManager,
  resourceType: ResourceTypeName,
  tenantId: string,
  id: string,
): Promise<void> {
  await runSql(em, `DELETE FROM ${TABLES[resourceType]} WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
}

/** Bumps version and lastModified when membership alone changed (members are part of a Group). */
export async function touchResourceRow(
  em: EntityManager,
  resourceType: ResourceTypeName,
  tenantId: string,
  id: string,
): Promise<ResourceRow> {
  const { rows } = await runSql<ResourceRow>(
    em,
    `UPDATE ${TABLES[resourceType]} AS r SET version = r.version + 1, last_modified = $3
      WHERE r.tenant_id = $1 AND r.id = $2 RETURNING ${RESOURCE_COLUMNS}`,
    [tenantId, id, new Date()],
  );
  return rows[0];
}
