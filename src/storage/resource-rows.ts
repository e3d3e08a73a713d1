import type { ResourceTypeName, ScimResource } from '../domain/schema/types.js';

export const TABLES = { User: 'scim_user', Group: 'scim_group' } as const satisfies Record<
  ResourceTypeName,
  string
>;

/** The columns every resource table shares, as selected for building a SCIM resource. */
export interface ResourceRow {
  id: string;
  data: ScimResource;
  /** The driver hands timestamps over as PostgreSQL text (MikroORM keeps them exact) or as Dates. */
  created_at: Date | string;
  last_modified: Date | string;
  version: number;
}

/** The select list of a ResourceRow; the resource table is aliased `r` in every statement. */
export const RESOURCE_COLUMNS = 'r.id, r.data, r.created_at, r.last_modified, r.version';
