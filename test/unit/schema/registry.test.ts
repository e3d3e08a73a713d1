import type { AttrPath } from '../../../src/domain/filter/ast.js';
import { registry } from '../registry.js';
import type { AttributeDefinition, ResourceTypeName } from '../../../src/domain/schema/types.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../../src/domain/schema/urns.js';

const user = registry.getSchema(USER_SCHEMA)!;
const group = registry.getSchema(GROUP_SCHEMA)!;
const enterprise = registry.getSchema(ENTERPRISE_USER_SCHEMA)!;

function walk(attrs: readonly AttributeDefinition[], prefix = ''): [string, AttributeDefinition][] {
  return attrs.flatMap((a) => [
    [prefix + a.name, a] as [string, AttributeDefinition],
    ...walk(a.subAttributes ?? [], `${prefix}${a.name}.`),
  ]);
}

describe('schema definitions (RFC 7643 §4, §8.7.1)', () => {
  it('lists the User attributes of RFC 7643 §4.1 in order', () => {
    expect(user.attributes.map((a) => a.name)).toEqual([
      'userName',
      'name',
      'displayName',
      'nickName',
      'profileUrl',
      'title',
      'userType',
      'preferredLanguage',
      'locale',
      'timezone',
      'active',
      'password',
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'groups',
      'entitlements',
      'roles',
      'x509Certificates',
    ]);
  });

  it.each([
    // [schema, path, characteristic, expected]
    ['User', 'userName', { required: true, uniqueness: 'server', caseExact: false }],
    ['User', 'password', { mutability: 'writeOnly', returned: 'never' }],
    ['User', 'groups', { mutability: 'readOnly', multiValued: true }],
    ['User', 'groups.$ref', { type: 'reference', referenceTypes: ['User', 'Group'], mutability: 'readOnly' }],
    ['User', 'groups.display', { mutability: 'readOnly' }],
    ['User', 'profileUrl', { type: 'reference', referenceTypes: ['external'] }],
    ['User', 'photos.value', { type: 'reference', referenceTypes: ['external'] }],
    ['User', 'x509Certificates.value', { type: 'binary' }],
    ['User', 'active', { type: 'boolean', multiValued: false }],
    ['User', 'emails.type', { canonicalValues: ['work', 'home', 'other'] }],
    ['User', 'phoneNumbers.type', { canonicalValues: ['work', 'home', 'mobile', 'fax', 'pager', 'other'] }],
    ['User', 'userType', { canonicalValues: ['Admin', 'Editor', 'Viewer'] }],
    ['User', 'name.givenName', { type: 'string', mutability: 'readWrite', returned: 'default' }],
    ['Group', 'displayName', { required: true, uniqueness: 'server' }],
    ['Group', 'members', { multiValued: true, mutability: 'readWrite' }],
    ['Group', 'members.value', { mutability: 'immutable', required: true }],
    ['Group', 'members.$ref', { mutability: 'readOnly', referenceTypes: ['User', 'Group'] }],
    ['Group', 'members.type', { canonicalValues: ['User', 'Group'] }],
    ['Group', 'members.display', { mutability: 'readOnly' }],
    ['Enterprise', 'manager', { type: 'complex', multiValued: false }],
    ['Enterprise', 'manager.$ref', { referenceTypes: ['User'] }],
    ['Enterprise', 'manager.displayName', { mutability: 'readOnly' }],
  ] as const)('%s %s has %j (RFC 7643 §8.7.1)', (schema, path, expected) => {
    const defs = { User: user, Group: group, Enterprise: enterprise }[schema];
    const found = new Map(walk(defs.attributes)).get(path);
    expect(found).toMatchObject(expected);
  });

  it('gives every attribute all characteristics of RFC 7643 §7', () => {
    for (const schema of registry.schemas) {
      for (const [path, a] of walk(schema.attributes)) {
        for (const key of [
          'type',
          'multiValued',
          'description',
          'required',
          'caseExact',
          'mutability',
          'returned',
          'uniqueness',
        ]) {
          expect([path, a]).toEqual([path, expect.objectContaining({ [key]: expect.anything() })]);
        }
        expect(a.description.length).toBeGreaterThan(0);
        expect(a.subAttributes !== undefined).toBe(a.type === 'complex');
      }
    }
  });

  it('is frozen so no caller can change the shared definitions', () => {
    expect(() => {
      (user.attributes as AttributeDefinition[]).push(user.attributes[0]);
    }).toThrow(TypeError);
  });

  it('defines the User resource type with an optional enterprise extension and the Group type (RFC 7643 §6)', () => {
    expect(registry.getResourceType('User')).toMatchObject({
      endpoint: '/Users',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
    });
    expect(registry.getResourceType('Group')).toMatchObject({
      endpoint: '/Groups',
      schema: GROUP_SCHEMA,
      schemaExtensions: [],
    });
  });
});

describe('getSchema', () => {
  it.each([USER_SCHEMA, USER_SCHEMA.toUpperCase(), ENTERPRISE_USER_SCHEMA.toLowerCase()])(
    'finds %s regardless of case (RFC 7643 §2.1)',
    (urn) => {
      expect(registry.getSchema(urn)?.id.toLowerCase()).toBe(urn.toLowerCase());
    },
  );

  it('returns undefined for an unknown URN', () => {
    expect(registry.getSchema('urn:example:nope')).toBeUndefined();
  });
});

describe('resolve (RFC 7643 §2.1, RFC 7644 §3.10)', () => {
  it.each<[ResourceTypeName, AttrPath, string, string, string | undefined, boolean]>([
    ['User', { attribute: 'userName' }, USER_SCHEMA, 'userName', undefined, false],
    ['User', { attribute: 'USERNAME' }, USER_SCHEMA, 'userName', undefined, false],
    ['User', { uri: USER_SCHEMA, attribute: 'userName' }, USER_SCHEMA, 'userName', undefined, false],
    [
      'User',
      { uri: USER_SCHEMA.toLowerCase(), attribute: 'name', subAttribute: 'GIVENNAME' },
      USER_SCHEMA,
      'name',
      'givenName',
      false,
    ],
    ['User', { attribute: 'emails', subAttribute: 'value' }, USER_SCHEMA, 'emails', 'value', false],
    [
      'User',
      { uri: ENTERPRISE_USER_SCHEMA, attribute: 'employeeNumber' },
      ENTERPRISE_USER_SCHEMA,
      'employeeNumber',
      undefined,
      true,
    ],
    [
      'User',
      { uri: ENTERPRISE_USER_SCHEMA.toUpperCase(), attribute: 'manager', subAttribute: 'value' },
      ENTERPRISE_USER_SCHEMA,
      'manager',
      'value',
      true,
    ],
    ['User', { attribute: 'id' }, USER_SCHEMA, 'id', undefined, false],
    ['User', { attribute: 'externalId' }, USER_SCHEMA, 'externalId', undefined, false],
    ['User', { attribute: 'schemas' }, USER_SCHEMA, 'schemas', undefined, false],
    ['User', { attribute: 'meta', subAttribute: 'lastModified' }, USER_SCHEMA, 'meta', 'lastModified', false],
    ['Group', { attribute: 'meta', subAttribute: 'CREATED' }, GROUP_SCHEMA, 'meta', 'created', false],
    ['Group', { uri: GROUP_SCHEMA, attribute: 'id' }, GROUP_SCHEMA, 'id', undefined, false],
    ['Group', { attribute: 'members', subAttribute: 'value' }, GROUP_SCHEMA, 'members', 'value', false],
    ['Group', { attribute: 'displayname' }, GROUP_SCHEMA, 'displayName', undefined, false],
    // A caller that did not split the path still gets an answer.
    [
      'User',
      { attribute: `${ENTERPRISE_USER_SCHEMA}:department` },
      ENTERPRISE_USER_SCHEMA,
      'department',
      undefined,
      true,
    ],
    ['User', { attribute: `${USER_SCHEMA}:name.familyName` }, USER_SCHEMA, 'name', 'familyName', false],
    ['User', { attribute: 'name.familyName' }, USER_SCHEMA, 'name', 'familyName', false],
  ])('%s %j resolves to %s:%s.%s', (rt, path, schema, attribute, sub, extension) => {
    const resolved = registry.resolve(rt, path);
    expect(resolved?.schema).toBe(schema);
    expect(resolved?.attribute.name).toBe(attribute);
    expect(resolved?.subAttribute?.name).toBe(sub);
    expect(resolved?.extension).toBe(extension);
  });

  it.each<[ResourceTypeName, AttrPath]>([
    ['User', { attribute: 'nope' }],
    ['User', { attribute: 'name', subAttribute: 'nope' }],
    ['User', { attribute: 'userName', subAttribute: 'value' }], // not complex
    ['User', { attribute: 'employeeNumber' }], // extension attributes need their URN
    ['User', { uri: ENTERPRISE_USER_SCHEMA, attribute: 'userName' }],
    ['User', { uri: GROUP_SCHEMA, attribute: 'displayName' }], // another resource type's schema
    ['User', { uri: ENTERPRISE_USER_SCHEMA, attribute: 'id' }], // common attributes live in the core namespace
    ['Group', { uri: ENTERPRISE_USER_SCHEMA, attribute: 'department' }],
    ['Group', { attribute: 'userName' }],
    ['User', { uri: 'urn:example:unknown', attribute: 'userName' }],
  ])('%s %j is unknown', (rt, path) => {
    expect(registry.resolve(rt, path)).toBeUndefined();
  });
});

describe('subAttribute', () => {
  const emails = registry.attribute(user, 'emails')!;
  it.each([
    ['value', 'value'],
    ['PRIMARY', 'primary'],
    ['nope', undefined],
  ])('emails.%s → %s (case-insensitive, RFC 7643 §2.1)', (name, expected) => {
    expect(registry.subAttribute(emails, name)?.name).toBe(expected);
  });

  it('returns undefined for an attribute without sub-attributes', () => {
    expect(registry.subAttribute(registry.attribute(user, 'userName')!, 'value')).toBeUndefined();
  });
});

describe('schemasOf', () => {
  it('gives the core schema and extensions of a resource type', () => {
    expect(registry.schemasOf('User').core).toBe(user);
    expect(registry.schemasOf('User').extensions.map((e) => e.schema)).toEqual([enterprise]);
    expect(registry.schemasOf('Group').core).toBe(group);
    expect(registry.schemasOf('Group').extensions).toEqual([]);
  });
});
