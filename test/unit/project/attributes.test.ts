import { registry } from '../registry.js';
import fc from 'fast-check';
import { ScimError } from '../../../src/domain/errors.js';
import {
  ALL_ATTRIBUTES,
  createProjector,
  includesAttribute,
  parseProjection,
  project,
  type ProjectionRequest,
} from '../../../src/domain/project/attributes.js';
import { attribute, complex } from '../../../src/domain/schema/define.js';
import { createSchemaRegistry } from '../../../src/domain/schema/registry.js';
import type { ResourceTypeName, ScimResource } from '../../../src/domain/schema/types.js';
import {
  ENTERPRISE_USER_SCHEMA as ENTERPRISE,
  GROUP_SCHEMA,
  USER_SCHEMA,
} from '../../../src/domain/schema/urns.js';

const meta = {
  resourceType: 'User',
  created: '2010-01-23T04:56:22Z',
  lastModified: '2011-05-13T04:42:34Z',
  version: 'W/"3"',
  location: 'https://example.com/v2/Users/2819c223',
};

// A full output-form User (RFC 7643 §8.2, trimmed), with the password a careless mapper might leave in.
const fullUser: ScimResource = {
  schemas: [USER_SCHEMA, ENTERPRISE],
  id: '2819c223',
  externalId: '701984',
  userName: 'bjensen@example.com',
  name: { familyName: 'Jensen', givenName: 'Barbara' },
  displayName: 'Babs Jensen',
  userType: 'Admin',
  active: true,
  password: 'secret',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  groups: [{ value: 'g1', $ref: 'https://example.com/v2/Groups/g1', display: 'Tour Guides' }],
  [ENTERPRISE]: {
    employeeNumber: '701984',
    department: 'Tour Operations',
    manager: { value: '26118915', displayName: 'John Smith' },
  },
  meta,
};

const fullGroup: ScimResource = {
  schemas: [GROUP_SCHEMA],
  id: 'e9e30dba',
  displayName: 'Tour Guides',
  members: [
    {
      value: '2819c223',
      $ref: 'https://example.com/v2/Users/2819c223',
      display: 'Babs Jensen',
      type: 'User',
    },
  ],
  meta: { ...meta, resourceType: 'Group' },
};

const { password: _password, ...userWithoutPassword } = fullUser;

const view = (req: ProjectionRequest, resource = fullUser, rt: ResourceTypeName = 'User') =>
  project(registry, rt, resource, parseProjection(registry, rt, req));

describe('project: returned characteristics (RFC 7643 §2.2)', () => {
  it('returns everything but returned:never attributes by default', () => {
    expect(view({})).toEqual(userWithoutPassword);
  });

  it.each([
    ['attributes', { attributes: 'password' }],
    ['attributes with URN', { attributes: `${USER_SCHEMA}:password` }],
    ['nothing', {}],
  ])('never returns the password, even when named in %s (RFC 7643 §4.1.1)', (_, req) => {
    expect(view(req)).not.toHaveProperty('password');
  });

  it.each([
    ['id', 'id'],
    ['schemas', 'schemas'],
  ])('always returns %s, even when excluded (RFC 7644 §3.9)', (_, name) => {
    expect(view({ excludedAttributes: name })[name]).toEqual(fullUser[name]);
  });

  it('leaves schemas untouched when the extension is projected away', () => {
    expect(view({ attributes: 'userName' }).schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
  });
});

describe('project: attributes (RFC 7644 §3.4.2.5, §3.9)', () => {
  it.each<[string, Record<string, unknown>]>([
    ['userName', { userName: 'bjensen@example.com' }],
    ['USERNAME', { userName: 'bjensen@example.com' }],
    ['userName,displayName', { userName: 'bjensen@example.com', displayName: 'Babs Jensen' }],
    [' userName , , displayName ', { userName: 'bjensen@example.com', displayName: 'Babs Jensen' }],
    ['name.givenName', { name: { givenName: 'Barbara' } }],
    ['name.givenName,name', { name: { familyName: 'Jensen', givenName: 'Barbara' } }],
    ['emails.value', { emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }] }],
    ['emails.primary', { emails: [{ primary: true }] }],
    [
      'emails.value,emails.type',
      {
        emails: [
          { value: 'bjensen@example.com', type: 'work' },
          { value: 'babs@jensen.org', type: 'home' },
        ],
      },
    ],
    [`${USER_SCHEMA}:userName`, { userName: 'bjensen@example.com' }],
    [`${USER_SCHEMA}:name.familyName`, { name: { familyName: 'Jensen' } }],
    [`${ENTERPRISE}:department`, { [ENTERPRISE]: { department: 'Tour Operations' } }],
    [`${ENTERPRISE.toLowerCase()}:manager.value`, { [ENTERPRISE]: { manager: { value: '26118915' } } }],
    [ENTERPRISE, { [ENTERPRISE]: fullUser[ENTERPRISE] as Record<string, unknown> }],
    ['meta.lastModified', { meta: { lastModified: '2011-05-13T04:42:34Z' } }],
    ['meta', { meta }],
    ['externalId', { externalId: '701984' }],
    ['groups', { groups: fullUser.groups }],
    ['groups.display', { groups: [{ display: 'Tour Guides' }] }],
    ['nickName', {}], // named but absent
    ['emails.display', {}], // no element has it, so no empty elements or list
    ['unknownThing', {}], // unknown names are ignored
    [`urn:example:params:scim:schemas:extension:other:2.0:User:x`, {}],
  ])('attributes=%s returns that plus id and schemas', (attributes, expected) => {
    expect(view({ attributes })).toEqual({ schemas: fullUser.schemas, id: fullUser.id, ...expected });
  });

  it('wins over excludedAttributes when both are given', () => {
    expect(view({ attributes: 'userName', excludedAttributes: 'userName' })).toEqual({
      schemas: fullUser.schemas,
      id: fullUser.id,
      userName: 'bjensen@example.com',
    });
  });

  it('treats an empty attributes parameter as absent', () => {
    expect(view({ attributes: ' ', excludedAttributes: 'meta' })).not.toHaveProperty('meta');
  });

  it.each([
    'emails[type eq "work"]',
    'name..givenName',
    'name.givenName.x',
    '1abc',
    'user name',
    'emails.',
    'urn:x',
  ])('rejects %j with 400 invalidValue (RFC 7644 §3.10)', (attributes) => {
    const run = () => parseProjection(registry, 'User', { attributes });
    expect(run).toThrow(ScimError);
    expect(run).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidValue' }));
  });

  it.each<[string, ProjectionRequest]>([
    ['attributes given twice (a query string repeats it)', { attributes: ['userName', 'emails'] }],
    ['excludedAttributes given twice', { excludedAttributes: ['emails', 'name'] }],
    ['a number', { attributes: 7 }],
    ['an object', { excludedAttributes: { a: 1 } }],
  ])('rejects %s with 400 invalidValue, never a crash', (_name, request) => {
    const run = () => parseProjection(registry, 'User', request);
    expect(run).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidValue' }));
  });

  it('accepts $ref as a sub-attribute name (RFC 7643 §2.4)', () => {
    expect(view({ attributes: 'groups.$ref' }).groups).toEqual([
      { $ref: 'https://example.com/v2/Groups/g1' },
    ]);
  });
});

describe('project: excludedAttributes (RFC 7644 §3.9)', () => {
  const without = (...keys: string[]) =>
    Object.fromEntries(Object.entries(userWithoutPassword).filter(([key]) => !keys.includes(key)));

  it.each<[string, Record<string, unknown>]>([
    ['meta', without('meta')],
    ['META,emails', without('meta', 'emails')],
    ['groups', without('groups')],
    [ENTERPRISE, without(ENTERPRISE)],
    ['name.givenName', { ...userWithoutPassword, name: { familyName: 'Jensen' } }],
    [
      'emails.type',
      {
        ...userWithoutPassword,
        emails: [{ value: 'bjensen@example.com', primary: true }, { value: 'babs@jensen.org' }],
      },
    ],
    [
      `${ENTERPRISE}:manager`,
      { ...userWithoutPassword, [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations' } },
    ],
    [`${ENTERPRISE}:employeeNumber,${ENTERPRISE}:department,${ENTERPRISE}:manager`, without(ENTERPRISE)],
    ['id,schemas', userWithoutPassword],
    ['unknownThing', userWithoutPassword],
  ])('excludedAttributes=%s removes it', (excludedAttributes, expected) => {
    expect(view({ excludedAttributes })).toEqual(expected);
  });

  it('drops members from a Group (Entra asks for excludedAttributes=members)', () => {
    expect(view({ excludedAttributes: 'members' }, fullGroup, 'Group')).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'e9e30dba',
      displayName: 'Tour Guides',
      meta: fullGroup.meta,
    });
  });
});

describe('includesAttribute', () => {
  it.each<[ResourceTypeName, ProjectionRequest, string, boolean]>([
    ['Group', {}, 'members', true],
    ['Group', { excludedAttributes: 'members' }, 'members', false],
    ['Group', { excludedAttributes: 'Members' }, 'MEMBERS', false],
    ['Group', { excludedAttributes: 'members.display' }, 'members', true],
    ['Group', { attributes: 'displayName' }, 'members', false],
    ['Group', { attributes: 'members.value' }, 'members', true],
    ['Group', { attributes: 'members.value' }, 'members.display', false],
    ['User', {}, 'groups', true],
    ['User', { attributes: 'userName' }, 'groups', false],
    ['User', { excludedAttributes: 'groups' }, 'groups', false],
    ['User', {}, 'password', false],
    ['User', { attributes: 'userName' }, 'id', true],
    ['User', { attributes: ENTERPRISE }, `${ENTERPRISE}:manager`, true],
    ['User', {}, 'nope', false],
  ])('%s %j includes %s: %s', (rt, req, attr, expected) => {
    expect(includesAttribute(registry, parseProjection(registry, rt, req), rt, attr)).toBe(expected);
  });
});

describe('returned: request (RFC 7643 §2.2)', () => {
  // None of our attributes is returned:request, so a small registry shows the rule.
  const urn = 'urn:example:params:scim:schemas:core:2.0:Thing';
  const testRegistry = createSchemaRegistry(
    [
      {
        id: urn,
        name: 'Thing',
        description: 'test',
        attributes: [
          attribute('label', 'string', 'default'),
          attribute('secretish', 'string', 'on request', { returned: 'request' }),
          complex('parts', 'parts', [
            attribute('value', 'string', 'default'),
            attribute('audit', 'string', 'on request', { returned: 'request' }),
            attribute('key', 'string', 'always', { returned: 'always' }),
          ]),
        ],
      },
    ],
    [
      {
        id: 'User',
        name: 'User',
        endpoint: '/Things',
        description: 'test',
        schema: urn,
        schemaExtensions: [],
      },
    ],
  );
  const p = createProjector(testRegistry);
  const thing = { label: 'l', secretish: 's', parts: { value: 'v', audit: 'a', key: 'k' } };
  const run = (req: ProjectionRequest) => p.project('User', thing, p.parseProjection('User', req));

  it.each<[ProjectionRequest, Record<string, unknown>]>([
    [{}, { label: 'l', parts: { value: 'v', key: 'k' } }],
    [{ excludedAttributes: 'label' }, { parts: { value: 'v', key: 'k' } }],
    [{ attributes: 'secretish' }, { secretish: 's' }],
    [{ attributes: 'parts' }, { parts: { value: 'v', key: 'k' } }],
    [{ attributes: 'parts.audit' }, { parts: { audit: 'a', key: 'k' } }],
    [{ excludedAttributes: 'parts.key' }, { label: 'l', parts: { value: 'v', key: 'k' } }],
  ])('%j gives %j', (req, expected) => {
    expect(run(req)).toEqual(expected);
  });
});

describe('project: properties', () => {
  const names = fc.constantFrom(
    'id',
    'schemas',
    'userName',
    'name',
    'name.givenName',
    'emails',
    'emails.value',
    'password',
    'meta',
    'groups',
    ENTERPRISE,
    `${ENTERPRISE}:manager.value`,
    'nope',
  );
  const list = fc.array(names, { maxLength: 5 }).map((xs) => xs.join(','));

  it('never returns password, always returns id and schemas, and only returns what the resource had', () => {
    fc.assert(
      fc.property(fc.record({ attributes: list, excludedAttributes: list }, { requiredKeys: [] }), (req) => {
        const out = view(req);
        expect(out).not.toHaveProperty('password');
        expect(out).toMatchObject({ id: fullUser.id, schemas: fullUser.schemas });
        expect(JSON.stringify(Object.keys(out).filter((k) => !(k in fullUser)))).toBe('[]');
      }),
    );
  });

  it('excluding nothing is the default projection', () => {
    expect(parseProjection(registry, 'User', { excludedAttributes: ' , ' })).toBe(ALL_ATTRIBUTES);
  });
});
