import { LIST_RESPONSE_SCHEMA } from '../../domain/schema/urns.js';
import type { ScimResource } from '../../domain/schema/types.js';

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
