import type { ResourceTypeName, ScimResource } from '../../domain/schema/types.js';
import { etagOf } from './etag.js';

export const TABLES: Record<ResourceTypeName, string> = { User: 'scim_user', Group: 'scim_group' };
export const ENDPOINTS: Record<ResourceTypeName, string> = { User: 'Users', Group: 'Groups' };

/** The columns every resource table shares, as selected for building a SCIM resource. */
export interface ResourceRow {
  id: string;
  data: ScimResource;
  /** The driver hands timestamps over as PostgreSQL text (MikroORM keeps them exact) or as Dates. */
  created_at: Date | string;
  last_modified: Date | string;
  version: number;
}

export const RESOURCE_COLUMNS = 'r.id, r.data, r.created_at, r.last_modified, r.version';

/** The full SCIM representation of a row, before projection (RFC 7643 §3.1 common attributes). */
export function toScimResource(
  resourceType: ResourceTypeName,
  row: ResourceRow,
  baseUrl: string,
  related: Record<string, unknown> = {},
): ScimResource {
  const { schemas, ...attributes } = row.data;
  return {
    schemas,
    id: row.id,
    ...attributes,
    ...related,
    meta: {
      resourceType,
      created: isoTimestamp(row.created_at),
      lastModified: isoTimestamp(row.last_modified),
      location: locationOf(baseUrl, resourceType, row.id),
      version: etagOf(row.version),
    },
  };
}

export function locationOf(baseUrl: string, resourceType: ResourceTypeName, id: string): string {
  return `${baseUrl}/scim/v2/${ENDPOINTS[resourceType]}/${id}`;
}

/** RFC 7643 §2.3.5 dateTime (xsd:dateTime) from a PostgreSQL timestamptz, in UTC with milliseconds. */
export function isoTimestamp(value: Date | string): string {
  if (value instanceof Date) return value.toISOString();
  // PostgreSQL text form: "2026-11-28 14:30:00.123456+00" (offset may carry minutes).
  const normalized = value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  const parsed = new Date(normalized);
  return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString();
}
