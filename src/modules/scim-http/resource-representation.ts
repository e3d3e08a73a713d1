import type { ResourceTypeName, ScimResource } from '../../domain/schema/types.js';
import type { ResourceRow } from '../../storage/resource-rows.js';
import { isoTimestamp } from '../../storage/timestamps.js';
import { etagOf } from './etag.js';

const ENDPOINTS: Record<ResourceTypeName, string> = { User: 'Users', Group: 'Groups' };

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
