import type { Column, ColumnMap, ColumnType } from '../domain/filter/columns.js';
import type { ResourceTypeName, ScimResource } from '../domain/schema/types.js';
import type { DB } from './schema.js';

/**
 * A column of a resource table derived from the stored resource (docs/storage-model.md): written on
 * every insert and update, and, when it names an `attribute`, used by filters and sorting on it.
 */
export interface DerivedColumn {
  /** The canonical attribute path the column holds; absent when only an index reads it. */
  attribute?: string;
  type: ColumnType;
  notNull: boolean;
  value(resource: ScimResource): string | boolean | null;
  /**
   * The column's lowercase copy, a STORED generated column (`lower(<column>)`) that PostgreSQL computes
   * and no statement writes: case-insensitive filters and sorting compare it, and its index is the one
   * they use. Row-level security keeps `lower(<column>) = lower($1)` from being an index condition
   * (lower() is not LEAKPROOF); `<column>_lower = lower($1)` stays one. See docs/storage-model.md.
   */
  folded?: string;
}

/**
 * The derived columns of one table, by column name. Only columns the entity declares are accepted,
 * so the map, the entity and the typed queries cannot drift apart unnoticed.
 */
export type DerivedColumns<Table extends keyof DB> = Partial<
  Record<keyof DB[Table] & string, DerivedColumn & { folded?: keyof DB[Table] & `${string}_lower` }>
>;

/**
 * `meta.version` is the ETag of RFC 7644 §3.14 built from the integer `version` column; keep this in
 * step with how resources are presented (etagOf).
 */
export const META_VERSION_SQL = `('W/"' || r.version::text || '"')`;

/** The common attributes (RFC 7643 §3.1) every resource table keeps in columns of its own. */
const COMMON: [string, Column][] = [
  ['id', { sql: 'r.id', type: 'uuid', notNull: true }],
  ['meta.created', { sql: 'r.created_at', type: 'timestamptz', notNull: true }],
  ['meta.lastModified', { sql: 'r.last_modified', type: 'timestamptz', notNull: true }],
  ['meta.version', { sql: META_VERSION_SQL, type: 'text', notNull: true }],
];

/** The column map the filter compiler and the sort keys read: attribute path → column of table `r`. */
export function columnMap(resourceType: ResourceTypeName, derived: Record<string, DerivedColumn>): ColumnMap {
  const map = new Map<string, Column>(COMMON);
  map.set('meta.resourceType', { sql: `'${resourceType}'::text`, type: 'text', notNull: true });
  for (const [column, definition] of Object.entries(derived)) {
    if (definition.attribute === undefined) continue;
    map.set(definition.attribute, {
      sql: `r.${column}`,
      type: definition.type,
      notNull: definition.notNull,
      ...(definition.folded === undefined ? {} : { folded: `r.${definition.folded}` }),
    });
  }
  return map;
}

/** A string attribute as a column value; anything else (absent, null, the wrong type) is NULL. */
export function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
