import { ScimError } from '../errors.js';

/**
 * RFC 7644 §4: a filter on a discovery endpoint SHOULD be answered 403, so that a client never takes the
 * unfiltered answer for a filtered one. The other list parameters (sortBy, startIndex, count) are ignored.
 */
export function refuseDiscoveryFilter(filter: unknown): void {
  const text = Array.isArray(filter) ? filter.join('') : filter;
  if (typeof text === 'string' && text.trim() !== '') {
    throw new ScimError(403, 'Discovery endpoints do not support filtering (RFC 7644 §4)');
  }
}
