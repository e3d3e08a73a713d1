import { project, type Projection } from '../../domain/project/attributes.js';
import type { SchemaRegistry } from '../../domain/schema/registry.js';
import { LIST_RESPONSE_SCHEMA } from '../../domain/schema/urns.js';
import type { ResourceTypeName, ScimResource } from '../../domain/schema/types.js';
import type { RowPage } from '../../storage/resource-table.js';
import { toScimResource } from './resource-representation.js';

/** RFC 7644 §3.4.2: itemsPerPage is the number of resources on this page, not the requested count. */
export function listResponse(
  resources: ScimResource[],
  page: { totalResults: number; startIndex: number; nextCursor?: string },
): ScimResource {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: page.totalResults,
    startIndex: page.startIndex,
    itemsPerPage: resources.length,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    Resources: resources,
  };
}

/** One page of rows as a ListResponse: each row presented, related attributes added, projected. */
export function listOfRows(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  page: RowPage,
  baseUrl: string,
  projection: Projection,
  relatedOf: (id: string) => Record<string, unknown> = () => ({}),
): ScimResource {
  const resources = page.rows.map((row) =>
    project(
      registry,
      resourceType,
      toScimResource(resourceType, row, baseUrl, relatedOf(row.id)),
      projection,
    ),
  );
  return listResponse(resources, page);
}
