import { registry } from '../registry.js';
import fc from 'fast-check';
import { ScimError } from '../../../src/domain/errors.js';
import { attribute, complex } from '../../../src/domain/schema/define.js';
import { createSchemaRegistry } from '../../../src/domain/schema/registry.js';
import type { ResourceTypeName, ScimResource } from '../../../src/domain/schema/types.js';
import {
  ENTERPRISE_USER_SCHEMA as ENTERPRISE,
  GROUP_SCHEMA,
  USER_SCHEMA,
} from '../../../src/domain/schema/urns.js';
import { validateResource, type ValidationContext } from '../../../src/domain/schema/validate.js';

const ENTRA_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

const user = (
  body: Record<string, unknown>,
  context: ValidationContext = 'create',
  existing?: ScimResource,
) =>
  validateResource(
    registry,
    'User',
    { schemas: [USER_SCHEMA], userName: 'bjensen', ...body },
    context,
    existing,
  );
const group = (body: Record<string, unknown>) =>
  validateResource(registry, 'Group', { schemas: [GROUP_SCHEMA], displayName: 'Admins', ...body }, 'create');

function scimErrorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

type DropFirst<T extends unknown[]> = T extends [unknown, ...infer R] ? R : never;

describe('validateResource: shape of the stored form', () => {
  it('returns canonical names, the core URN in schemas, and the active default (RFC 7643 §2.1)', () => {
    expect(
      validateResource(
        registry,
        'User',
        { SCHEMAS: [USER_SCHEMA], USERNAME: 'bjensen', Name: { GIVENNAME: 'B' } },
        'create',
      ),
    ).toEqual({
      resource: { schemas: [USER_SCHEMA], userName: 'bjensen', name: { givenName: 'B' }, active: true },
      ignored: [],
      dialects: [],
    });
  });

  it('orders attributes as the schema does, whatever the input order', () => {
    const { resource } = user({ active: true, externalId: 'x1', displayName: 'B' });
    expect(Object.keys(resource)).toEqual(['schemas', 'externalId', 'userName', 'displayName', 'active']);
  });

  it.each([
    ['nested under the URN key (Okta)', { [ENTERPRISE]: { department: 'Tour', employeeNumber: '7' } }],
    [
      'nested under a mis-cased URN key',
      { [ENTERPRISE.toUpperCase()]: { Department: 'Tour', EMPLOYEENUMBER: '7' } },
    ],
    [
      'as URN-qualified top-level keys (Entra)',
      { [`${ENTERPRISE}:department`]: 'Tour', [`${ENTERPRISE}:employeeNumber`]: '7' },
    ],
  ])('accepts extension attributes %s and stores them under the canonical URN (RFC 7643 §3.3)', (_, body) => {
    const { resource } = user(body);
    expect(resource[ENTERPRISE]).toEqual({ employeeNumber: '7', department: 'Tour' });
    expect(resource.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
  });

  it('lists the extension URN in schemas only when extension data is present (RFC 7643 §3)', () => {
    const { resource } = user({ schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { department: null } });
    expect(resource.schemas).toEqual([USER_SCHEMA]);
    expect(resource).not.toHaveProperty(ENTERPRISE);
  });

  it('accepts core attributes qualified with the core URN and dotted sub-attribute keys', () => {
    const { resource } = validateResource(
      registry,
      'User',
      {
        [`${USER_SCHEMA}:userName`]: 'bjensen',
        'name.familyName': 'Jensen',
        [`${USER_SCHEMA}:name.givenName`]: 'B',
      },
      'create',
    );
    expect(resource).toMatchObject({ userName: 'bjensen', name: { familyName: 'Jensen', givenName: 'B' } });
  });

  it('takes the last of several keys that differ only in case', () => {
    expect(user({ displayName: 'a', DISPLAYNAME: 'b' }).resource.displayName).toBe('b');
  });
});

describe('validateResource: tolerated input', () => {
  it('drops unknown attributes and schema URIs and lists them in ignored', () => {
    const { resource, ignored } = validateResource(
      registry,
      'Group',
      {
        schemas: [GROUP_SCHEMA, ENTRA_GROUP],
        displayName: 'G',
        nickname: 'x',
        emails: [],
        [`${ENTERPRISE}:department`]: 'd',
      },
      'create',
    );
    expect(resource).toEqual({ schemas: [GROUP_SCHEMA], displayName: 'G' });
    expect(ignored).toEqual([ENTRA_GROUP, 'nickname', 'emails', `${ENTERPRISE}:department`]);
  });

  it('drops unknown sub-attributes and unknown extension attributes, listing them', () => {
    const { resource, ignored } = user({
      name: { givenName: 'B', nick: 'x' },
      [ENTERPRISE]: { floor: 3, department: 'd' },
    });
    expect(resource).toMatchObject({ name: { givenName: 'B' }, [ENTERPRISE]: { department: 'd' } });
    expect(ignored.sort()).toEqual(['name.nick', `${ENTERPRISE}:floor`].sort());
  });

  it.each([
    ['id', { id: 'abc' }],
    ['meta', { meta: { resourceType: 'User', created: '2020-01-01T00:00:00Z' } }],
    ['groups', { groups: [{ value: 'g1', display: 'G' }] }],
    ['manager.displayName', { [ENTERPRISE]: { manager: { displayName: 'Boss' } } }],
  ])('ignores readOnly %s in input (RFC 7643 §2.2, RFC 7644 §3.5.1)', (_, body) => {
    const { resource, ignored } = user(body);
    expect(resource).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen', active: true });
    expect(ignored).toEqual([]);
  });

  it.each([
    ['null', { displayName: null, name: { givenName: null } }],
    ['empty array', { emails: [], roles: [], groups: [] }],
    ['empty object', { name: {}, [ENTERPRISE]: {} }],
    ['null extension', { [ENTERPRISE]: null }],
    ['array of nulls and empty objects', { emails: [null, {}] }],
  ])('treats %s as unassigned (RFC 7643 §2.5)', (_, body) => {
    expect(user(body).resource).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen', active: true });
  });

  it('keeps the writeOnly password for the service to hash (RFC 7643 §4.1.1)', () => {
    expect(user({ password: '1mz050nq' }).resource.password).toBe('1mz050nq');
  });

  it('reads the Entra "True"/"False" strings as booleans (scim-clients.md §4 #5)', () => {
    expect(user({ active: 'False', emails: [{ value: 'a@b.c', primary: 'TRUE' }] }).resource).toMatchObject({
      active: false,
      emails: [{ value: 'a@b.c', primary: true }],
    });
  });

  it('reads a lone object for a multi-valued attribute as a list of one', () => {
    expect(user({ emails: { value: 'a@b.c', type: 'work' } }).resource.emails).toEqual([
      { value: 'a@b.c', type: 'work' },
    ]);
  });

  it.each([
    ['a plain id (Entra)', 'boss-id', { value: 'boss-id' }],
    [
      'an object',
      { value: 'boss-id', $ref: '../Users/boss-id' },
      { value: 'boss-id', $ref: '../Users/boss-id' },
    ],
  ])('accepts the enterprise manager as %s (RFC 7643 §4.3)', (_, manager, stored) => {
    expect(user({ [ENTERPRISE]: { manager } }).resource[ENTERPRISE]).toEqual({ manager: stored });
  });

  it('accepts the full Okta create body (scim-clients.md §1.3)', () => {
    const body = {
      schemas: [USER_SCHEMA],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    };
    expect(validateResource(registry, 'User', body, 'create')).toEqual({
      resource: {
        schemas: [USER_SCHEMA],
        externalId: '00ujl29u0le5T6Aj10h7',
        userName: 'test.user@okta.local',
        name: { familyName: 'User', givenName: 'Test' },
        displayName: 'Test User',
        locale: 'en-US',
        active: true,
        password: '1mz050nq',
        emails: [{ value: 'test.user@okta.local', type: 'work', primary: true }],
      },
      ignored: [],
      dialects: [],
    });
  });
});

describe('validateResource: a user is active unless told otherwise (docs/scim-behaviour.md)', () => {
  it.each<
    [
      string,
      Record<string, unknown>,
      'create' | 'replace' | 'patchResult',
      Record<string, unknown>?,
      boolean?,
    ]
  >([
    ['created without active is active', {}, 'create', undefined, true],
    ['created active: false stays inactive', { active: false }, 'create', undefined, false],
    [
      'a PUT without active keeps false (not asserted, RFC 7644 §3.5.1)',
      {},
      'replace',
      { active: false },
      false,
    ],
    ['a PUT without active keeps true', {}, 'replace', { active: true }, true],
    ['a PUT without active on a user stored without it is active', {}, 'replace', {}, true],
    ['a PATCH that removed active makes the user active again', {}, 'patchResult', { active: false }, true],
    ['a PUT with active: false deactivates', { active: false }, 'replace', { active: true }, false],
  ])('%s', (_name, body, context, existing, expected) => {
    const previous = existing && { userName: 'bjensen', ...existing };
    expect(user(body, context, previous).resource.active).toBe(expected);
  });

  it('Groups get no active', () => {
    expect(group({}).resource).not.toHaveProperty('active');
  });
});

describe('validateResource: userType is the team role', () => {
  it.each([
    ['Admin', 'Admin'],
    ['admin', 'Admin'],
    ['EDITOR', 'Editor'],
    ['viewer', 'Viewer'],
    [null, undefined],
    [undefined, undefined],
  ])('stores userType %j as %s', (given, stored) => {
    expect(user({ userType: given }).resource.userType).toBe(stored);
  });

  it.each(['create', 'patchResult', 'replace'] as const)(
    'leaves an unassigned userType unassigned in %s: the resource shows what the IdP sent',
    (context) => {
      const { resource } = user({}, context, { userName: 'bjensen', userType: 'Admin' });
      expect(resource).not.toHaveProperty('userType');
    },
  );

  it.each(['Owner', 'Employee', ''])(
    'rejects userType %j with 400 invalidValue naming the allowed values',
    (given) => {
      expect(scimErrorOf(() => user({ userType: given }))).toMatchObject({
        status: 400,
        scimType: 'invalidValue',
        detail: "Attribute 'userType' must be one of Admin, Editor, Viewer.",
      });
    },
  );

  it('does not enforce advisory canonicalValues such as emails.type (RFC 7643 §2.3.1)', () => {
    expect(user({ emails: [{ value: 'a@b.c', type: 'Corporate' }] }).resource.emails).toEqual([
      { value: 'a@b.c', type: 'Corporate' },
    ]);
  });
});

describe('validateResource: Group members', () => {
  it('keeps value and canonical type, drops the readOnly display and $ref (RFC 7643 §4.2)', () => {
    const { resource } = group({
      members: [
        { value: 'u1', display: 'Test User', $ref: 'https://x/Users/u1' },
        { value: 'g2', type: 'group' },
      ],
    });
    expect(resource).toEqual({
      schemas: [GROUP_SCHEMA],
      displayName: 'Admins',
      members: [{ value: 'u1' }, { value: 'g2', type: 'Group' }],
    });
  });

  it.each([
    ['without value', [{ type: 'User' }], "Attribute 'members.value' is required."],
    ['with a blank value', [{ value: ' ' }], "Attribute 'members.value' must not be empty."],
    [
      'with an unknown type',
      [{ value: 'u1', type: 'Device' }],
      "Attribute 'members.type' must be one of User, Group.",
    ],
    ['with a numeric value', [{ value: 1 }], "Attribute 'members.value' must be a string."],
    ['as plain strings', ['u1'], "Attribute 'members' must be a JSON object."],
  ])('rejects a member %s with 400 invalidValue', (_, members, detail) => {
    expect(scimErrorOf(() => group({ members }))).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail,
    });
  });
});

describe('validateResource: rejected input', () => {
  it.each([null, [], 'x', 1, true])('rejects a %j body with 400 invalidSyntax (RFC 7644 §3.12)', (body) => {
    expect(scimErrorOf(() => validateResource(registry, 'User', body, 'create'))).toMatchObject({
      status: 400,
      scimType: 'invalidSyntax',
    });
  });

  it.each<[string, ResourceTypeName, Record<string, unknown>, string]>([
    ['userName missing', 'User', { name: { givenName: 'B' } }, "Attribute 'userName' is required."],
    ['userName null', 'User', { userName: null }, "Attribute 'userName' is required."],
    ['userName blank', 'User', { userName: '  ' }, "Attribute 'userName' must not be empty."],
    ['displayName missing', 'Group', { members: [] }, "Attribute 'displayName' is required."],
    ['displayName blank', 'Group', { displayName: '' }, "Attribute 'displayName' must not be empty."],
  ])('rejects %s with 400 invalidValue (RFC 7643 §4.1.1, §4.2)', (_, rt, body, detail) => {
    expect(scimErrorOf(() => validateResource(registry, rt, body, 'create'))).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail,
    });
  });

  it.each([
    ['a number for a string', { displayName: 5 }, "Attribute 'displayName' must be a string."],
    [
      'an array for a single value',
      { displayName: ['a'] },
      "Attribute 'displayName' is single-valued, not an array.",
    ],
    ['a string for a complex', { name: 'Babs' }, "Attribute 'name' must be a JSON object."],
    ['a non-boolean active', { active: 'yes' }, "Attribute 'active' must be a boolean."],
    [
      'a non-boolean primary',
      { emails: [{ value: 'a', primary: 1 }] },
      "Attribute 'emails.primary' must be a boolean.",
    ],
    ['a bad reference', { profileUrl: 1 }, "Attribute 'profileUrl' must be a string."],
    [
      'bad base64',
      { x509Certificates: [{ value: '***' }] },
      "Attribute 'x509Certificates.value' must be a base64 string.",
    ],
    ['a numeric externalId', { externalId: 42 }, "Attribute 'externalId' must be a string."],
    [
      'an extension that is not an object',
      { [ENTERPRISE]: 'x' },
      `Extension '${ENTERPRISE}' must be a JSON object.`,
    ],
    [
      'a bad extension value',
      { [ENTERPRISE]: { department: 1 } },
      `Attribute '${ENTERPRISE}:department' must be a string.`,
    ],
    [
      'a bad manager value',
      { [ENTERPRISE]: { manager: { value: 1 } } },
      `Attribute '${ENTERPRISE}:manager.value' must be a string.`,
    ],
  ])('rejects %s with 400 invalidValue naming the attribute (RFC 7643 §2.3)', (_, body, detail) => {
    expect(scimErrorOf(() => user(body))).toMatchObject({ status: 400, scimType: 'invalidValue', detail });
  });

  it.each([
    [
      'emails',
      {
        emails: [
          { value: 'a', primary: true },
          { value: 'b', primary: 'True' },
        ],
      },
    ],
    [
      'phoneNumbers',
      {
        phoneNumbers: [
          { value: '1', primary: true },
          { value: '2', primary: true },
        ],
      },
    ],
  ])('rejects two primary %s with 400 invalidValue (RFC 7643 §2.4)', (attr, body) => {
    expect(scimErrorOf(() => user(body))).toMatchObject({
      scimType: 'invalidValue',
      detail: `Attribute '${attr}' has more than one primary value (RFC 7643 §2.4).`,
    });
  });

  it('accepts one primary among several values (RFC 7643 §2.4)', () => {
    expect(
      user({
        emails: [
          { value: 'a', primary: true },
          { value: 'b', primary: false },
        ],
      }).resource.emails,
    ).toHaveLength(2);
  });
});

describe('validateResource: immutable attributes (RFC 7643 §2.2, RFC 7644 §3.5.1)', () => {
  // No core attribute is immutable at the top level, so a registry with one shows the rule.
  const TEST_SCHEMA = 'urn:example:params:scim:schemas:core:2.0:Device';
  const TEST_EXT = 'urn:example:params:scim:schemas:extension:2.0:Device';
  const testRegistry = createSchemaRegistry(
    [
      {
        id: TEST_SCHEMA,
        name: 'Device',
        description: 'test',
        attributes: [
          attribute('serial', 'string', 'set once', { mutability: 'immutable' }),
          complex('owner', 'owner', [
            attribute('badge', 'string', 'set once', { mutability: 'immutable', caseExact: true }),
          ]),
          attribute('label', 'string', 'free'),
        ],
      },
      {
        id: TEST_EXT,
        name: 'DeviceExt',
        description: 'test',
        attributes: [attribute('asset', 'string', 'set once', { mutability: 'immutable' })],
      },
    ],
    [
      {
        id: 'User',
        name: 'User',
        endpoint: '/Devices',
        description: 'test',
        schema: TEST_SCHEMA,
        schemaExtensions: [{ schema: TEST_EXT, required: false }],
      },
    ],
  );
  const validate = (...args: DropFirst<Parameters<typeof validateResource>>) =>
    validateResource(testRegistry, ...args);

  it.each<
    [string, ValidationContext, Record<string, unknown>, ScimResource | undefined, Record<string, unknown>]
  >([
    ['set on create', 'create', { serial: 'A' }, undefined, { serial: 'A' }],
    ['set when unset', 'replace', { serial: 'A' }, { label: 'x' }, { serial: 'A' }],
    ['resent unchanged', 'replace', { serial: 'A' }, { serial: 'A' }, { serial: 'A' }],
    [
      'resent in another case (caseExact false)',
      'patchResult',
      { serial: 'a' },
      { serial: 'A' },
      { serial: 'a' },
    ],
    [
      'omitted from a PUT, which keeps it',
      'replace',
      { label: 'y' },
      { serial: 'A' },
      { serial: 'A', label: 'y' },
    ],
    [
      'sub-attribute omitted from a PUT',
      'replace',
      {},
      { owner: { badge: 'B1' } },
      { owner: { badge: 'B1' } },
    ],
    [
      'extension attribute unchanged',
      'patchResult',
      { [TEST_EXT]: { asset: 'Z' } },
      { [TEST_EXT]: { asset: 'Z' } },
      { [TEST_EXT]: { asset: 'Z' } },
    ],
  ])('accepts an immutable value %s', (_, context, body, existing, expected) => {
    expect(validate('User', body, context, existing).resource).toMatchObject(expected);
  });

  it.each<[string, ValidationContext, Record<string, unknown>, ScimResource, string]>([
    ['changed by a PUT', 'replace', { serial: 'B' }, { serial: 'A' }, 'serial'],
    ['changed by a PATCH', 'patchResult', { serial: 'B' }, { serial: 'A' }, 'serial'],
    ['removed by a PATCH', 'patchResult', {}, { serial: 'A' }, 'serial'],
    [
      'sub-attribute changed in case (caseExact true)',
      'replace',
      { owner: { badge: 'b1' } },
      { owner: { badge: 'B1' } },
      'owner.badge',
    ],
    [
      'extension attribute changed',
      'replace',
      { [TEST_EXT]: { asset: 'Y' } },
      { [TEST_EXT]: { asset: 'Z' } },
      `${TEST_EXT}:asset`,
    ],
    [
      'extension attribute removed by a PATCH',
      'patchResult',
      {},
      { [TEST_EXT]: { asset: 'Z' } },
      `${TEST_EXT}:asset`,
    ],
  ])('rejects an immutable value %s with 400 mutability', (_, context, body, existing, path) => {
    expect(scimErrorOf(() => validate('User', body, context, existing))).toMatchObject({
      status: 400,
      scimType: 'mutability',
      detail: `Attribute '${path}' is immutable and already set.`,
    });
  });

  it('lets Group members come and go although members.value is immutable (elements have no identity)', () => {
    const existing = { displayName: 'G', members: [{ value: 'u1' }] };
    const { resource } = validateResource(
      registry,
      'Group',
      { displayName: 'G', members: [{ value: 'u2' }] },
      'replace',
      existing,
    );
    expect(resource.members).toEqual([{ value: 'u2' }]);
  });
});

describe('validateResource: properties', () => {
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  // Bodies close to real ones, so the fuzzing reaches attribute checks and not just the root.
  const nearUser = fc.record(
    {
      userName: fc.oneof(fc.string(), anyJson),
      name: fc.oneof(fc.record({ givenName: anyJson, FAMILYNAME: anyJson }), anyJson),
      emails: fc.oneof(fc.array(fc.record({ value: anyJson, primary: anyJson, type: anyJson })), anyJson),
      active: anyJson,
      userType: fc.oneof(fc.constantFrom('admin', 'Viewer', 'x'), anyJson),
      [ENTERPRISE]: fc.oneof(fc.record({ manager: anyJson, department: anyJson }), anyJson),
      members: anyJson,
    },
    { requiredKeys: [] },
  );

  it.each<ResourceTypeName>(['User', 'Group'])('only ever throws a ScimError on random JSON (%s)', (rt) => {
    fc.assert(
      fc.property(
        fc.oneof(anyJson, nearUser),
        fc.constantFrom<ValidationContext>('create', 'replace', 'patchResult'),
        (body, context) => {
          try {
            validateResource(registry, rt, body, context, { userName: 'u', displayName: 'g' });
          } catch (error) {
            if (!(error instanceof ScimError) || error.status !== 400) throw error;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is idempotent: validating the stored form gives it back with nothing ignored', () => {
    fc.assert(
      fc.property(nearUser, (body) => {
        let first;
        try {
          first = validateResource(registry, 'User', body, 'create');
        } catch {
          return;
        }
        expect(validateResource(registry, 'User', first.resource, 'create')).toEqual({
          resource: first.resource,
          ignored: [],
          dialects: [],
        });
      }),
      { numRuns: 500 },
    );
  });
});
