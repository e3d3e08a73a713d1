/**
 * Attributes stored in dedicated columns of the resource table (docs/storage-model.md), so that filters on
 * them use the btree indexes instead of `data`. Keys are canonical attribute names from the registry
 * (`attribute` or `attribute.subAttribute`) of the core schema or the common attributes; extension
 * attributes always live in `data`. The table is aliased `r`.
 */
import type { ResolvedPath, ResourceTypeName } from '../schema/types.js';

/** How the SQL expression is typed: decides the casts and operators the compiler may use. */
export type ColumnType = 'text' | 'boolean' | 'timestamptz' | 'uuid';

export interface Column {
  sql: string;
  type: ColumnType;
}

/**
 * `meta.version` is the ETag of RFC 7644 §3.14 built from the integer `version` column; keep this in step
 * with how the resource mappers write `meta.version`.
 */
export const META_VERSION_SQL = `('W/"' || r.version::text || '"')`;

const common: [string, Column][] = [
  ['id', { sql: 'r.id', type: 'uuid' }],
  ['externalId', { sql: 'r.external_id', type: 'text' }],
  ['meta.created', { sql: 'r.created_at', type: 'timestamptz' }],
  ['meta.lastModified', { sql: 'r.last_modified', type: 'timestamptz' }],
  ['meta.version', { sql: META_VERSION_SQL, type: 'text' }],
];

const COLUMNS: Record<ResourceTypeName, ReadonlyMap<string, Column>> = {
  User: new Map([
    ...common,
    ['meta.resourceType', { sql: `'User'::text`, type: 'text' }],
    ['userName', { sql: 'r.user_name', type: 'text' }],
    ['active', { sql: 'r.active', type: 'boolean' }],
    ['displayName', { sql: 'r.display_name', type: 'text' }],
    ['name.givenName', { sql: 'r.given_name', type: 'text' }],
    ['name.familyName', { sql: 'r.family_name', type: 'text' }],
    ['userType', { sql: 'r.user_type', type: 'text' }],
  ]),
  Group: new Map([
    ...common,
    ['meta.resourceType', { sql: `'Group'::text`, type: 'text' }],
    ['displayName', { sql: 'r.display_name', type: 'text' }],
  ]),
};

/** The dedicated column of a resolved path, or undefined when the value lives in `data`. */
export function dedicatedColumn(resourceType: ResourceTypeName, resolved: ResolvedPath): Column | undefined {
  if (resolved.extension) return undefined;
  const key =
    resolved.subAttribute === undefined
      ? resolved.attribute.name
      : `${resolved.attribute.name}.${resolved.subAttribute.name}`;
  return COLUMNS[resourceType].get(key);
}
