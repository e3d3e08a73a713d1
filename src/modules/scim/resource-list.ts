import { Logger } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { decodeCursor, encodeCursor, type CursorPosition } from '../../domain/list/cursor.js';
import type { ListQuery } from '../../domain/list/list-query.js';
import { sortKeyFor } from '../../domain/list/sort-key.js';
import { compileFilter } from '../../domain/filter/to-sql.js';
import { project } from '../../domain/project/attributes.js';
import type { ResourceTypeName, ScimResource } from '../../domain/schema/types.js';
import { listResponse } from './list-response.js';
import type { ScimCall } from './scim-context.js';
import { RESOURCE_COLUMNS, TABLES, toScimResource, type ResourceRow } from './resource-rows.js';
import { SqlBuilder, runSql } from './sql.js';
import { scimRegistry } from './scim-registry.js';

const logger = new Logger('ResourceList');

export interface RowPage {
  rows: ResourceRow[];
  totalResults: number;
  startIndex: number;
  /** RFC 9865: present on every cursor page but the last. */
  nextCursor?: string;
}

/**
 * One page of a tenant's resources: the filter compiled to one SQL predicate, a stable order (the sort
 * key, then id), index or cursor paging. totalResults counts the same WHERE clause.
 */
export async function listRows(
  em: EntityManager,
  tenantId: string,
  resourceType: ResourceTypeName,
  query: ListQuery,
): Promise<RowPage> {
  const sql = new SqlBuilder();
  const where = [`r.tenant_id = ${sql.param(tenantId)}`];
  if (query.filter) {
    const predicate = compileFilter(query.filter, resourceType, {
      paramOffset: sql.offset,
      registry: scimRegistry,
    });
    if (predicate.dialects)
      logger.debug({ dialects: predicate.dialects }, 'identity-provider dialect applied');
    where.push(`(${sql.adopt(predicate)})`);
  }
  const table = TABLES[resourceType];
  const countValues = [...sql.values];
  const countSql = `SELECT count(*)::int AS total FROM ${table} r WHERE ${where.join(' AND ')}`;
  const total = runSql<{ total: number }>(em, countSql, countValues);

  if (query.count === 0) {
    return { rows: [], totalResults: (await total).rows[0].total, startIndex: query.startIndex };
  }

  const key = sortKeyFor(resourceType, query.sortBy);
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
  const pageSql =
    `SELECT ${RESOURCE_COLUMNS}${useKeyset ? `, ${key.sql} AS sort_key` : ''} FROM ${table} r ` +
    `WHERE ${where.join(' AND ')} ORDER BY ${key.sql} ${direction} NULLS LAST, r.id ${direction} ` +
    `LIMIT ${sql.param(query.count + 1)} OFFSET ${sql.param(offset)}`;
  const [page, counted] = await Promise.all([
    runSql<ResourceRow & { sort_key?: unknown }>(em, pageSql, sql.values),
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

function cursorValue(value: unknown): string | number | boolean {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

/** Related attributes of the rows of a page (User.groups, Group.members), looked up in one query. */
export type RelatedLookup = (ids: string[]) => Promise<(id: string) => Record<string, unknown>>;

/** A ListResponse of one resource type: one page of rows, projected, with related attributes when asked. */
export async function listResources(
  em: EntityManager,
  call: ScimCall,
  resourceType: ResourceTypeName,
  query: ListQuery,
  related?: RelatedLookup,
): Promise<ScimResource> {
  const page = await listRows(em, call.tenant.tenantId, resourceType, query);
  const relatedOf = related ? await related(page.rows.map((row) => row.id)) : () => ({});
  const resources = page.rows.map((row) =>
    project(
      scimRegistry,
      resourceType,
      toScimResource(resourceType, row, call.baseUrl, relatedOf(row.id)),
      query.projection,
    ),
  );
  return listResponse(resources, page);
}
