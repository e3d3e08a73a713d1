import { Logger } from '@nestjs/common';
import type { ColumnMap } from '../domain/filter/columns.js';
import { compileFilter } from '../domain/filter/to-sql.js';
import { ScimError } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';
import { decodeCursor, encodeCursor, type CursorPosition } from '../domain/list/cursor.js';
import type { ListQuery } from '../domain/list/list-query.js';
import { sortKeyFor } from '../domain/list/sort-key.js';
import type { SchemaRegistry } from '../domain/schema/registry.js';
import type { ResourceTypeName } from '../domain/schema/types.js';
import type { TenantTx } from './database.js';
import { MEMBERS_CHANGED_SQL } from './memberships.repository.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from './pg-errors.js';
import { RESOURCE_COLUMNS, TABLES, type ResourceRow } from './resource-rows.js';
import { SqlBuilder } from './sql.js';

const logger = new Logger('ResourceList');

/**
 * How a write locks the row it changes. An update takes FOR NO KEY UPDATE, which still lets other
 * transactions name the row as a member (FOR KEY SHARE, see MembershipsRepository); a delete takes FOR
 * UPDATE, which waits for them and makes them wait, so no membership can point at a deleted row.
 */
export type RowLock = 'update' | 'delete';

const LOCK_CLAUSES: Record<RowLock, string> = {
  update: ' FOR NO KEY UPDATE',
  delete: ' FOR UPDATE',
};

export interface RowPage {
  rows: ResourceRow[];
  totalResults: number;
  startIndex: number;
  /** RFC 9865: present on every cursor page but the last. */
  nextCursor?: string;
}

/**
 * The statements scim_user and scim_group share: reading, locking, paging, deleting a resource row
 * of the transaction's tenant. The repositories of the two tables build on it.
 */
export class ResourceTable {
  readonly table: string;

  constructor(
    readonly resourceType: ResourceTypeName,
    /** The table's column map (attribute path → column), for filters and sorting. */
    readonly columns: ColumnMap,
  ) {
    this.table = TABLES[resourceType];
  }

  /**
   * One resource of the tenant, or 404. Another tenant's id is indistinguishable from an unknown one.
   * With `lock`, the row stays locked for the rest of the transaction.
   */
  async find(tx: TenantTx, id: string, lock?: RowLock): Promise<ResourceRow> {
    const row = isUuid(id)
      ? (
          await tx.sql<ResourceRow>(
            `SELECT ${RESOURCE_COLUMNS} FROM ${this.table} r WHERE r.tenant_id = $1 AND r.id = $2` +
              (lock ? LOCK_CLAUSES[lock] : ''),
            [tx.tenantId, id],
          )
        ).rows[0]
      : undefined;
    if (!row) throw ScimError.notFound(`${this.resourceType} ${id} not found`);
    return row;
  }

  async delete(tx: TenantTx, id: string): Promise<void> {
    await tx.sql(`DELETE FROM ${this.table} WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
  }

  /** Bumps version and lastModified when membership alone changed (members are part of a Group). */
  async touch(tx: TenantTx, id: string): Promise<ResourceRow> {
    const { rows } = await tx.sql<ResourceRow>(
      `UPDATE ${this.table} AS r SET version = r.version + 1, last_modified = $3
        WHERE r.tenant_id = $1 AND r.id = $2 RETURNING ${RESOURCE_COLUMNS}`,
      [tx.tenantId, id, new Date()],
    );
    return rows[0];
  }

  /**
   * Bumps version and lastModified only if a membership change of this transaction added or removed a
   * row (MEMBERS_CHANGED_SQL): sent in the same round trip as the changes. Undefined when none did.
   */
  async touchIfMembersChanged(tx: TenantTx, id: string): Promise<ResourceRow | undefined> {
    const { rows } = await tx.sql<ResourceRow>(
      `UPDATE ${this.table} AS r SET version = r.version + 1, last_modified = $3
        WHERE r.tenant_id = $1 AND r.id = $2 AND ${MEMBERS_CHANGED_SQL} RETURNING ${RESOURCE_COLUMNS}`,
      [tx.tenantId, id, new Date()],
    );
    return rows[0];
  }

  /**
   * One page of the tenant's resources: the filter compiled to one SQL predicate, a stable order (the
   * sort key, then id), index or cursor paging. totalResults counts the same WHERE clause.
   */
  async list(tx: TenantTx, query: ListQuery, registry: SchemaRegistry): Promise<RowPage> {
    const sql = new SqlBuilder();
    const where = [`r.tenant_id = ${sql.param(tx.tenantId)}`];
    if (query.filter) {
      const predicate = compileFilter(query.filter, this.resourceType, {
        columns: this.columns,
        paramOffset: sql.offset,
        registry,
      });
      if (predicate.dialects)
        logger.debug({ dialects: predicate.dialects }, 'identity-provider dialect applied');
      where.push(`(${sql.adopt(predicate)})`);
    }
    const countValues = [...sql.values];
    const countSql = `SELECT count(*)::int AS total FROM ${this.table} r WHERE ${where.join(' AND ')}`;
    const total = tx.sql<{ total: number }>(countSql, countValues);

    if (query.count === 0) {
      return { rows: [], totalResults: (await total).rows[0].total, startIndex: query.startIndex };
    }

    const key = sortKeyFor(query.sortBy, this.columns);
    const descending = query.sortOrder === 'descending';
    const direction = descending ? 'DESC' : 'ASC';
    const position: CursorPosition | undefined = query.cursor ? decodeCursor(query.cursor) : undefined;
    let offset = query.cursor === undefined ? query.startIndex - 1 : 0;
    if (position?.kind === 'offset') offset = position.offset;
    if (position?.kind === 'keyset') {
      const comparison = descending ? '<' : '>';
      where.push(
        `(${key.sql}, r.id) ${comparison} (${sql.param(position.value)}::${key.cast}, ${sql.param(position.id)}::uuid)`,
      );
    }
    const useKeyset = query.cursor !== undefined && key.notNull;
    // Absent values sort last either way (RFC 7644 §3.4.2.3). A key that is never NULL needs no NULLS
    // clause, and without one a descending page walks the ascending index backward.
    const nulls = key.notNull ? '' : ' NULLS LAST';
    const pageSql =
      `SELECT ${RESOURCE_COLUMNS}${useKeyset ? `, ${key.sql} AS sort_key` : ''} FROM ${this.table} r ` +
      `WHERE ${where.join(' AND ')} ORDER BY ${key.sql} ${direction}${nulls}, r.id ${direction} ` +
      `LIMIT ${sql.param(query.count + 1)} OFFSET ${sql.param(offset)}`;
    const [page, counted] = await Promise.all([
      tx.sql<ResourceRow & { sort_key?: unknown }>(pageSql, sql.values),
      total,
    ]);
    const hasMore = page.rows.length > query.count;
    const rows = hasMore ? page.rows.slice(0, query.count) : page.rows;
    let nextCursor: string | undefined;
    if (query.cursor !== undefined && hasMore) {
      const last = rows[rows.length - 1] as ResourceRow & { sort_key?: unknown };
      nextCursor = useKeyset
        ? encodeCursor({ kind: 'keyset', value: cursorValue(last.sort_key), id: last.id })
        : encodeCursor({ kind: 'offset', offset: offset + rows.length });
    }
    return {
      rows: rows.map(({ id, data, created_at, last_modified, version }) => ({
        id,
        data,
        created_at,
        last_modified,
        version,
      })),
      totalResults: counted.rows[0].total,
      startIndex: query.cursor === undefined ? query.startIndex : 1,
      nextCursor,
    };
  }
}

function cursorValue(value: unknown): string | number | boolean {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

/** A unique violation as the 409 of RFC 7644 §3.3 (`uniqueness`), anything else unchanged. */
export function rethrowUniqueness(conflict: () => ScimError) {
  return (error: unknown): never => {
    if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) throw conflict();
    throw error;
  };
}
