import { project, type Projection } from '../../domain/project/attributes.js';
import type { SchemaRegistry } from '../../domain/schema/registry.js';
import { LIST_RESPONSE_SCHEMA } from '../../domain/schema/urns.js';
import type { ResourceTypeName, ScimResource } from '../../domain/schema/types.js';
import type { RowPage } from '../../storage/resource-table.js';
import { toScimResource } from './resource-representation.js';

/**
 * RFC 7644 §3.4.2: itemsPerPage is the number of resources on this page, not the requested count.
 * totalResults is left out of cursor pages (RFC 9865 §2.2), which count nothing.
 */
export function listResponse(
  resources: ScimResource[],
  page: { totalResults?: number; startIndex: number; nextCursor?: string },
): ScimResource {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    ...(page.totalResults === undefined ? {} : { totalResults: page.totalResults }),
    startIndex: page.startIndex,
    itemsPerPage: resources.length,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    Resources: resources,
  };
}

/**
 * One page of rows as a ListResponse: each row presented, its related attributes (read with the page,
 * see ResourceTable.list) added by `relatedOf`, projected.
 */
export function listOfRows<Related extends object>(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  page: RowPage<Related>,
  baseUrl: string,
  projection: Projection,
  relatedOf: (row: RowPage<Related>['rows'][number]) => Record<string, unknown> = () => ({}),
): ScimResource {
  const resources = page.rows.map((row) =>
    project(registry, resourceType, toScimResource(resourceType, row, baseUrl, relatedOf(row)), projection),
  );
  return listResponse(resources, page);
}
