import { ScimError } from '../../domain/errors.js';
import type { ListQueryInput } from '../../domain/list/list-query.js';

/** RFC 7644 §3.4.3: POST …/.search carries a SearchRequest object with the list parameters. */
export function searchBody(body: unknown): ListQueryInput {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw ScimError.badRequest('invalidSyntax', 'A search request body must be a SearchRequest object');
  }
  return body as ListQueryInput;
}
