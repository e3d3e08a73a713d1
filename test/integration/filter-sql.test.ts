import { scimRegistry } from '../../src/modules/scim/scim-registry.js';
/**
 * The compiled SQL of every filter form, run on PostgreSQL: the rows matched must be the rows the filter
 * describes on a fixed data set (RFC 7644 §3.4.2.2). The tables are those of docs/storage-model.md, created
 * in a schema of this test's own database so they cannot collide with the migrated ones.
 */
import fc from 'fast-check';
import type { Filter } from '../../src/domain/filter/ast.js';
import { parseFilter } from '../../src/domain/filter/parser.js';
import { compileFilter } from '../../src/domain/filter/to-sql.js';
import { ScimError } from '../../src/domain/errors.js';
import type { ResourceTypeName } from '../../src/domain/schema/types.js';
import { ENTERPRISE_USER_SCHEMA as ENT, GROUP_SCHEMA, USER_SCHEMA } from '../../src/domain/schema/urns.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TEST_EXTENSION as TX, testRegistry } from '../unit/filter/test-registry.js';
import type { SchemaRegistry } from '../../src/domain/schema/registry.js';
import { GROUP_COLUMN_MAP } from '../../src/storage/group-columns.js';
import { USER_COLUMN_MAP } from '../../src/storage/user-columns.js';

/** The column maps the storage layer passes to the compiler. */
const COLUMNS = { User: USER_COLUMN_MAP, Group: GROUP_COLUMN_MAP };

const TENANT = '00000000-0000-4000-8000-000000000001';
const OTHER_TENANT = '00000000-0000-4000-8000-000000000002';

const ids = {
  bjensen: '10000000-0000-4000-8000-000000000001',
  jsmith: '10000000-0000-4000-8000-000000000002',
  alice: '10000000-0000-4000-8000-000000000003',
  bob: '10000000-0000-4000-8000-000000000004',
  carol: '10000000-0000-4000-8000-000000000005',
  dave: '10000000-0000-4000-8000-000000000006',
  eve: '10000000-0000-4000-8000-000000000007',
  frank: '10000000-0000-4000-8000-000000000008',
  jyoung: '10000000-0000-4000-8000-000000000009',
  henry: '10000000-0000-4000-8000-00000000000a',
  sales: '20000000-0000-4000-8000-000000000001',
  engineering: '20000000-0000-4000-8000-000000000002',
  leads: '20000000-0000-4000-8000-000000000003',
  otherTenantGroup: '20000000-0000-4000-8000-000000000004',
};
type Name = keyof typeof ids;
const nameOf = new Map(Object.entries(ids).map(([name, id]) => [id, name]));

interface UserRow {
  id: Name;
  userName: string;
  externalId?: string;
  active?: boolean;
  displayName?: string;
  name?: Record<string, string>;
  userType?: string;
  created: string;
  lastModified: string;
  version?: number;
  data: Record<string, unknown>;
}

const users: UserRow[] = [
  {
    id: 'bjensen',
    userName: 'bjensen',
    externalId: 'ext-1',
    displayName: 'Babs Jensen',
    name: { givenName: 'Barbara', familyName: 'Jensen', middleName: 'Jane' },
    userType: 'Admin',
    created: '2011-05-13T04:42:34Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 3,
    data: {
      title: 'Tour Guide',
      nickName: 'Babs',
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
      ims: [{ value: 'babs@xmpp.example', type: 'xmpp' }],
      [ENT]: { employeeNumber: '701984', department: 'Tour Operations', manager: { value: ids.jsmith } },
      [TX]: {
        level: 5,
        score: 2.5,
        hiredAt: '2020-01-01T00:00:00Z',
        flag: true,
        code: 'AbC',
        tags: ['red', 'Blue'],
        badges: [{ label: 'gold', earnedAt: '2021-01-01T00:00:00Z', rank: 1 }],
      },
    },
  },
  {
    id: 'jsmith',
    userName: 'JSmith',
    externalId: 'ext-2',
    active: false,
    displayName: 'John Smith',
    name: { givenName: 'John', familyName: 'Smith' },
    created: '2012-01-01T00:00:00Z',
    lastModified: '2023-06-01T12:00:00+02:00',
    data: {
      emails: [{ value: 'john@example.org', type: 'home' }],
      phoneNumbers: [{ value: 'tel:+1-201-555-0123', type: 'work' }],
      [ENT]: { department: 'Engineering' },
      [TX]: {
        level: 10,
        score: 10.25,
        hiredAt: '2019-12-31T23:30:00-01:00',
        flag: false,
        code: 'abc',
        tags: [],
      },
    },
  },
  {
    id: 'alice',
    userName: 'alice',
    userType: 'Editor',
    created: '2015-03-01T10:00:00Z',
    lastModified: '2015-03-01T10:00:00Z',
    data: { title: '', emails: [], nickName: null, name: {} },
  },
  {
    id: 'bob',
    userName: 'bob%_x',
    displayName: 'Bob 100%',
    created: '2016-01-01T00:00:00Z',
    lastModified: '2016-01-01T00:00:00Z',
    data: {
      title: 'Engineer',
      emails: [
        { value: 'bob@example.com', type: 'work', primary: false },
        { value: 'b@other.com', type: 'work' },
      ],
    },
  },
  {
    id: 'carol',
    userName: 'carol',
    created: '2017-01-01T00:00:00Z',
    lastModified: '2017-01-01T00:00:00Z',
    data: {
      title: 'tour guide',
      [TX]: { level: '7' }, // not a number: never matches a numeric comparison, never fails the query
      emails: [
        { value: 'carol@home.net', type: 'work' },
        { value: 'carol@example.com', type: 'home', primary: true },
      ],
    },
  },
  {
    id: 'dave',
    userName: 'dave',
    displayName: 'Dave',
    created: '2018-01-01T00:00:00Z',
    lastModified: '2018-01-01T00:00:00Z',
    data: { title: 'VP', roles: [{ value: 'admin' }], x509Certificates: [{ value: 'MIIDQzCCA' }] },
  },
  {
    id: 'eve',
    userName: 'eve',
    name: { givenName: 'Eve' },
    created: '2019-01-01T00:00:00Z',
    lastModified: '2019-01-01T00:00:00Z',
    data: {
      emails: [{ value: 'EVE@Example.COM', type: 'Work' }],
      [ENT]: { manager: { value: ids.bjensen } },
    },
  },
  {
    id: 'frank',
    userName: 'frank',
    active: false,
    created: '2020-01-01T00:00:00Z',
    lastModified: '2020-01-01T00:00:00Z',
    data: { addresses: [{ type: 'work', locality: 'Berlin', country: 'DE' }] },
  },
  {
    id: 'jyoung',
    userName: 'jyoung@example.com',
    externalId: 'jyoung',
    created: '2021-01-01T00:00:00Z',
    lastModified: '2021-01-01T00:00:00Z',
    data: {},
  },
  {
    id: 'henry',
    userName: 'henry',
    externalId: '12345',
    displayName: 'Henry',
    created: '2022-01-01T00:00:00Z',
    lastModified: '2024-02-29T23:59:59Z',
    data: { title: "O'Malley" },
  },
];

const groups: {
  id: Name;
  displayName: string;
  externalId?: string;
  created: string;
  data: Record<string, unknown>;
}[] = [
  { id: 'sales', displayName: 'Sales', externalId: 'g-ext-1', created: '2020-01-01T00:00:00Z', data: {} },
  { id: 'engineering', displayName: 'Engineering', created: '2021-01-01T00:00:00Z', data: {} },
  { id: 'leads', displayName: 'Leads', created: '2022-01-01T00:00:00Z', data: {} },
];

const memberships: [tenant: string, group: Name, member: Name, type: 'User' | 'Group'][] = [
  [TENANT, 'sales', 'bjensen', 'User'],
  [TENANT, 'sales', 'frank', 'User'],
  [TENANT, 'sales', 'leads', 'Group'],
  [TENANT, 'engineering', 'frank', 'User'],
  [TENANT, 'engineering', 'jsmith', 'User'],
  // Another tenant's membership of alice's id must never count for this tenant.
  [OTHER_TENANT, 'otherTenantGroup', 'alice', 'User'],
];

const SCHEMA_SQL = `
CREATE SCHEMA filter_sql;
SET search_path TO filter_sql;
CREATE TABLE scim_user (
  tenant_id uuid NOT NULL, id uuid NOT NULL, user_name text NOT NULL, external_id text,
  active boolean NOT NULL DEFAULT true, display_name text, given_name text, family_name text,
  primary_email text, user_type text, created_at timestamptz NOT NULL,
  last_modified timestamptz NOT NULL, version integer NOT NULL DEFAULT 1, data jsonb NOT NULL,
  password_hash text,
  user_name_lower text NOT NULL GENERATED ALWAYS AS (lower(user_name)) STORED,
  display_name_lower text GENERATED ALWAYS AS (lower(display_name)) STORED,
  family_name_lower text GENERATED ALWAYS AS (lower(family_name)) STORED,
  primary_email_lower text GENERATED ALWAYS AS (lower(primary_email)) STORED,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX scim_user_user_name_uq ON scim_user (tenant_id, user_name_lower);
CREATE TABLE scim_group (
  tenant_id uuid NOT NULL, id uuid NOT NULL, display_name text NOT NULL, external_id text,
  created_at timestamptz NOT NULL, last_modified timestamptz NOT NULL, version integer NOT NULL DEFAULT 1,
  data jsonb NOT NULL, display_name_lower text NOT NULL GENERATED ALWAYS AS (lower(display_name)) STORED,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX scim_group_display_name_uq ON scim_group (tenant_id, display_name_lower);
CREATE TABLE scim_membership (
  tenant_id uuid NOT NULL, group_id uuid NOT NULL, member_id uuid NOT NULL,
  member_type text NOT NULL CHECK (member_type IN ('User', 'Group')),
  PRIMARY KEY (tenant_id, group_id, member_id),
  FOREIGN KEY (tenant_id, group_id) REFERENCES scim_group (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX scim_membership_member_idx ON scim_membership (tenant_id, member_id);
`;

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.client.query(SCHEMA_SQL);
  for (const u of users) {
    const data = { schemas: [USER_SCHEMA, ...(u.data[ENT] ? [ENT] : [])], userName: u.userName, ...u.data };
    if (u.name) Object.assign(data, { name: { ...u.name, ...(u.data.name as object) } });
    for (const [key, value] of [
      ['externalId', u.externalId],
      ['displayName', u.displayName],
      ['userType', u.userType],
      ['active', u.active],
    ] as const) {
      if (value !== undefined) Object.assign(data, { [key]: value });
    }
    await db.client.query(
      `INSERT INTO scim_user (tenant_id, id, user_name, external_id, active, display_name, given_name, family_name,
         user_type, created_at, last_modified, version, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        TENANT,
        ids[u.id],
        u.userName,
        u.externalId ?? null,
        u.active ?? true,
        u.displayName ?? null,
        u.name?.givenName ?? null,
        u.name?.familyName ?? null,
        u.userType ?? null,
        u.created,
        u.lastModified,
        u.version ?? 1,
        JSON.stringify(data),
      ],
    );
  }
  // The same user id in another tenant, with a userName that would match: the caller scopes by tenant.
  await db.client.query(
    `INSERT INTO scim_user (tenant_id, id, user_name, created_at, last_modified, data)
     VALUES ($1, $2, 'bjensen', now(), now(), '{}')`,
    [OTHER_TENANT, ids.bjensen],
  );
  for (const g of [
    ...groups,
    { id: 'otherTenantGroup' as Name, displayName: 'Other', created: '2020-01-01T00:00:00Z', data: {} },
  ]) {
    const tenant = g.id === 'otherTenantGroup' ? OTHER_TENANT : TENANT;
    await db.client.query(
      `INSERT INTO scim_group (tenant_id, id, display_name, external_id, created_at, last_modified, data)
       VALUES ($1, $2, $3, $4, $5, $5, $6)`,
      [
        tenant,
        ids[g.id],
        g.displayName,
        'externalId' in g ? g.externalId : null,
        g.created,
        JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: g.displayName, ...g.data }),
      ],
    );
  }
  for (const [tenant, group, member, type] of memberships) {
    await db.client.query(
      'INSERT INTO scim_membership (tenant_id, group_id, member_id, member_type) VALUES ($1, $2, $3, $4)',
      [tenant, ids[group], ids[member], type],
    );
  }
});

afterAll(async () => {
  await db?.drop();
});

async function matching(
  filter: Filter | string,
  resourceType: ResourceTypeName,
  registry: SchemaRegistry = scimRegistry,
): Promise<string[]> {
  const tree = typeof filter === 'string' ? parseFilter(filter) : filter;
  const { text, values } = compileFilter(tree, resourceType, {
    columns: COLUMNS[resourceType],
    paramOffset: 1,
    registry,
  });
  const table = resourceType === 'User' ? 'scim_user' : 'scim_group';
  const result = await db.client.query<{ id: string }>(
    `SELECT r.id FROM ${table} r WHERE r.tenant_id = $1 AND (${text}) ORDER BY r.id`,
    [TENANT, ...values],
  );
  return result.rows.map((row) => nameOf.get(row.id) ?? row.id).sort();
}

const ALL_USERS: Name[] = users.map((u) => u.id);
const except = (...names: Name[]) => ALL_USERS.filter((n) => !names.includes(n));

describe('User filters on PostgreSQL match the rows they describe (RFC 7644 §3.4.2.2)', () => {
  it.each<[string, Name[]]>([
    // attrExp on dedicated columns
    ['userName eq "bjensen"', ['bjensen']],
    ['userName eq "jsmith"', ['jsmith']], // caseExact false (RFC 7643 §4.1.1)
    ['USERNAME Eq "JSMITH"', ['jsmith']],
    [`${USER_SCHEMA}:userName eq "bjensen"`, ['bjensen']],
    ['userName ne "bjensen"', except('bjensen')],
    ['userName sw "J"', ['jsmith', 'jyoung']],
    ['userName co "%_"', ['bob']], // LIKE wildcards in the value are literal
    ['userName ew "%_X"', ['bob']],
    ['userName co "@EXAMPLE"', ['jyoung']],
    ['userName gt "frank"', ['henry', 'jsmith', 'jyoung']],
    ['userName le "bob%_x"', ['alice', 'bjensen', 'bob']],
    ['externalId eq "ext-1"', ['bjensen']],
    ['externalId eq "EXT-1"', []], // caseExact true (RFC 7643 §3.1)
    ['externalId eq jyoung', ['jyoung']], // Entra's unquoted value (scim-clients.md §2.3)
    ['externalId eq 12345', ['henry']],
    ['externalId pr', ['bjensen', 'henry', 'jsmith', 'jyoung']],
    ['externalId ne "ext-1"', except('bjensen')], // absent externalId matches ne
    ['externalId eq null', except('bjensen', 'henry', 'jsmith', 'jyoung')],
    ['externalId ne null', ['bjensen', 'henry', 'jsmith', 'jyoung']],
    [`id eq "${ids.carol}"`, ['carol']],
    [`id eq "${ids.carol.toUpperCase()}"`, ['carol']],
    ['id eq "carol"', []],
    [`id ne "${ids.carol}"`, except('carol')],
    [`id sw "10000000-0000-4000-8000-00000000000"`, ALL_USERS],
    ['active eq true', except('jsmith', 'frank')],
    ['active eq false', ['frank', 'jsmith']],
    ['active eq "False"', ['frank', 'jsmith']], // Entra sends booleans as strings
    ['active ne true', ['frank', 'jsmith']],
    ['displayName co "100%"', ['bob']],
    ['displayName pr', ['bjensen', 'bob', 'dave', 'henry', 'jsmith']],
    ['name.givenName eq "barbara"', ['bjensen']],
    ['name.familyName sw "s"', ['jsmith']],
    ['userType eq "admin"', ['bjensen']],
    // userType is what the IdP sent: a user without one is not a "Viewer" here (the team role is derived).
    ['userType eq "Viewer"', []],
    ['userType pr', ['alice', 'bjensen']],
    ['not (userType pr)', except('alice', 'bjensen')],
    ['userType ne "Admin"', except('bjensen')],
    // meta via columns: dateTime compared as instants
    ['meta.created gt "2020-01-01T00:00:00Z"', ['henry', 'jyoung']],
    ['meta.created ge "2020-01-01T00:00:00Z"', ['frank', 'henry', 'jyoung']],
    ['meta.created lt "2012-01-01T01:00:00+01:00"', ['bjensen']], // the instant of jsmith's 00:00Z
    ['meta.created le "2012-01-01T01:00:00+01:00"', ['bjensen', 'jsmith']],
    ['meta.created le "2011-05-13T04:42:34Z"', ['bjensen']],
    ['meta.created eq "2011-05-13T06:42:34+02:00"', ['bjensen']],
    ['meta.created eq "2011-05-13T04:42:34.000Z"', ['bjensen']],
    ['meta.lastModified gt "2023-06-01T10:00:00Z"', ['henry']],
    ['meta.lastModified ge "2023-06-01T10:00:00Z"', ['henry', 'jsmith']],
    ['meta.version eq "W/\\"3\\""', ['bjensen']],
    ['meta.resourceType eq "User"', ALL_USERS],
    // attrExp through data jsonb
    ['title eq "tour guide"', ['bjensen', 'carol']],
    ['title pr', ['bjensen', 'bob', 'carol', 'dave', 'henry']], // "" is not a value (alice)
    ['title co "\'"', ['henry']],
    ['name.familyName co "O\'Malley" or title co "O\'Malley"', ['henry']],
    ['nickName pr', ['bjensen']], // JSON null is not present (alice)
    ['nickName eq null', except('bjensen')],
    ['name.middleName eq "jane"', ['bjensen']],
    ['name pr', ['bjensen', 'eve', 'jsmith']], // alice's {} is empty
    ['title ne "tour guide"', except('bjensen', 'carol')], // absent title matches ne
    ['not (title eq "tour guide")', except('bjensen', 'carol')], // NOT with absent attribute: three-valued logic
    ['not (title pr)', ['alice', 'eve', 'frank', 'jsmith', 'jyoung']],
    ['not (not (title pr))', ['bjensen', 'bob', 'carol', 'dave', 'henry']],
    // extension
    [`${ENT}:department eq "tour operations"`, ['bjensen']],
    [`${ENT}:department pr`, ['bjensen', 'jsmith']],
    [`${ENT}:employeeNumber eq "701984"`, ['bjensen']],
    [`${ENT}:manager.value eq "${ids.jsmith}"`, ['bjensen']],
    [`${ENT}:manager eq "${ids.bjensen}"`, ['eve']],
    [`${ENT}:manager pr`, ['bjensen', 'eve']],
    [`not (${ENT}:department eq "Engineering")`, except('jsmith')],
    // multi-valued: any value matches
    ['emails eq "bjensen@example.com"', ['bjensen']],
    ['emails co "example.com"', ['bjensen', 'bob', 'carol', 'eve']],
    ['emails.value co "example.org"', ['jsmith']],
    ['emails.value ew "@EXAMPLE.COM"', ['bjensen', 'bob', 'carol', 'eve']],
    ['emails.type eq "work"', ['bjensen', 'bob', 'carol', 'eve']], // type is caseExact false: "Work"
    ['emails.primary eq true', ['bjensen', 'carol']],
    ['emails.primary eq "True"', ['bjensen', 'carol']],
    ['emails.primary eq false', ['bob']],
    ['emails pr', ['bjensen', 'bob', 'carol', 'eve', 'jsmith']], // [] is empty (alice)
    ['emails.value pr', ['bjensen', 'bob', 'carol', 'eve', 'jsmith']],
    ['emails.primary pr', ['bjensen', 'bob', 'carol']],
    ['emails.display pr', []],
    ['emails eq null', ['alice', 'dave', 'frank', 'henry', 'jyoung']],
    ['emails.value ne "john@example.org"', ['bjensen', 'bob', 'carol', 'eve']], // some value differs
    ['not (emails.value eq "john@example.org")', except('jsmith')],
    ['phoneNumbers.value sw "tel:"', ['jsmith']],
    ['ims[type eq "xmpp" and value co "xmpp.example"]', ['bjensen']],
    ['roles eq "ADMIN"', ['dave']],
    ['x509Certificates.value sw "MII"', ['dave']],
    ['addresses[type eq "work" and locality eq "berlin"]', ['frank']],
    ['addresses.country eq "DE"', ['frank']],
    [`schemas eq "${ENT}"`, ['bjensen', 'eve', 'jsmith']],
    // value filters: all conditions on the same element
    ['emails[type eq "work"]', ['bjensen', 'bob', 'carol', 'eve']],
    ['emails[type eq "work" and value co "example.com"]', ['bjensen', 'bob', 'eve']],
    ['emails.type eq "work" and emails.value co "example.com"', ['bjensen', 'bob', 'carol', 'eve']],
    ['emails[type eq "home" and primary eq true]', ['carol']],
    ['emails[type eq "work" and not (primary eq true)]', ['bob', 'carol', 'eve']],
    ['emails[type eq "work" or value ew ".org"]', ['bjensen', 'bob', 'carol', 'eve', 'jsmith']],
    ['emails[primary pr]', ['bjensen', 'bob', 'carol']],
    ['emails[value eq null]', []],
    ['not (emails[type eq "work"])', ['alice', 'dave', 'frank', 'henry', 'jsmith', 'jyoung']],
    ['emails[type eq "work"].value eq "b@other.com"', ['bob']], // Entra (scim-clients.md §4 row 6)
    ['emails[type eq "work"].value eq "carol@example.com"', []], // carol's work email is another one
    ['name[givenName eq "barbara" and middleName pr]', ['bjensen']],
    // logExp
    ['userName eq "bjensen" or userName eq "carol"', ['bjensen', 'carol']],
    ['title pr and active eq true', ['bjensen', 'bob', 'carol', 'dave', 'henry']],
    ['title pr and not (active eq true)', []],
    ['userName eq "alice" or userName eq "bob%_x" and title pr', ['alice', 'bob']],
    ['(userName eq "alice" or userName eq "bob%_x") and title pr', ['bob']],
    ['userType eq "Admin" and (emails co "example.com" or emails.value co "example.org")', ['bjensen']],
    [
      'userType ne "Admin" and not (emails co "example.com" or emails.value co "example.org")',
      ['alice', 'dave', 'frank', 'henry', 'jyoung'],
    ],
    // groups of a user: scim_membership, this tenant only
    [`groups eq "${ids.sales}"`, ['bjensen', 'frank']],
    [`groups.value eq "${ids.engineering}"`, ['frank', 'jsmith']],
    [`groups[value eq "${ids.sales}"]`, ['bjensen', 'frank']],
    ['groups pr', ['bjensen', 'frank', 'jsmith']], // not alice (other tenant's membership)
    ['groups.display eq "engineering"', ['frank', 'jsmith']],
    ['groups.type eq "direct"', ['bjensen', 'frank', 'jsmith']],
    ['not (groups pr)', except('bjensen', 'frank', 'jsmith')],
    ['groups.value eq "not-a-uuid"', []],
  ])('%s', async (filter, expected) => {
    expect(await matching(filter, 'User')).toEqual([...expected].sort());
  });
});

describe('Group filters on PostgreSQL match the rows they describe (RFC 7644 §3.4.2.2)', () => {
  it.each<[string, Name[]]>([
    ['displayName eq "sales"', ['sales']],
    ['displayName sw "E"', ['engineering']],
    ['externalId eq "g-ext-1"', ['sales']],
    ['externalId pr', ['sales']],
    [`id eq "${ids.leads}"`, ['leads']],
    ['meta.created gt "2020-06-01T00:00:00Z"', ['engineering', 'leads']],
    ['members pr', ['engineering', 'sales']],
    [`members eq "${ids.frank}"`, ['engineering', 'sales']],
    [`members.value eq "${ids.bjensen}"`, ['sales']],
    [`members[value eq "${ids.jsmith}"]`, ['engineering']],
    [`members[value eq "${ids.alice}"]`, []], // other tenant's membership
    ['members.type eq "Group"', ['sales']],
    ['members[type eq "User" and display eq "babs jensen"]', ['sales']],
    ['members.display eq "Leads"', ['sales']],
    ['members.display sw "john"', ['engineering']],
    [`members[type eq "User" and not (value eq "${ids.frank}")]`, ['engineering', 'sales']],
    ['not (members pr)', ['leads']],
    ['members eq null', ['leads']],
    [`displayName eq "Sales" and members[value eq "${ids.frank}"]`, ['sales']],
  ])('%s', async (filter, expected) => {
    expect(await matching(filter, 'Group')).toEqual([...expected].sort());
  });
});

describe('integer, decimal, dateTime, boolean, caseExact and multi-valued strings in data (RFC 7643 §2.3)', () => {
  it.each<[string, Name[]]>([
    [`${TX}:level gt 3`, ['bjensen', 'jsmith']], // carol's "7" is a string, not a number
    [`${TX}:level eq 10`, ['jsmith']],
    [`${TX}:level eq 10.0`, ['jsmith']],
    [`${TX}:level eq "1e1"`, ['jsmith']],
    [`${TX}:level lt 10`, ['bjensen']],
    [`${TX}:level ne 5`, except('bjensen')],
    [`${TX}:level pr`, ['bjensen', 'carol', 'jsmith']],
    [`${TX}:score ge 2.5`, ['bjensen', 'jsmith']],
    [`${TX}:score gt "2.5"`, ['jsmith']],
    [`${TX}:hiredAt gt "2020-01-01T00:00:00Z"`, ['jsmith']], // 2019-12-31T23:30-01:00 is 00:30Z
    [`${TX}:hiredAt eq "2020-01-01T01:00:00+01:00"`, ['bjensen']],
    [`${TX}:hiredAt lt "2020-01-01T00:30:00Z"`, ['bjensen']],
    [`${TX}:flag eq true`, ['bjensen']],
    [`${TX}:flag eq "FALSE"`, ['jsmith']],
    [`${TX}:flag ne true`, except('bjensen')],
    [`${TX}:code eq "AbC"`, ['bjensen']],
    [`${TX}:code eq "abc"`, ['jsmith']],
    [`${TX}:code co "b"`, ['bjensen', 'jsmith']],
    [`${TX}:code sw "a"`, ['jsmith']],
    [`${TX}:tags eq "blue"`, ['bjensen']],
    [`${TX}:tags pr`, ['bjensen']],
    [`${TX}:badges[label eq "gold" and earnedAt lt "2022-01-01T00:00:00Z"]`, ['bjensen']],
    [`${TX}:badges[label eq "gold" and earnedAt lt "2021-01-01T00:00:00Z"]`, []],
    [`${TX}:badges.rank ge 1`, ['bjensen']],
  ])('%s', async (filter, expected) => {
    expect(await matching(filter, 'User', testRegistry)).toEqual([...expected].sort());
  });
});

describe('compiled SQL always runs on PostgreSQL (property, RFC 7644 §3.4.2.2)', () => {
  const userPaths = [
    'userName',
    'name.givenName',
    'name.middleName',
    'displayName',
    'title',
    'nickName',
    'active',
    'emails',
    'emails.value',
    'emails.type',
    'emails.primary',
    'externalId',
    'id',
    'meta.created',
    'meta.lastModified',
    'meta.version',
    'userType',
    'groups',
    'groups.value',
    'groups.display',
    `${ENT}:department`,
    `${ENT}:manager`,
    `${ENT}:manager.value`,
    'schemas',
    'addresses.locality',
    'name',
    `${TX}:level`,
    `${TX}:score`,
    `${TX}:hiredAt`,
    `${TX}:flag`,
    `${TX}:code`,
    `${TX}:tags`,
    `${TX}:badges.rank`,
    `${TX}:badges`,
  ];
  const toPath = (p: string) => {
    const colon = p.lastIndexOf(':');
    const [attribute, subAttribute] = p.slice(colon + 1).split('.');
    return {
      ...(colon > 0 ? { uri: p.slice(0, colon) } : {}),
      attribute,
      ...(subAttribute ? { subAttribute } : {}),
    };
  };
  const value = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 4 }),
    fc.constantFrom(
      true,
      false,
      null,
      0,
      -1.5,
      1e300,
      '7',
      'True',
      '2011-05-13T04:42:34Z',
      ids.bjensen,
      '%',
      '\\',
      "'",
    ),
  );
  const op = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le' as const);
  const leaf = (paths: string[]): fc.Arbitrary<Filter> =>
    fc.oneof(
      fc.record({
        kind: fc.constant('compare' as const),
        path: fc.constantFrom(...paths).map(toPath),
        op,
        value,
      }),
      fc.record({ kind: fc.constant('present' as const), path: fc.constantFrom(...paths).map(toPath) }),
    );
  const inner = fc.letrec<{ f: Filter }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small' },
      leaf(['type', 'value', 'primary', 'display', 'label', 'rank', 'earnedAt']),
      fc.record({ kind: fc.constant('and' as const), left: tie('f'), right: tie('f') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('f') }),
    ),
  })).f;
  const tree = fc.letrec<{ f: Filter }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small' },
      leaf(userPaths),
      fc.record({ kind: fc.constant('and' as const), left: tie('f'), right: tie('f') }),
      fc.record({ kind: fc.constant('or' as const), left: tie('f'), right: tie('f') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('f') }),
      fc.record({
        kind: fc.constant('valuePath' as const),
        path: fc.constantFrom('emails', 'groups', 'ims', `${TX}:badges`).map(toPath),
        filter: inner,
      }),
    ),
  })).f;

  it('every compiled random filter executes without a database error, or is a 400 before SQL', async () => {
    let executed = 0;
    await fc.assert(
      fc.asyncProperty(tree, async (filter) => {
        try {
          compileFilter(filter, 'User', { columns: COLUMNS.User, registry: testRegistry });
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          return;
        }
        await matching(filter, 'User', testRegistry);
        executed += 1;
      }),
      { numRuns: 300 },
    );
    expect(executed).toBeGreaterThan(50);
  });
});
