import { ScimError } from '../errors.js';
import type { AttrPath, Filter } from '../filter/ast.js';
import { parseFilter, parsePath } from '../filter/parser.js';
import { parseProjection, type Projection } from '../project/attributes.js';
import type { SchemaRegistry } from '../schema/registry.js';
import type { ResolvedPath, ResourceTypeName } from '../schema/types.js';

/** Paging limits, advertised in ServiceProviderConfig (filter.maxResults, pagination). */
export const PAGING = Object.freeze({ defaultCount: 100, maxCount: 1000 });

export type SortOrder = 'ascending' | 'descending';

/** A list or search request (RFC 7644 §3.4.2, §3.4.3; RFC 9865 cursors), validated. */
export interface ListQuery {
  filter?: Filter;
  sortBy?: ResolvedPath;
  sortOrder: SortOrder;
  /** 1-based (RFC 7644 §3.4.2.4); values below 1 mean 1. */
  startIndex: number;
  /** Clamped to [0, PAGING.maxCount]; 0 asks for totalResults only. */
  count: number;
  /** RFC 9865: undefined for index paging; '' asks for the first page of cursor paging. */
  cursor?: string;
  projection: Projection;
}

/**
 * Raw parameters as a GET query string carries them, or a SearchRequest body once its attribute arrays
 * are joined into comma lists (searchBody). Each is given once: a repeated query parameter arrives as
 * an array and is a 400, never a guess at which occurrence counts.
 */
export interface ListQueryInput {
  filter?: unknown;
  sortBy?: unknown;
  sortOrder?: unknown;
  startIndex?: unknown;
  count?: unknown;
  cursor?: unknown;
  attributes?: unknown;
  excludedAttributes?: unknown;
}

export function parseListQuery(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  input: ListQueryInput,
): ListQuery {
  const filterText = optionalString('filter', input.filter);
  const sortByText = optionalString('sortBy', input.sortBy);
  return {
    filter: filterText === undefined || filterText.trim() === '' ? undefined : parseFilter(filterText),
    sortBy:
      sortByText === undefined || sortByText.trim() === ''
        ? undefined
        : resolveSortBy(registry, resourceType, sortByText),
    sortOrder: parseSortOrder(input.sortOrder),
    startIndex: Math.max(1, integer('startIndex', input.startIndex) ?? 1),
    count: Math.min(PAGING.maxCount, Math.max(0, integer('count', input.count) ?? PAGING.defaultCount)),
    cursor: optionalString('cursor', input.cursor),
    projection: parseProjection(registry, resourceType, {
      attributes: input.attributes,
      excludedAttributes: input.excludedAttributes,
    }),
  };
}

function single(name: string, value: unknown): unknown {
  if (Array.isArray(value)) throw ScimError.badRequest('invalidValue', `Give ${name} once.`);
  return value;
}

function optionalString(name: string, raw: unknown): string | undefined {
  const value = single(name, raw);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw ScimError.badRequest('invalidValue', `${name} must be a string`);
  return value;
}

function integer(name: string, raw: unknown): number | undefined {
  const value = single(name, raw);
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isFinite(number) || !Number.isInteger(number)) {
    throw ScimError.badRequest('invalidValue', `${name} must be an integer, got ${JSON.stringify(value)}`);
  }
  return number;
}

function parseSortOrder(raw: unknown): SortOrder {
  const value = optionalString('sortOrder', raw)?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'ascending') return 'ascending';
  if (value === 'descending') return 'descending';
  throw ScimError.badRequest('invalidValue', `sortOrder must be "ascending" or "descending", got "${value}"`);
}

function resolveSortBy(registry: SchemaRegistry, resourceType: ResourceTypeName, text: string): ResolvedPath {
  let path: AttrPath;
  try {
    const parsed = parsePath(text.trim());
    if (parsed.filter || parsed.subAttribute) throw new Error('value filter');
    path = parsed.path;
  } catch {
    throw ScimError.badRequest('invalidValue', `sortBy "${text}" is not an attribute path`);
  }
  const resolved = registry.resolve(resourceType, path);
  if (!resolved) throw ScimError.badRequest('invalidValue', `sortBy names an unknown attribute "${text}"`);
  const target = resolved.subAttribute ?? resolved.attribute;
  if (
    target.type === 'complex' &&
    !resolved.subAttribute &&
    !target.subAttributes?.some((s) => s.name === 'value')
  ) {
    throw ScimError.badRequest('invalidValue', `sortBy "${text}" names a complex attribute`);
  }
  if (target.returned === 'never') throw ScimError.badRequest('invalidValue', `cannot sort by "${text}"`);
  return resolved;
}
