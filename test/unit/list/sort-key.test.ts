import type { ColumnMap } from '../../../src/domain/filter/columns.js';
import { CREATED_ORDER, sortKeyFor } from '../../../src/domain/list/sort-key.js';
import type { ResolvedPath } from '../../../src/domain/schema/types.js';
import { GROUP_COLUMN_MAP } from '../../../src/storage/group-columns.js';
import { USER_COLUMN_MAP } from '../../../src/storage/user-columns.js';
import { registry } from '../registry.js';

const key = (path: string, resourceType: 'User' | 'Group', columns: ColumnMap) => {
  const [attribute, subAttribute] = path.split('.');
  return sortKeyFor(registry.resolve(resourceType, { attribute, subAttribute }) as ResolvedPath, columns);
};

describe('sortKeyFor (RFC 7644 §3.4.2.3)', () => {
  it('sorts by creation time without sortBy', () => {
    expect(sortKeyFor(undefined, USER_COLUMN_MAP)).toBe(CREATED_ORDER);
  });

  it.each<[string, 'User' | 'Group', ColumnMap, string]>([
    // The lowercase copies (generated, indexed): ORDER BY and the keyset comparison apply no lower() to a
    // column, so the index stays usable under row-level security.
    ['userName', 'User', USER_COLUMN_MAP, 'r.user_name_lower'],
    ['displayName', 'User', USER_COLUMN_MAP, 'r.display_name_lower'],
    ['name.familyName', 'User', USER_COLUMN_MAP, 'r.family_name_lower'],
    ['displayName', 'Group', GROUP_COLUMN_MAP, 'r.display_name_lower'],
    // No lowercase copy: lower() of the column.
    ['name.givenName', 'User', USER_COLUMN_MAP, 'lower(r.given_name)'],
    // caseExact: the column as it is.
    ['externalId', 'User', USER_COLUMN_MAP, 'r.external_id'],
  ])('sortBy=%s on %s → %s', (path, resourceType, columns, sql) => {
    expect(key(path, resourceType, columns)).toMatchObject({ sql, cast: 'text' });
  });

  it('keeps notNull from the column: userName pages by keyset', () => {
    expect(key('userName', 'User', USER_COLUMN_MAP).notNull).toBe(true);
    expect(key('displayName', 'User', USER_COLUMN_MAP).notNull).toBe(false);
  });

  it('lowers the column itself when the map gives no folded copy', () => {
    const columns: ColumnMap = new Map([['userName', { sql: 'r.user_name', type: 'text', notNull: true }]]);
    expect(key('userName', 'User', columns).sql).toBe('lower(r.user_name)');
  });
});
