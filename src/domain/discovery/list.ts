import { LIST_RESPONSE_SCHEMA } from '../schema/urns.js';

export interface DiscoveryList<T> {
  schemas: string[];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

/**
 * RFC 7644 §4: /Schemas and /ResourceTypes answer a ListResponse of everything; paging and sorting
 * parameters are ignored there, so the list is always complete.
 */
export function discoveryList<T>(resources: T[]): DiscoveryList<T> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: resources.length,
    startIndex: 1,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
