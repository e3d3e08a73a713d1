import { registry } from '../registry.js';
import { parseListQuery, type ListQueryInput } from '../../../src/domain/list/list-query.js';
import { searchBody } from '../../../src/modules/scim-http/search-body.js';

describe('parseListQuery: each list parameter is given once (RFC 7644 §3.4.2)', () => {
  it.each<[string, ListQueryInput]>([
    ['filter', { filter: ['userName pr', 'active pr'] }],
    ['sortBy', { sortBy: ['userName', 'name.givenName'] }],
    ['sortOrder', { sortOrder: ['ascending', 'descending'] }],
    ['startIndex', { startIndex: ['1', '2'] }],
    ['count', { count: ['1', '2'] }],
    ['cursor', { cursor: ['', 'abc'] }],
    ['attributes', { attributes: ['userName', 'emails'] }],
    ['excludedAttributes', { excludedAttributes: ['emails', 'name'] }],
  ])('a repeated %s (an array from the query string) is 400 invalidValue', (_name, input) => {
    expect(() => parseListQuery(registry, 'User', input)).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidValue' }),
    );
  });

  it('a SearchRequest body carries attribute lists as arrays (RFC 7644 §3.4.3)', () => {
    const query = parseListQuery(
      registry,
      'User',
      searchBody({ attributes: ['userName', 'emails'], excludedAttributes: undefined, count: 5 }),
    );
    expect(query.projection.mode).toBe('include');
    expect(query.count).toBe(5);
  });

  it('a SearchRequest attribute list of non-strings is 400 invalidValue', () => {
    expect(() => searchBody({ attributes: ['userName', 3] })).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidValue' }),
    );
  });
});
