import { registry } from '../registry.js';
import fc from 'fast-check';
import type { Filter } from '../../../src/domain/filter/ast.js';
import { parseFilter } from '../../../src/domain/filter/parser.js';
import { compileFilter } from '../../../src/domain/filter/to-sql.js';
import { ScimError } from '../../../src/domain/errors.js';
import type { ResourceTypeName } from '../../../src/domain/schema/types.js';
import { GROUP_COLUMN_MAP } from '../../../src/storage/group-columns.js';
import { META_VERSION_SQL } from '../../../src/storage/resource-columns.js';
import { USER_COLUMN_MAP } from '../../../src/storage/user-columns.js';
import { cmp, expectBadRequest } from './helpers.js';
import { TEST_EXTENSION, testRegistry } from './test-registry.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const UUID = '2819c223-7f76-453a-919d-413861904646';

/** The column maps the storage layer passes in (scim_user, scim_group). */
const COLUMNS = { User: USER_COLUMN_MAP, Group: GROUP_COLUMN_MAP };

const sql = (filter: string, resourceType: ResourceTypeName = 'User', paramOffset = 0) =>
  compileFilter(parseFilter(filter), resourceType, { columns: COLUMNS[resourceType], paramOffset, registry });

describe('compileFilter: dedicated columns and their indexes (RFC 7644 §3.4.2.2, docs/storage-model.md)', () => {
  it.each<[string, ResourceTypeName, string, unknown[]]>([
    // Case-insensitive indexed columns compare their lowercase copy (a generated column with the index),
    // never lower(column): under row-level security that would not be an index condition.
    ['userName eq "BJensen"', 'User', '(r.user_name_lower = lower($1))', ['BJensen']],
    ['USERNAME EQ "x"', 'User', '(r.user_name_lower = lower($1))', ['x']],
    [
      `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`,
      'User',
      '(r.user_name_lower = lower($1))',
      ['x'],
    ],
    ['userName ne "x"', 'User', '(r.user_name_lower IS DISTINCT FROM lower($1))', ['x']],
    ['userName gt "m"', 'User', '(r.user_name_lower > lower($1))', ['m']],
    ['userName le "m"', 'User', '(r.user_name_lower <= lower($1))', ['m']],
    ['userName co "a_b"', 'User', "(r.user_name_lower LIKE lower($1) ESCAPE E'\\\\')", ['%a\\_b%']],
    ['userName ew "@x.com"', 'User', "(r.user_name_lower LIKE lower($1) ESCAPE E'\\\\')", ['%@x.com']],
    ['displayName eq "Ann"', 'User', '(r.display_name_lower = lower($1))', ['Ann']],
    ['externalId eq "00u1"', 'User', '(r.external_id = $1)', ['00u1']],
    ['externalId eq jyoung', 'User', '(r.external_id = $1)', ['jyoung']],
    ['externalId eq 12345', 'User', '(r.external_id = $1)', ['12345']],
    [`id eq "${UUID}"`, 'User', '(r.id = $1::uuid)', [UUID]],
    [`id ne "${UUID.toUpperCase()}"`, 'User', '(r.id IS DISTINCT FROM $1::uuid)', [UUID.toUpperCase()]],
    ['id eq "not-a-uuid"', 'User', '(r.id::text = $1)', ['not-a-uuid']],
    ['active eq true', 'User', '(r.active = $1::boolean)', [true]],
    ['active eq "False"', 'User', '(r.active = $1::boolean)', [false]],
    ['active ne false', 'User', '(r.active IS DISTINCT FROM $1::boolean)', [false]],
    ['displayName eq "Sales"', 'Group', '(r.display_name_lower = lower($1))', ['Sales']],
    ['name.givenName eq "Barbara"', 'User', '(lower(r.given_name) = lower($1))', ['Barbara']],
    ['name.familyName sw "Jen"', 'User', "(r.family_name_lower LIKE lower($1) ESCAPE E'\\\\')", ['Jen%']],
    // Not indexed, no lowercase copy: lower() on both sides.
    ['userType eq "admin"', 'User', '(lower(r.user_type) = lower($1))', ['admin']],
    [
      'meta.created gt "2011-05-13T04:42:34Z"',
      'User',
      '(r.created_at > $1::timestamptz)',
      ['2011-05-13T04:42:34Z'],
    ],
    [
      'meta.lastModified le "2011-05-13T04:42:34"',
      'Group',
      '(r.last_modified <= $1::timestamptz)',
      ['2011-05-13T04:42:34Z'],
    ],
    ['meta.version eq "W/\\"3\\""', 'User', `(${META_VERSION_SQL} = $1)`, ['W/"3"']],
    ['meta.resourceType eq "User"', 'User', `('User'::text = $1)`, ['User']],
  ])('%s on %s → %s (RFC 7644 §3.4.2.2)', (filter, resourceType, text, values) => {
    // `dialects` names the Entra rules some rows need (test/unit/dialects/rules.test.ts).
    expect(sql(filter, resourceType)).toMatchObject({ text, values });
  });

  it('numbers placeholders from paramOffset + 1 (callers append the predicate to their own parameters)', () => {
    expect(sql('userName eq "a" or title eq "b"', 'User', 2)).toEqual({
      text: "((r.user_name_lower = lower($3)) OR (lower(r.data->>'title') = lower($4)))",
      values: ['a', 'b'],
    });
  });
});

describe('compileFilter: the folded copy of a column', () => {
  it('lowers the column itself when its map gives no folded copy', () => {
    const columns = new Map([['userName', { sql: 'r.user_name', type: 'text' as const, notNull: true }]]);
    expect(compileFilter(parseFilter('userName eq "X"'), 'User', { columns, registry }).text).toBe(
      '(lower(r.user_name) = lower($1))',
    );
  });

  it('compares the column itself, not the folded copy, when the attribute is caseExact', () => {
    const columns = new Map([
      ['id', { sql: 'r.id', type: 'text' as const, notNull: true, folded: 'r.id_lower' }],
      ['externalId', { sql: 'r.external_id', type: 'text' as const, notNull: false, folded: 'r.x_lower' }],
    ]);
    expect(compileFilter(parseFilter('externalId eq "X"'), 'User', { columns, registry }).text).toBe(
      '(r.external_id = $1)',
    );
  });
});

describe('compileFilter: attributes in data jsonb, extensions under their URN (RFC 7644 §3.4.2.2, RFC 7643 §3.3)', () => {
  it.each<[string, string, unknown[]]>([
    ['nickName eq "Babs"', "(lower(r.data->>'nickName') = lower($1))", ['Babs']],
    ['name.middleName eq "Jane"', "(lower(r.data->'name'->>'middleName') = lower($1))", ['Jane']],
    [`${ENT}:department eq "Tour"`, `(lower(r.data->'${ENT}'->>'department') = lower($1))`, ['Tour']],
    [
      `${ENT}:manager.value eq "26118915"`,
      `(lower(r.data->'${ENT}'->'manager'->>'value') = lower($1))`,
      ['26118915'],
    ],
    [
      `${ENT}:manager eq "26118915"`,
      `(lower(r.data->'${ENT}'->'manager'->>'value') = lower($1))`,
      ['26118915'],
    ],
    [
      'title co "50%_off\\\\"',
      "(lower(r.data->>'title') LIKE lower($1) ESCAPE E'\\\\')",
      ['%50\\%\\_off\\\\%'],
    ],
    ['title ew "VP"', "(lower(r.data->>'title') LIKE lower($1) ESCAPE E'\\\\')", ['%VP']],
    ['title gt "m"', "(lower(r.data->>'title') > lower($1))", ['m']],
    ['title ne "x"', "(lower(r.data->>'title') IS DISTINCT FROM lower($1))", ['x']],
    [
      'title pr',
      `(r.data->'title' IS NOT NULL AND r.data->'title' NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb))`,
      [],
    ],
  ])('%s → %s', (filter, text, values) => {
    expect(sql(filter)).toEqual({ text, values });
  });
});

describe('compileFilter: multi-valued attributes (RFC 7644 §3.4.2.2 "any value matches")', () => {
  it('emails[type eq "work" and value co "@x"] is one EXISTS: conditions on the same element', () => {
    expect(sql('emails[type eq "work" and value co "@x"]')).toEqual({
      text:
        "EXISTS (SELECT 1 FROM jsonb_array_elements(r.data->'emails') AS e1 WHERE " +
        "((lower(e1->>'type') = lower($1)) AND (lower(e1->>'value') LIKE lower($2) ESCAPE E'\\\\')))",
      values: ['work', '%@x%'],
    });
  });

  it('emails.type eq "work" and emails.value co "@x" are two EXISTS: any elements', () => {
    const { text } = sql('emails.type eq "work" and emails.value co "@x"');
    expect(text.match(/EXISTS/g)).toHaveLength(2);
    expect(text).toContain('AS e1');
    expect(text).toContain('AS e2');
  });

  it.each<[string, string]>([
    [
      'emails eq "a@x"',
      "EXISTS (SELECT 1 FROM jsonb_array_elements(r.data->'emails') AS e1 WHERE (lower(e1->>'value') = lower($1)))",
    ],
    [
      'emails.value eq "a@x"',
      "EXISTS (SELECT 1 FROM jsonb_array_elements(r.data->'emails') AS e1 WHERE (lower(e1->>'value') = lower($1)))",
    ],
    [
      'emails[type eq "work"].value eq "a@x"',
      "EXISTS (SELECT 1 FROM jsonb_array_elements(r.data->'emails') AS e1 WHERE ((lower(e1->>'type') = lower($1)) AND (lower(e1->>'value') = lower($2))))",
    ],
    [
      'emails.primary eq true',
      "EXISTS (SELECT 1 FROM jsonb_array_elements(r.data->'emails') AS e1 WHERE (e1->'primary' = to_jsonb($1::boolean)))",
    ],
    [
      'schemas eq "urn:X"',
      "EXISTS (SELECT 1 FROM jsonb_array_elements(r.data->'schemas') AS e1 WHERE (lower((e1 #>> '{}')) = lower($1)))",
    ],
    [
      'emails pr',
      `(r.data->'emails' IS NOT NULL AND r.data->'emails' NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb))`,
    ],
  ])('%s → %s', (filter, text) => {
    expect(sql(filter).text).toBe(text);
  });
});

describe('compileFilter: Group.members and User.groups use scim_membership (RFC 7643 §4.1.2, §4.2)', () => {
  it.each<[string, ResourceTypeName, string]>([
    [
      'members pr',
      'Group',
      'EXISTS (SELECT 1 FROM scim_membership m1 WHERE m1.tenant_id = r.tenant_id AND m1.group_id = r.id)',
    ],
    [
      `members eq "${UUID}"`,
      'Group',
      'EXISTS (SELECT 1 FROM scim_membership m1 WHERE m1.tenant_id = r.tenant_id AND m1.group_id = r.id AND (m1.member_id = $1::uuid))',
    ],
    [
      `members.value eq "${UUID}"`,
      'Group',
      'EXISTS (SELECT 1 FROM scim_membership m1 WHERE m1.tenant_id = r.tenant_id AND m1.group_id = r.id AND (m1.member_id = $1::uuid))',
    ],
    [
      `members[value eq "${UUID}"]`,
      'Group',
      'EXISTS (SELECT 1 FROM scim_membership m1 WHERE m1.tenant_id = r.tenant_id AND m1.group_id = r.id AND (m1.member_id = $1::uuid))',
    ],
    [
      'members.type eq "Group"',
      'Group',
      'EXISTS (SELECT 1 FROM scim_membership m1 WHERE m1.tenant_id = r.tenant_id AND m1.group_id = r.id AND (lower(m1.member_type) = lower($1)))',
    ],
    [
      `groups.value eq "${UUID}"`,
      'User',
      'EXISTS (SELECT 1 FROM scim_membership m1 WHERE m1.tenant_id = r.tenant_id AND m1.member_id = r.id AND (m1.group_id = $1::uuid))',
    ],
    [
      `groups[value eq "${UUID}"]`,
      'User',
      'EXISTS (SELECT 1 FROM scim_membership m1 WHERE m1.tenant_id = r.tenant_id AND m1.member_id = r.id AND (m1.group_id = $1::uuid))',
    ],
  ])('%s on %s → %s', (filter, resourceType, text) => {
    expect(sql(filter, resourceType).text).toBe(text);
  });

  it("members.display compares the member's displayName", () => {
    const { text } = sql('members.display eq "Ann"', 'Group');
    expect(text).toContain('FROM scim_user u');
    expect(text).toContain('FROM scim_group g');
  });
});

describe('compileFilter: logic, null and presence (RFC 7644 §3.4.2.2, RFC 7643 §2.5)', () => {
  it.each<[string, string]>([
    ['userName eq "a" and title pr', '((r.user_name_lower = lower($1)) AND (r.data->'],
    [
      'userName eq "a" or userName eq "b"',
      '((r.user_name_lower = lower($1)) OR (r.user_name_lower = lower($2)))',
    ],
    ['not (title eq "x")', "NOT COALESCE((lower(r.data->>'title') = lower($1)), false)"],
    ['title eq null', "NOT COALESCE((r.data->'title' IS NOT NULL AND"],
    ['title ne null', "(r.data->'title' IS NOT NULL AND"],
    ['externalId pr', "(r.external_id IS NOT NULL AND r.external_id <> '')"],
    ['meta.created pr', '(r.created_at IS NOT NULL)'],
    ['meta pr', 'TRUE'],
    [
      'name[givenName eq "A" and middleName pr]',
      "((lower(r.given_name) = lower($1)) AND (r.data->'name'->'middleName' IS NOT NULL",
    ],
  ])('%s → %s… (RFC 7644 §3.4.2.2, RFC 7643 §2.5)', (filter, prefix) => {
    expect(sql(filter).text.startsWith(prefix)).toBe(true);
  });
});

describe('compileFilter rejects what cannot be evaluated with 400 invalidFilter (RFC 7644 §3.4.2.2)', () => {
  it.each<[string, ResourceTypeName, RegExp]>([
    ['nosuch eq "x"', 'User', /Unknown attribute "nosuch" at position 0$/],
    ['userName eq "a" and name.nosuch eq "x"', 'User', /Unknown attribute "name.nosuch" at position 20$/],
    ['department eq "x"', 'User', /Unknown attribute "department"/], // extension attributes need their URN (RFC 7644 §3.10)
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:Usr:department eq "x"',
      'User',
      /Unknown attribute/,
    ],
    ['members pr', 'User', /Unknown attribute "members"/],
    ['userName eq "x"', 'Group', /Unknown attribute "userName"/],
    ['emails[nosuch eq "x"]', 'User', /Unknown attribute "emails.nosuch" at position 7$/],
    ['emails[emails.type eq "x"]', 'User', /must be a sub-attribute name/],
    ['password eq "secret"', 'User', /"password" cannot be used in a filter/],
    ['password pr', 'User', /"password" cannot be used/],
    ['name eq "x"', 'User', /"name" is a complex attribute/],
    ['meta eq "x"', 'User', /"meta" is a complex attribute/],
    ['meta.location eq "x"', 'User', /"meta.location" cannot be used/],
    ['members.$ref eq "x"', 'Group', /"members.\$ref" cannot be used/],
    ['active gt true', 'User', /"gt" cannot be applied to boolean/],
    ['active co "t"', 'User', /"co" cannot be applied to boolean/],
    ['active eq "yes"', 'User', /boolean and cannot be compared with "yes"/],
    ['active eq 1', 'User', /boolean and cannot be compared with 1/],
    ['emails.primary gt false', 'User', /"gt" cannot be applied to boolean/],
    ['userName eq true', 'User', /string and cannot be compared with true/],
    ['meta.created gt "yesterday"', 'User', /not a valid dateTime/],
    ['meta.created gt "2024-02-30T00:00:00Z"', 'User', /not a valid dateTime/],
    ['meta.created gt "2024-01-01T24:00:00Z"', 'User', /not a valid dateTime/],
    ['meta.created gt 20240101', 'User', /not a valid dateTime/],
    ['meta.created co "2024"', 'User', /"co" cannot be applied to dateTime/],
    ['meta.created co "2024-01-01T00:00:00Z"', 'User', /"co" cannot be applied to dateTime/],
    ['title gt null', 'User', /"gt" cannot be used with null/],
    ['userName.x eq "a"', 'User', /Unknown attribute/],
    ['name.givenName[x eq 1]', 'User', /needs a complex attribute/],
    ['userName[x eq 1]', 'User', /needs a complex attribute/],
  ])('%s on %s → %s', (filter, resourceType, detail) => {
    const error = expectBadRequest(() => sql(filter, resourceType), 'invalidFilter');
    expect(error.detail).toMatch(detail);
  });

  it('names the attribute without a position for trees not built by the parser', () => {
    const error = expectBadRequest(
      () => compileFilter(cmp('nosuch', 'eq', 'x'), 'User', { columns: COLUMNS.User, registry }),
      'invalidFilter',
    );
    expect(error.detail).toBe('Unknown attribute "nosuch"');
  });

  it('rejects a hand-built nested value path', () => {
    const nested: Filter = {
      kind: 'valuePath',
      path: { attribute: 'emails' },
      filter: { kind: 'valuePath', path: { attribute: 'emails' }, filter: cmp('type', 'eq', 'x') },
    };
    expectBadRequest(
      () => compileFilter(nested, 'User', { columns: COLUMNS.User, registry }),
      'invalidFilter',
    );
  });
});

describe('compileFilter property: values never reach the SQL text, placeholders are dense (RFC 7644 §3.4.2.2)', () => {
  const USER_PATHS = [
    'userName',
    'name.givenName',
    'name.middleName',
    'displayName',
    'title',
    'active',
    'emails',
    'emails.value',
    'emails.type',
    'emails.primary',
    'externalId',
    'id',
    'meta.created',
    'userType',
    'groups',
    'groups.value',
    'groups.display',
    `${ENT}:department`,
    `${ENT}:manager.value`,
    'schemas',
    'phoneNumbers.value',
    'nosuch',
  ];
  const MARKER = "'); DROP TABLE x; --";
  const valueArb = fc.oneof(
    fc.string().map((s) => MARKER + s),
    fc.constantFrom(true, false, null, 7, 'True', '2011-05-13T04:42:34Z', UUID),
  );
  const opArb = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le' as const);
  const pathArb = fc.constantFrom(...USER_PATHS).map((p) => {
    const colon = p.lastIndexOf(':');
    const [attribute, subAttribute] = p.slice(colon + 1).split('.');
    return {
      ...(colon > 0 ? { uri: p.slice(0, colon) } : {}),
      attribute,
      ...(subAttribute ? { subAttribute } : {}),
    };
  });
  type Leaf = Extract<Filter, { kind: 'compare' | 'present' }>;
  const leaf: fc.Arbitrary<Leaf> = fc.oneof(
    fc.record({ kind: fc.constant('compare' as const), path: pathArb, op: opArb, value: valueArb }),
    fc.record({ kind: fc.constant('present' as const), path: pathArb }),
  );
  const { filter } = fc.letrec<{ filter: Filter }>((tie) => ({
    filter: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.record({ kind: fc.constant('and' as const), left: tie('filter'), right: tie('filter') }),
      fc.record({ kind: fc.constant('or' as const), left: tie('filter'), right: tie('filter') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('filter') }),
      fc.record({
        kind: fc.constant('valuePath' as const),
        path: fc.constantFrom({ attribute: 'emails' }, { attribute: 'groups' }, { attribute: 'name' }),
        filter: fc
          .tuple(leaf, fc.constantFrom('type', 'value', 'primary', 'givenName'))
          .map(([l, attribute]): Filter => ({ ...l, path: { attribute } })),
      }),
    ),
  }));

  it('compiles or throws a 400 ScimError; $1..$n match values; no value text in SQL', () => {
    fc.assert(
      fc.property(filter, fc.nat(5), (f, offset) => {
        let fragment;
        try {
          fragment = compileFilter(f, 'User', { columns: COLUMNS.User, paramOffset: offset, registry });
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          expect((error as ScimError).scimType).toBe('invalidFilter');
          return;
        }
        expect(fragment.text).not.toContain('DROP TABLE');
        const used = [...fragment.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
        const expected = fragment.values.map((_, i) => offset + i + 1);
        expect([...new Set(used)].sort((a, b) => a - b)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('compileFilter: integer, decimal, dateTime and caseExact attributes in data (RFC 7643 §2.3)', () => {
  const T = TEST_EXTENSION;
  const compile = (filter: string) =>
    compileFilter(parseFilter(filter), 'User', { columns: COLUMNS.User, registry: testRegistry });

  it.each<[string, string, unknown[]]>([
    [
      `${T}:level gt 3`,
      `((CASE WHEN jsonb_typeof(r.data->'${T}'->'level') = 'number' THEN (r.data->'${T}'->>'level')::numeric END) > $1::numeric)`,
      ['3'],
    ],
    [
      `${T}:score le "2.5"`,
      `((CASE WHEN jsonb_typeof(r.data->'${T}'->'score') = 'number' THEN (r.data->'${T}'->>'score')::numeric END) <= $1::numeric)`,
      ['2.5'],
    ],
    [
      `${T}:hiredAt ge "2020-01-01T00:00:00+01:00"`,
      `((r.data->'${T}'->>'hiredAt')::timestamptz >= $1::timestamptz)`,
      ['2020-01-01T00:00:00+01:00'],
    ],
    [`${T}:flag eq true`, `(r.data->'${T}'->'flag' = to_jsonb($1::boolean))`, [true]],
    [`${T}:code eq "AbC"`, `(r.data->'${T}'->>'code' = $1)`, ['AbC']],
    [`${T}:code sw "Ab"`, `(r.data->'${T}'->>'code' LIKE $1 ESCAPE E'\\\\')`, ['Ab%']],
    [
      `${T}:tags eq "red"`,
      `EXISTS (SELECT 1 FROM jsonb_array_elements(r.data->'${T}'->'tags') AS e1 WHERE (lower((e1 #>> '{}')) = lower($1)))`,
      ['red'],
    ],
  ])('%s → %s', (filter, text, values) => {
    expect(compile(filter)).toEqual({ text, values });
  });

  it.each<[string, RegExp]>([
    [`${T}:level co 3`, /"co" cannot be applied to integer/],
    [`${T}:level eq "three"`, /number and cannot be compared with "three"/],
    [`${T}:level eq true`, /number and cannot be compared with true/],
    [
      `${T}:badges eq "x"`,
      /"badges" is a complex attribute: compare one of its sub-attributes, e.g. "badges.label"/,
    ],
    [`${T}:badges[rank sw "1"]`, /"sw" cannot be applied to integer/],
    [`${T}:hiredAt gt "2020-13-01T00:00:00Z"`, /not a valid dateTime/],
    [`${T}:hiredAt gt "2020-01-01T00:00:00+24:00"`, /not a valid dateTime/],
    [`${T}:hiredAt gt "0000-01-01T00:00:00Z"`, /not a valid dateTime/],
    ['userName eq "a\\u0000b"', /U\+0000/],
  ])('%s → 400 invalidFilter %s', (filter, detail) => {
    expect(expectBadRequest(() => compile(filter), 'invalidFilter').detail).toMatch(detail);
  });
});
