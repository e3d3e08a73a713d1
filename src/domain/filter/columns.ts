/**
 * Attributes stored in dedicated columns of the resource table (docs/storage-model.md), so that filters on
 * them and sorting by them use the btree indexes instead of `data`. The storage layer defines the map of
 * each table, once, beside the table (src/storage/*-columns.ts), and passes it in: the domain knows the
 * shape of a column map, not the tables. Keys are canonical attribute names from the registry
 * (`attribute` or `attribute.subAttribute`) of the core schema or the common attributes; extension
 * attributes always live in `data`. The table is aliased `r`.
 */
import type { ResolvedPath } from '../schema/types.js';

/** How the SQL expression is typed: decides the casts and operators the compiler may use. */
export type ColumnType = 'text' | 'boolean' | 'timestamptz' | 'uuid';

export interface Column {
  /** An SQL expression over the resource table `r`. */
  sql: string;
  type: ColumnType;
  /** Never NULL: keyset (cursor) paging can compare (key, id) rows directly. */
  notNull: boolean;
  /**
   * For a text column: an SQL expression equal to `lower(sql)` that the database keeps (a generated
   * column, indexed). Case-insensitive comparisons and sorting use it instead of applying lower() to
   * the column, which row-level security would keep from using the index.
   */
  folded?: string;
}

/** Canonical attribute path → its dedicated column, for one resource type. */
export type ColumnMap = ReadonlyMap<string, Column>;

/** The dedicated column of a resolved path, or undefined when the value lives in `data`. */
export function dedicatedColumn(columns: ColumnMap, resolved: ResolvedPath): Column | undefined {
  if (resolved.extension) return undefined;
  const key =
    resolved.subAttribute === undefined
      ? resolved.attribute.name
      : `${resolved.attribute.name}.${resolved.subAttribute.name}`;
  return columns.get(key);
}
