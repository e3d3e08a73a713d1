import { dedicatedColumn, type ColumnMap } from '../filter/columns.js';
import type { ResolvedPath } from '../schema/types.js';

/** What a list is ordered by: an SQL expression over the resource table `r`, and how to page past it. */
export interface SortKey {
  sql: string;
  /** The SQL type its cursor value is cast back to. */
  cast: 'timestamptz' | 'text' | 'uuid' | 'boolean' | 'numeric';
  /** Never NULL: keyset (cursor) paging can compare (key, id) rows directly. */
  notNull: boolean;
}

/** The default order: creation time, then id, so pages are stable while rows are added. */
export const CREATED_ORDER: SortKey = { sql: 'r.created_at', cast: 'timestamptz', notNull: true };

function literal(name: string): string {
  return `'${name.replace(/'/g, "''")}'`;
}

/**
 * RFC 7644 §3.4.2.3: sort by the attribute's value; strings compare case-insensitively unless caseExact;
 * a multi-valued attribute sorts by its primary (else first) value. `columns` is the column map of the
 * resource table (from the storage layer).
 */
export function sortKeyFor(resolved: ResolvedPath | undefined, columns: ColumnMap): SortKey {
  if (!resolved) return CREATED_ORDER;
  const target = resolved.subAttribute ?? resolved.attribute;
  const column = dedicatedColumn(columns, resolved);
  if (column) {
    const notNull = column.notNull;
    if (column.type === 'text' && !target.caseExact)
      // The folded copy (lower(column), indexed) keeps ORDER BY and the keyset comparison on its index.
      return { sql: column.folded ?? `lower(${column.sql})`, cast: 'text', notNull };
    return { sql: column.sql, cast: column.type, notNull };
  }
  const base = resolved.extension ? `r.data->${literal(resolved.schema)}` : 'r.data';
  const attribute = resolved.attribute;
  let text: string;
  if (attribute.multiValued) {
    const sub = resolved.subAttribute?.name ?? 'value';
    const array = `${base}->${literal(attribute.name)}`;
    text =
      `(SELECT e->>${literal(sub)} FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${array}) = 'array' ` +
      `THEN ${array} ELSE '[]'::jsonb END) AS e ORDER BY (e->>'primary') = 'true' DESC NULLS LAST LIMIT 1)`;
  } else if (resolved.subAttribute) {
    text = `(${base}->${literal(attribute.name)}->>${literal(resolved.subAttribute.name)})`;
  } else if (attribute.type === 'complex') {
    text = `(${base}->${literal(attribute.name)}->>'value')`;
  } else {
    text = `(${base}->>${literal(attribute.name)})`;
  }
  switch (target.type) {
    case 'integer':
    case 'decimal':
      return { sql: `(${text})::numeric`, cast: 'numeric', notNull: false };
    case 'boolean':
      return { sql: `(${text})::boolean`, cast: 'boolean', notNull: false };
    case 'dateTime':
      return { sql: `(${text})::timestamptz`, cast: 'timestamptz', notNull: false };
    default:
      return { sql: target.caseExact ? text : `lower(${text})`, cast: 'text', notNull: false };
  }
}
