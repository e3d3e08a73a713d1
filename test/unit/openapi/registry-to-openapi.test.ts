import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { attribute } from '../../../src/domain/schema/define.js';
import { coreGroupSchema } from '../../../src/domain/schema/core-group.schema.js';
import { createSchemaRegistry, groupResourceType } from '../../../src/domain/schema/registry.js';
import { registry } from '../registry.js';
import type { AttributeDefinition, AttributeType } from '../../../src/domain/schema/types.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../../src/domain/schema/urns.js';
import {
  ATTRIBUTE_TYPE_SCHEMAS,
  MissingTypeMappingError,
  registryToOpenApi,
  type JsonSchema,
} from '../../../src/openapi/registry-to-openapi.js';

const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  addFormatsModule) as unknown as FormatsPlugin;

/**
 * Every SCIM attribute type of RFC 7643 §2.3. `Unlisted` below is `never` only while this list names
 * every member of AttributeType, so adding a type to the domain breaks the typecheck here until it is
 * listed, and the runtime test then fails until ATTRIBUTE_TYPE_SCHEMAS maps it.
 */
const ALL_TYPES = [
  'string',
  'boolean',
  'decimal',
  'integer',
  'dateTime',
  'binary',
  'reference',
  'complex',
] as const satisfies readonly AttributeType[];
type Unlisted = Exclude<AttributeType, (typeof ALL_TYPES)[number]>;
const everyTypeListed: [Unlisted] extends [never] ? true : Unlisted = true;

const schemas = registryToOpenApi(registry);
const props = (name: string) => schemas[name].properties as Record<string, JsonSchema>;

function walk(attrs: readonly AttributeDefinition[]): AttributeDefinition[] {
  return attrs.flatMap((a) => [a, ...walk(a.subAttributes ?? [])]);
}

function compiler() {
  const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
  addFormats(ajv);
  ajv.addVocabulary(['example', 'xml', 'externalDocs', 'discriminator']);
  const rebased = JSON.parse(
    JSON.stringify(schemas).replaceAll('"#/components/schemas/', '"urn:test:components#/$defs/'),
  ) as Record<string, JsonSchema>;
  ajv.addSchema({ $id: 'urn:test:components', $defs: rebased });
  return (name: string) => ajv.getSchema(`urn:test:components#/$defs/${name}`)!;
}

describe('registryToOpenApi: SCIM attribute types to JSON Schema', () => {
  it('maps every SCIM attribute type (RFC 7643 §2.3)', () => {
    expect(everyTypeListed).toBe(true);
    for (const type of ALL_TYPES) expect(ATTRIBUTE_TYPE_SCHEMAS[type]).toHaveProperty('type');
    expect(Object.keys(ATTRIBUTE_TYPE_SCHEMAS).sort()).toEqual([...ALL_TYPES].sort());
  });

  it('maps every attribute the registry defines, sub-attributes included', () => {
    const types = new Set(
      [...registry.schemas.flatMap((s) => walk(s.attributes)), ...walk(registry.commonAttributes)].map(
        (a) => a.type,
      ),
    );
    for (const type of types) expect(ATTRIBUTE_TYPE_SCHEMAS).toHaveProperty(type);
  });

  it('fails loudly on an attribute type without a mapping', () => {
    const odd = attribute('odd', 'geoPoint' as AttributeType, 'A type the mapping does not know.');
    const broken = createSchemaRegistry(
      [{ ...coreGroupSchema, attributes: [...coreGroupSchema.attributes, odd] }],
      [groupResourceType],
    );
    expect(() => registryToOpenApi(broken)).toThrow(MissingTypeMappingError);
    expect(() => registryToOpenApi(broken)).toThrow(/geoPoint/);
  });

  it.each([
    ['dateTime', { type: 'string', format: 'date-time' }],
    ['binary', { type: 'string', contentEncoding: 'base64' }],
    ['reference', { type: 'string', format: 'uri-reference' }],
    ['decimal', { type: 'number' }],
  ])('writes %s as %j', (type, expected) => {
    expect(ATTRIBUTE_TYPE_SCHEMAS[type as AttributeType]).toEqual(expected);
  });
});

describe('registryToOpenApi: resource schemas', () => {
  it('User carries the enterprise extension under its URN key, as a $ref', () => {
    expect(props('User')[ENTERPRISE_USER_SCHEMA]).toEqual({ $ref: '#/components/schemas/EnterpriseUser' });
    expect(props('EnterpriseUser').manager).toMatchObject({ type: 'object' });
    expect(props('UserInput')[ENTERPRISE_USER_SCHEMA]).toEqual({
      anyOf: [{ $ref: '#/components/schemas/EnterpriseUserInput' }, { type: 'null' }],
    });
  });

  it('responses require only what is returned always (RFC 7643 §2.2: schemas, id)', () => {
    expect(schemas.User.required).toEqual(['schemas', 'id']);
    expect(schemas.Group.required).toEqual(['schemas', 'id']);
    expect(schemas.User.additionalProperties).toBe(false);
  });

  it('request bodies require the required attributes and stay open to unknown ones', () => {
    expect(schemas.UserInput.required).toEqual(['userName']);
    expect(schemas.GroupInput.required).toEqual(['displayName']);
    expect(schemas.UserInput).not.toHaveProperty('additionalProperties');
  });

  it('password is writeOnly: in requests, never in responses (returned: never)', () => {
    expect(props('User')).not.toHaveProperty('password');
    expect(props('UserInput').password).toMatchObject({ writeOnly: true });
  });

  it('readOnly attributes are marked in responses and left out of request bodies', () => {
    expect(props('User').id).toMatchObject({ readOnly: true });
    expect(props('User').groups).toMatchObject({ readOnly: true, type: 'array' });
    expect(props('UserInput')).not.toHaveProperty('id');
    expect(props('UserInput')).not.toHaveProperty('groups');
    expect(props('UserInput')).not.toHaveProperty('meta');
  });

  it("documents userType's canonical values, and promises them in responses", () => {
    expect(props('User').userType).toMatchObject({ enum: ['Admin', 'Editor', 'Viewer'] });
    expect(String(props('UserInput').userType.description)).toContain('Admin, Editor, Viewer');
    expect(props('UserInput').userType).not.toHaveProperty('enum');
  });

  it('response schemas URIs are the core schema and its extensions', () => {
    expect(props('User').schemas).toMatchObject({ items: { enum: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA] } });
    expect(props('Group').schemas).toMatchObject({ items: { enum: [GROUP_SCHEMA] } });
  });

  it('has every component the SCIM API needs', () => {
    expect(Object.keys(schemas).sort()).toEqual(
      [
        'EnterpriseUser',
        'EnterpriseUserInput',
        'Error',
        'Group',
        'GroupInput',
        'GroupListResponse',
        'Meta',
        'PatchOp',
        'PatchOperation',
        'ResourceListResponse',
        'ResourceType',
        'ResourceTypeListResponse',
        'Schema',
        'SchemaAttribute',
        'SchemaListResponse',
        'SearchRequest',
        'ServiceProviderConfig',
        'User',
        'UserInput',
        'UserListResponse',
      ].sort(),
    );
  });
});

describe('registryToOpenApi: the schemas are valid JSON Schema 2020-12 and mean what they say', () => {
  const schema = compiler();

  it('every component compiles under ajv strict mode', () => {
    for (const name of Object.keys(schemas)) expect(schema(name)).toBeInstanceOf(Function);
  });

  it('a user response with an unknown attribute is rejected; one with the extension passes', () => {
    const user = {
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      id: '23a35c27-23d3-4c03-b4c5-6443c09e7173',
      userName: 'bjensen',
      userType: 'Admin',
      emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
      [ENTERPRISE_USER_SCHEMA]: { department: 'R&D', manager: { value: 'x' } },
      meta: { resourceType: 'User', version: 'W/"1"', created: '2026-01-01T00:00:00.000Z' },
    };
    expect(schema('User')(user)).toBe(true);
    expect(schema('User')({ ...user, nickname: 'lower-case n is not canonical' })).toBe(false);
    expect(schema('User')({ ...user, userType: 'admin' })).toBe(false);
    expect(schema('User')({ ...user, password: 'never returned' })).toBe(false);
    expect(schema('User')({ ...user, id: undefined })).toBe(false);
  });

  it('an error needs status as a string (RFC 7644 §3.12)', () => {
    const error = { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404', detail: 'x' };
    expect(schema('Error')(error)).toBe(true);
    expect(schema('Error')({ ...error, status: 404 })).toBe(false);
    expect(schema('Error')({ ...error, scimType: 'notAScimType' })).toBe(false);
  });

  it('request bodies accept null as "unassigned" and unknown attributes (RFC 7643 §2.5)', () => {
    expect(schema('UserInput')({ userName: 'x', title: null, addresses: null, nonsense: 1 })).toBe(true);
    expect(schema('UserInput')({ title: 'no userName' })).toBe(false);
  });
});
