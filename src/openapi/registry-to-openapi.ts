import { DEFAULT_FILTER_LIMITS } from '../domain/filter/parser.js';
import { ERROR_SCHEMA, type ScimType } from '../domain/errors.js';
import { PAGING } from '../domain/list/list-query.js';
import { MAX_PATCH_OPERATIONS } from '../domain/patch/request.js';
import type { SchemaRegistry } from '../domain/schema/registry.js';
import type {
  AttributeDefinition,
  AttributeType,
  ResourceTypeName,
  SchemaDefinition,
} from '../domain/schema/types.js';
import {
  LIST_RESPONSE_SCHEMA,
  PATCH_OP_SCHEMA,
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SEARCH_REQUEST_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA,
} from '../domain/schema/urns.js';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1) as a plain object. */
export type JsonSchema = Record<string, unknown>;

/** `#/components/schemas/<name>`: component names are the public type names of the generated client. */
export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/**
 * Component names. Responses are strict (additionalProperties false: the server emits nothing else);
 * request bodies are open, since unknown attributes are ignored (RFC 7644 §3.3).
 */
export const COMPONENTS = {
  meta: 'Meta',
  error: 'Error',
  patchOp: 'PatchOp',
  patchOperation: 'PatchOperation',
  searchRequest: 'SearchRequest',
  serviceProviderConfig: 'ServiceProviderConfig',
  schema: 'Schema',
  schemaAttribute: 'SchemaAttribute',
  resourceType: 'ResourceType',
  schemaList: 'SchemaListResponse',
  resourceTypeList: 'ResourceTypeListResponse',
  anyResourceList: 'ResourceListResponse',
  resource: (type: ResourceTypeName) => type,
  resourceInput: (type: ResourceTypeName) => `${type}Input`,
  resourceList: (type: ResourceTypeName) => `${type}ListResponse`,
} as const;

type Direction = 'response' | 'request';

/**
 * How each SCIM attribute type (RFC 7643 §2.3) is written in JSON Schema. Typed over every AttributeType,
 * so a new type does not compile until it has a mapping; the unit test also walks the registry.
 */
export const ATTRIBUTE_TYPE_SCHEMAS: Readonly<Record<AttributeType, JsonSchema>> = Object.freeze({
  string: { type: 'string' },
  boolean: { type: 'boolean' },
  decimal: { type: 'number' },
  integer: { type: 'integer' },
  // RFC 7643 §2.3.5: xsd:dateTime, which is RFC 3339 date-time in JSON.
  dateTime: { type: 'string', format: 'date-time' },
  // RFC 7643 §2.3.6: base64-encoded.
  binary: { type: 'string', contentEncoding: 'base64' },
  // RFC 7643 §2.3.7: a URI, absolute or relative.
  reference: { type: 'string', format: 'uri-reference' },
  complex: { type: 'object' },
});

export class MissingTypeMappingError extends Error {
  override name = 'MissingTypeMappingError';
}

function typeSchema(attribute: AttributeDefinition): JsonSchema {
  const mapped = Object.hasOwn(ATTRIBUTE_TYPE_SCHEMAS, attribute.type)
    ? ATTRIBUTE_TYPE_SCHEMAS[attribute.type]
    : undefined;
  if (!mapped) {
    throw new MissingTypeMappingError(
      `SCIM attribute type "${String(attribute.type)}" (attribute ${attribute.name}) has no OpenAPI mapping`,
    );
  }
  return { ...mapped };
}

/** Canonical values we store in canonical case and may therefore promise in responses. */
const ENUM_IN_RESPONSES = new Set(['userType', 'members.type']);

/** Whether an attribute appears in a response or request body schema (RFC 7643 §2.2 mutability/returned). */
function appears(attribute: AttributeDefinition, direction: Direction): boolean {
  return direction === 'response' ? attribute.returned !== 'never' : attribute.mutability !== 'readOnly';
}

function describe(attribute: AttributeDefinition, direction: Direction): string {
  const notes: string[] = [attribute.description.replace(/\s+/g, ' ').trim()];
  if (attribute.canonicalValues) notes.push(`Canonical values: ${attribute.canonicalValues.join(', ')}.`);
  if (direction === 'request' && attribute.mutability === 'immutable') notes.push('Immutable once set.');
  if (attribute.caseExact === false && attribute.type === 'string' && attribute.uniqueness !== 'none') {
    notes.push('Unique, compared case-insensitively.');
  }
  return notes.join(' ');
}

/** A nullable request value: RFC 7643 §2.5 reads null as "unassigned" (Entra sends nulls). */
function orNull(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

function attributeSchema(attribute: AttributeDefinition, direction: Direction, path: string): JsonSchema {
  let value: JsonSchema = typeSchema(attribute);
  if (attribute.type === 'complex') {
    value = objectSchema(attribute.subAttributes ?? [], direction, `${path}.`);
  } else if (attribute.canonicalValues && direction === 'response' && ENUM_IN_RESPONSES.has(path)) {
    value.enum = [...attribute.canonicalValues];
  }
  if (attribute.multiValued) value = { type: 'array', items: value };
  value.description = describe(attribute, direction);
  if (direction === 'response' && attribute.mutability === 'readOnly') value.readOnly = true;
  if (direction === 'request' && attribute.mutability === 'writeOnly') value.writeOnly = true;
  return direction === 'request' ? orNull(value) : value;
}

function objectSchema(
  attributes: readonly AttributeDefinition[],
  direction: Direction,
  prefix = '',
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const attribute of attributes) {
    if (!appears(attribute, direction)) continue;
    properties[attribute.name] = attributeSchema(attribute, direction, `${prefix}${attribute.name}`);
    if (attribute.required && direction === 'request') required.push(attribute.name);
  }
  return {
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    ...(direction === 'response' ? { additionalProperties: false } : {}),
  };
}

/** The component name of an extension schema: `EnterpriseUser`, `EnterpriseUserInput`. */
function extensionName(schema: SchemaDefinition, direction: Direction): string {
  return direction === 'response' ? schema.name : `${schema.name}Input`;
}

function extensionSchema(schema: SchemaDefinition, direction: Direction): JsonSchema {
  return {
    ...objectSchema(schema.attributes, direction),
    description: `${schema.description} extension (${schema.id}), under its URN key.`,
  };
}

/** A resource type as one object: common attributes, core attributes, extensions under their URN. */
function resourceSchema(registry: SchemaRegistry, type: ResourceTypeName, direction: Direction): JsonSchema {
  const { core, extensions } = registry.schemasOf(type);
  const urns = [core.id, ...extensions.map((ext) => ext.schema.id)];
  const properties: Record<string, JsonSchema> = {};
  for (const common of registry.commonAttributes) {
    if (common.name === 'schemas') {
      properties.schemas = {
        type: 'array',
        description:
          direction === 'response'
            ? 'The core schema URN, then the URN of each extension present.'
            : 'Schema URNs; recomputed by the server from the attributes sent, unknown URNs are ignored.',
        items: direction === 'response' ? { type: 'string', enum: urns } : { type: 'string' },
        ...(direction === 'response' ? { minItems: 1 } : {}),
      };
    } else if (common.name === 'meta') {
      if (direction === 'response') properties.meta = ref(COMPONENTS.meta);
    } else if (appears(common, direction)) {
      properties[common.name] = attributeSchema(common, direction, common.name);
    }
  }
  const coreObject = objectSchema(core.attributes, direction);
  Object.assign(properties, coreObject.properties as Record<string, JsonSchema>);
  for (const ext of extensions) {
    const target = ref(extensionName(ext.schema, direction));
    properties[ext.schema.id] = direction === 'request' ? orNull(target) : target;
  }
  const required =
    direction === 'response'
      ? registry.commonAttributes.filter((a) => a.returned === 'always').map((a) => a.name)
      : ((coreObject.required as string[] | undefined) ?? []);
  return {
    type: 'object',
    description:
      direction === 'response'
        ? `${core.description} (${type}) as the server returns it. Attribute names are in canonical case.`
        : `${core.description} (${type}) as a POST or PUT body. Attribute names are case-insensitive; ` +
          'readOnly attributes (id, meta, ...) and unknown attributes are ignored.',
    properties,
    ...(required.length ? { required } : {}),
    ...(direction === 'response' ? { additionalProperties: false } : {}),
  };
}

/**
 * A ListResponse (RFC 7644 §3.4.2). A list that pages by cursor (RFC 9865) leaves totalResults out of
 * its cursor pages: RFC 9865 §2.2 allows it, and counting every match is what a cursor page saves.
 */
function listResponseSchema(
  items: JsonSchema,
  description: string,
  { cursorPaging = false }: { cursorPaging?: boolean } = {},
): JsonSchema {
  return {
    type: 'object',
    description,
    required: [
      'schemas',
      ...(cursorPaging ? [] : ['totalResults']),
      'startIndex',
      'itemsPerPage',
      'Resources',
    ],
    properties: {
      schemas: { type: 'array', items: { type: 'string', const: LIST_RESPONSE_SCHEMA }, minItems: 1 },
      totalResults: {
        type: 'integer',
        minimum: 0,
        description: cursorPaging
          ? 'Results matching the query, on all pages. Present with index paging and with count=0; ' +
            'absent on cursor pages (the request has `cursor`), which count nothing (RFC 9865 §2.2).'
          : 'Results matching the query, on all pages.',
      },
      startIndex: {
        type: 'integer',
        minimum: 1,
        description: '1-based index of the first result on this page.',
      },
      itemsPerPage: { type: 'integer', minimum: 0, description: 'Resources on this page.' },
      nextCursor: {
        type: 'string',
        description: 'RFC 9865: the cursor of the next page; absent on the last page and with index paging.',
      },
      previousCursor: { type: 'string', description: 'RFC 9865: the cursor of the previous page.' },
      Resources: { type: 'array', items },
    },
    additionalProperties: false,
  };
}

/** Every scimType, as an exhaustive record so a new one does not compile until it is documented. */
const SCIM_TYPES: Record<ScimType, true> = {
  invalidFilter: true,
  tooMany: true,
  uniqueness: true,
  mutability: true,
  invalidSyntax: true,
  invalidPath: true,
  noTarget: true,
  invalidValue: true,
  invalidVers: true,
  sensitive: true,
  invalidCursor: true,
  expiredCursor: true,
  invalidCount: true,
};

function staticSchemas(): Record<string, JsonSchema> {
  const bool = { type: 'boolean' };
  const supported = (description: string, extra: Record<string, JsonSchema> = {}): JsonSchema => ({
    type: 'object',
    description,
    required: ['supported', ...Object.keys(extra)],
    properties: { supported: bool, ...extra },
    additionalProperties: false,
  });
  const discoveryMeta = (resourceType: string): JsonSchema => ({
    type: 'object',
    required: ['resourceType', 'location'],
    properties: {
      resourceType: { type: 'string', const: resourceType },
      location: { type: 'string', format: 'uri' },
    },
    additionalProperties: false,
  });
  const mutability = ['readOnly', 'readWrite', 'immutable', 'writeOnly'];
  return {
    [COMPONENTS.error]: {
      type: 'object',
      description: 'SCIM error (RFC 7644 §3.12); `status` is the HTTP status as a string.',
      required: ['schemas', 'status', 'detail'],
      properties: {
        schemas: { type: 'array', items: { type: 'string', const: ERROR_SCHEMA }, minItems: 1 },
        status: { type: 'string', pattern: '^[1-5][0-9]{2}$', examples: ['409'] },
        scimType: { type: 'string', enum: Object.keys(SCIM_TYPES) },
        detail: { type: 'string' },
      },
      additionalProperties: false,
    },
    [COMPONENTS.patchOperation]: {
      type: 'object',
      required: ['op'],
      properties: {
        op: {
          type: 'string',
          // Matched case-insensitively; Entra's default job sends the title-case forms.
          enum: ['add', 'remove', 'replace', 'Add', 'Remove', 'Replace'],
          description:
            'add, remove or replace, matched case-insensitively (Entra sends Add, Remove, Replace).',
        },
        path: {
          type: 'string',
          description:
            'Attribute path (RFC 7644 §3.5.2), e.g. `name.givenName`, `emails[type eq "work"].value`, ' +
            '`members[value eq "…"]`. Without a path, `value` is an object of attributes to merge.',
        },
        value: { description: 'The value to add or replace; for remove, optional members to remove.' },
      },
    },
    [COMPONENTS.patchOp]: {
      type: 'object',
      description: `PATCH request (RFC 7644 §3.5.2); the operations apply atomically, in order.`,
      required: ['schemas', 'Operations'],
      properties: {
        schemas: { type: 'array', items: { type: 'string', const: PATCH_OP_SCHEMA }, minItems: 1 },
        Operations: {
          type: 'array',
          minItems: 1,
          maxItems: MAX_PATCH_OPERATIONS,
          items: ref(COMPONENTS.patchOperation),
        },
      },
    },
    [COMPONENTS.searchRequest]: {
      type: 'object',
      description: 'Query by POST (RFC 7644 §3.4.3), with RFC 9865 cursor paging.',
      properties: {
        schemas: { type: 'array', items: { type: 'string', const: SEARCH_REQUEST_SCHEMA } },
        attributes: { type: 'array', items: { type: 'string' } },
        excludedAttributes: { type: 'array', items: { type: 'string' } },
        filter: { type: 'string', maxLength: DEFAULT_FILTER_LIMITS.maxLength },
        sortBy: { type: 'string' },
        sortOrder: { type: 'string', enum: ['ascending', 'descending'] },
        startIndex: { type: 'integer' },
        count: { type: 'integer', minimum: 0, maximum: PAGING.maxCount },
        cursor: { type: 'string', description: 'Empty for the first page, then the previous nextCursor.' },
      },
    },
    [COMPONENTS.serviceProviderConfig]: {
      type: 'object',
      description: 'What this server supports (RFC 7643 §5), with RFC 9865 `pagination`.',
      required: [
        'schemas',
        'patch',
        'bulk',
        'filter',
        'changePassword',
        'sort',
        'etag',
        'authenticationSchemes',
        'meta',
      ],
      properties: {
        schemas: { type: 'array', items: { type: 'string', const: SERVICE_PROVIDER_CONFIG_SCHEMA } },
        documentationUri: { type: 'string', format: 'uri' },
        patch: supported('PATCH (RFC 7644 §3.5.2).'),
        bulk: supported('Bulk (RFC 7644 §3.7).', {
          maxOperations: { type: 'integer', minimum: 0 },
          maxPayloadSize: { type: 'integer', minimum: 0 },
        }),
        filter: supported('Filtering (RFC 7644 §3.4.2.2).', { maxResults: { type: 'integer', minimum: 0 } }),
        changePassword: supported('Changing a password (RFC 7644 §3.5.2).'),
        sort: supported('sortBy and sortOrder (RFC 7644 §3.4.2.3).'),
        etag: supported('ETag, If-Match and If-None-Match (RFC 7644 §3.14).'),
        pagination: {
          type: 'object',
          description: 'RFC 9865 §4.',
          required: ['cursor', 'index'],
          properties: {
            cursor: bool,
            index: bool,
            defaultPaginationMethod: { type: 'string', enum: ['cursor', 'index'] },
            defaultPageSize: { type: 'integer', minimum: 1 },
            maxPageSize: { type: 'integer', minimum: 1 },
            cursorTimeout: { type: 'integer', minimum: 1 },
          },
          additionalProperties: false,
        },
        authenticationSchemes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['type', 'name', 'description'],
            properties: {
              type: { type: 'string', examples: ['oauthbearertoken'] },
              name: { type: 'string' },
              description: { type: 'string' },
              specUri: { type: 'string', format: 'uri' },
              documentationUri: { type: 'string', format: 'uri' },
              primary: bool,
            },
            additionalProperties: false,
          },
        },
        meta: discoveryMeta('ServiceProviderConfig'),
      },
      additionalProperties: false,
    },
    [COMPONENTS.schemaAttribute]: {
      type: 'object',
      description: 'An attribute definition (RFC 7643 §7).',
      required: ['name', 'type', 'multiValued', 'description', 'required', 'mutability', 'returned'],
      properties: {
        name: { type: 'string' },
        type: { type: 'string', enum: Object.keys(ATTRIBUTE_TYPE_SCHEMAS) },
        multiValued: bool,
        description: { type: 'string' },
        required: bool,
        canonicalValues: { type: 'array', items: { type: 'string' } },
        caseExact: bool,
        mutability: { type: 'string', enum: mutability },
        returned: { type: 'string', enum: ['always', 'never', 'default', 'request'] },
        uniqueness: { type: 'string', enum: ['none', 'server', 'global'] },
        referenceTypes: { type: 'array', items: { type: 'string' } },
        subAttributes: { type: 'array', items: ref(COMPONENTS.schemaAttribute) },
      },
      additionalProperties: false,
    },
    [COMPONENTS.schema]: {
      type: 'object',
      description: 'A resource schema (RFC 7643 §7).',
      required: ['schemas', 'id', 'attributes', 'meta'],
      properties: {
        schemas: { type: 'array', items: { type: 'string', const: SCHEMA_SCHEMA } },
        id: { type: 'string', description: 'The schema URN.' },
        name: { type: 'string' },
        description: { type: 'string' },
        attributes: { type: 'array', items: ref(COMPONENTS.schemaAttribute) },
        meta: discoveryMeta('Schema'),
      },
      additionalProperties: false,
    },
    [COMPONENTS.resourceType]: {
      type: 'object',
      description: 'A resource type (RFC 7643 §6).',
      required: ['schemas', 'id', 'name', 'endpoint', 'schema', 'meta'],
      properties: {
        schemas: { type: 'array', items: { type: 'string', const: RESOURCE_TYPE_SCHEMA } },
        id: { type: 'string' },
        name: { type: 'string' },
        endpoint: { type: 'string' },
        description: { type: 'string' },
        schema: { type: 'string' },
        schemaExtensions: {
          type: 'array',
          items: {
            type: 'object',
            required: ['schema', 'required'],
            properties: { schema: { type: 'string' }, required: bool },
            additionalProperties: false,
          },
        },
        meta: discoveryMeta('ResourceType'),
      },
      additionalProperties: false,
    },
    [COMPONENTS.schemaList]: listResponseSchema(ref(COMPONENTS.schema), 'Every schema (RFC 7644 §4).'),
    [COMPONENTS.resourceTypeList]: listResponseSchema(
      ref(COMPONENTS.resourceType),
      'Every resource type (RFC 7644 §4).',
    ),
  };
}

/**
 * The component schemas of the SCIM API, generated from the schema registry that validates requests:
 * each resource type as a response (`User`) and a request body (`UserInput`), their extensions
 * (`EnterpriseUser`), list responses, and the SCIM messages (PatchOp, SearchRequest, Error) and
 * discovery resources.
 */
export function registryToOpenApi(registry: SchemaRegistry): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = staticSchemas();
  const meta = registry.commonAttributes.find((a) => a.name === 'meta');
  if (!meta) throw new Error('The registry has no common attribute meta');
  schemas[COMPONENTS.meta] = {
    ...attributeSchema(meta, 'response', 'meta'),
    description: 'Resource metadata (RFC 7643 §3.1).',
  };
  for (const resourceType of registry.resourceTypes) {
    const type = resourceType.name;
    schemas[COMPONENTS.resource(type)] = resourceSchema(registry, type, 'response');
    schemas[COMPONENTS.resourceInput(type)] = resourceSchema(registry, type, 'request');
    schemas[COMPONENTS.resourceList(type)] = listResponseSchema(
      ref(COMPONENTS.resource(type)),
      `A page of ${resourceType.endpoint.slice(1)} (RFC 7644 §3.4.2, RFC 9865).`,
      { cursorPaging: true },
    );
    for (const ext of registry.schemasOf(type).extensions) {
      for (const direction of ['response', 'request'] as const) {
        schemas[extensionName(ext.schema, direction)] = extensionSchema(ext.schema, direction);
      }
    }
  }
  schemas[COMPONENTS.anyResourceList] = listResponseSchema(
    { anyOf: registry.resourceTypes.map((rt) => ref(COMPONENTS.resource(rt.name))) },
    'A page of resources of every type (POST /.search, RFC 7644 §3.4.3); `schemas` tells their type.',
  );
  return schemas;
}
