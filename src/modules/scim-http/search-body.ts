import { ScimError } from '../../domain/errors.js';
import type { ListQueryInput } from '../../domain/list/list-query.js';

/** RFC 7644 §3.4.3: POST …/.search carries a SearchRequest object with the list parameters. */
export function searchBody(body: unknown): ListQueryInput {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw ScimError.badRequest('invalidSyntax', 'A search request body must be a SearchRequest object');
  }
  const input = { ...body } as ListQueryInput;
  input.attributes = attributeList('attributes', input.attributes);
  input.excludedAttributes = attributeList('excludedAttributes', input.excludedAttributes);
  return input;
}

/** RFC 7644 §3.4.3: a SearchRequest carries attribute lists as arrays; a query string as comma lists. */
function attributeList(name: string, raw: unknown): unknown {
  if (!Array.isArray(raw)) return raw;
  if (raw.every((item) => typeof item === 'string')) return raw.join(',');
  throw ScimError.badRequest('invalidValue', `${name} must be a list of attribute names`);
}
