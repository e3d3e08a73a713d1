import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiQuery, ApiResponse } from './doc-decorators.js';
import { DEFAULT_FILTER_LIMITS } from '../domain/filter/parser.js';
import { PAGING } from '../domain/list/list-query.js';
import { MAX_PATCH_OPERATIONS } from '../domain/patch/request.js';
import { resourceTypeResources } from '../domain/discovery/resource-types.js';
import { serviceProviderConfig } from '../domain/discovery/service-provider-config.js';
import { discoveryList } from '../domain/discovery/list.js';
import type { ResourceTypeName } from '../domain/schema/types.js';
import { SCIM_MEDIA_TYPE } from '../http/scim-media-type.js';
import {
  ERROR_EXAMPLES,
  GROUP_EXAMPLES,
  LIST_EXAMPLES,
  PATCH_EXAMPLES,
  SEARCH_EXAMPLES,
  USER_EXAMPLES,
  type Example,
} from './examples.js';
import { COMPONENTS, ref, type JsonSchema } from './registry-to-openapi.js';
import { scimRegistry } from '../modules/scim/scim-registry.js';

/**
 * OpenAPI decorators of the SCIM routes: operation, request body, parameters and every response with
 * its status, SCIM media type and component schema from the registry (registry-to-openapi.ts). The
 * contract tests fail on any status a route answers that is not listed here.
 */
export type ScimOperationKind = 'create' | 'get' | 'list' | 'search' | 'replace' | 'patch' | 'delete';

export interface ScimOperationOptions {
  resource: ResourceTypeName;
  kind: ScimOperationKind;
}

type Examples = Record<string, Example>;

const ENDPOINT: Record<ResourceTypeName, string> = { User: 'Users', Group: 'Groups' };
const NOUN: Record<ResourceTypeName, string> = { User: 'user', Group: 'group' };

function scimContent(schema: JsonSchema, examples?: Examples) {
  return { [SCIM_MEDIA_TYPE]: { schema, ...(examples ? { examples } : {}) } };
}

interface HeaderDoc {
  description: string;
  required?: boolean;
}

function headers(docs: Record<string, HeaderDoc>) {
  return Object.fromEntries(
    Object.entries(docs).map(([name, { description, required }]) => [
      name,
      { description, schema: { type: 'string' }, ...(required ? { required: true } : {}) },
    ]),
  );
}

const ETAG_HEADER: HeaderDoc = {
  description: 'The version of the resource (RFC 7644 §3.14), as in meta.version.',
};

function errorResponse(status: number, description: string, examples?: Examples): MethodDecorator {
  const extraHeaders =
    status === 401
      ? headers({ 'WWW-Authenticate': { description: 'Bearer realm="scim"', required: true } })
      : status === 429 || status === 503
        ? headers({ 'Retry-After': { description: 'Seconds to wait before retrying.', required: true } })
        : status === 405
          ? headers({ Allow: { description: 'The methods the resource supports.', required: true } })
          : undefined;
  return ApiResponse({
    status,
    description,
    content: scimContent(ref(COMPONENTS.error), examples),
    ...(extraHeaders ? { headers: extraHeaders } : {}),
  });
}

/** Every SCIM route: authentication, rate limits, the generic server error and unavailability. */
export function commonErrors(): MethodDecorator[] {
  return [
    errorResponse(401, 'Missing or invalid tenant API key.', { unauthorized: ERROR_EXAMPLES.unauthorized }),
    errorResponse(
      429,
      "The tenant's request rate is exceeded, or this client address failed to authenticate too often; retry after Retry-After seconds.",
    ),
    errorResponse(500, 'Unexpected server error; the X-Request-Id response header identifies it in the log.'),
    errorResponse(
      503,
      'The database is unavailable or did not answer in time, or the server is shutting down; retry after Retry-After seconds.',
    ),
  ];
}

/** Errors of routes that take a request body. */
function bodyErrors(): MethodDecorator[] {
  return [
    errorResponse(
      413,
      `The body is larger than the server accepts (or more than ${MAX_PATCH_OPERATIONS} PATCH operations).`,
    ),
    errorResponse(415, 'The body is neither application/scim+json nor application/json.'),
  ];
}

const PROJECTION_QUERIES: MethodDecorator[] = [
  ApiQuery({
    name: 'attributes',
    required: false,
    description:
      'Comma-separated attributes to return (plus id and schemas) (RFC 7644 §3.9), e.g. `userName,displayName`.',
    schema: { type: 'string' },
  }),
  ApiQuery({
    name: 'excludedAttributes',
    required: false,
    description: 'Comma-separated attributes to leave out (RFC 7644 §3.9), e.g. `members` on Groups.',
    schema: { type: 'string' },
  }),
];

const LIST_QUERIES: MethodDecorator[] = [
  ApiQuery({
    name: 'filter',
    required: false,
    description:
      `SCIM filter (RFC 7644 §3.4.2.2), at most ${DEFAULT_FILTER_LIMITS.maxLength} characters, ` +
      'e.g. `userName eq "test.user@okta.local"`.',
    schema: { type: 'string' },
  }),
  ApiQuery({
    name: 'sortBy',
    required: false,
    description: 'Attribute path to sort by (RFC 7644 §3.4.2.3).',
    schema: { type: 'string' },
  }),
  ApiQuery({
    name: 'sortOrder',
    required: false,
    schema: { type: 'string', enum: ['ascending', 'descending'] },
  }),
  ApiQuery({
    name: 'startIndex',
    required: false,
    description: '1-based index of the first result (index paging); values below 1 mean 1.',
    schema: { type: 'integer' },
  }),
  ApiQuery({
    name: 'count',
    required: false,
    description: `Page size; default ${PAGING.defaultCount}, at most ${PAGING.maxCount} (larger values are clamped); 0 returns only totalResults.`,
    schema: { type: 'integer' },
  }),
  ApiQuery({
    name: 'cursor',
    required: false,
    description:
      'RFC 9865 cursor paging: empty for the first page, then the nextCursor of the previous page. ' +
      'Cursor pages carry no totalResults (RFC 9865 §2.2); count=0 still returns it.',
    schema: { type: 'string' },
  }),
];

const IF_MATCH = ApiHeader({
  name: 'If-Match',
  required: false,
  description: 'Apply only if the resource still has this version (an ETag); 412 otherwise (RFC 7644 §3.14).',
  schema: { type: 'string' },
});

const IF_NONE_MATCH = ApiHeader({
  name: 'If-None-Match',
  required: false,
  description: 'Answer 304 without a body if the resource still has this version (RFC 7644 §3.14).',
  schema: { type: 'string' },
});

const ID_PARAM = (resource: ResourceTypeName) =>
  ApiParam({ name: 'id', description: `The ${NOUN[resource]}'s id (a UUID).`, schema: { type: 'string' } });

function resourceExamples(resource: ResourceTypeName): {
  create: Examples;
  replace: Examples;
  response: Examples;
} {
  if (resource === 'User') {
    return {
      create: { oktaCreate: USER_EXAMPLES.oktaCreate, entraCreate: USER_EXAMPLES.entraCreate },
      replace: { oktaReplace: USER_EXAMPLES.oktaReplace },
      response: { user: USER_EXAMPLES.response },
    };
  }
  return {
    create: { oktaCreate: GROUP_EXAMPLES.oktaCreate },
    replace: { oktaReplace: GROUP_EXAMPLES.oktaReplace },
    response: { group: GROUP_EXAMPLES.response },
  };
}

/**
 * Decorates one /Users or /Groups route, e.g. `@ScimOperation({ resource: 'User', kind: 'create' })` on
 * createUser: summary, body, parameters and every status it may answer.
 */
export function ScimOperation({ resource, kind }: ScimOperationOptions): MethodDecorator {
  const noun = NOUN[resource];
  const path = `/${ENDPOINT[resource]}`;
  const examples = resourceExamples(resource);
  const resourceContent = scimContent(ref(COMPONENTS.resource(resource)), examples.response);
  const listContent = scimContent(ref(COMPONENTS.resourceList(resource)), LIST_EXAMPLES[resource]);
  const body = (schema: string, bodyExamples: Examples, required = true) =>
    ApiBody({ schema: ref(schema), examples: bodyExamples, required });
  const notFound = errorResponse(404, `No ${noun} with this id in the tenant.`, {
    notFound: ERROR_EXAMPLES.notFound,
  });
  const preconditionFailed = errorResponse(412, 'If-Match names another version than the current one.');
  const conflict = (what: string) =>
    errorResponse(409, `${what} (scimType uniqueness).`, { uniqueness: ERROR_EXAMPLES.uniqueness });
  const unique =
    resource === 'User' ? 'Another user has this userName' : 'Another group has this displayName';

  const decorators: MethodDecorator[] = [...commonErrors()];
  switch (kind) {
    case 'create':
      decorators.push(
        ApiOperation({
          summary: `Create a ${noun}`,
          description: `POST ${path} (RFC 7644 §3.3). Answers the ${noun} with its id and a Location header.`,
        }),
        body(COMPONENTS.resourceInput(resource), examples.create),
        ...PROJECTION_QUERIES,
        ApiResponse({
          status: 201,
          description: `The ${noun} was created.`,
          content: resourceContent,
          headers: headers({
            Location: { description: `The URL of the new ${noun} (meta.location).`, required: true },
            ETag: ETAG_HEADER,
          }),
        }),
        errorResponse(400, 'The body is not a valid resource (invalidSyntax, invalidValue).'),
        conflict(unique),
        ...bodyErrors(),
      );
      break;
    case 'get':
      decorators.push(
        ApiOperation({ summary: `Get a ${noun}`, description: `GET ${path}/{id} (RFC 7644 §3.4.1).` }),
        ID_PARAM(resource),
        ...PROJECTION_QUERIES,
        IF_NONE_MATCH,
        ApiResponse({
          status: 200,
          description: `The ${noun}.`,
          content: resourceContent,
          headers: headers({ ETag: ETAG_HEADER }),
        }),
        ApiResponse({
          status: 304,
          description: 'If-None-Match named the current version; no body.',
          headers: headers({ ETag: { ...ETAG_HEADER, required: true } }),
        }),
        errorResponse(400, 'attributes or excludedAttributes is not a list of attribute paths.'),
        notFound,
      );
      break;
    case 'list':
    case 'search':
      decorators.push(
        ApiOperation(
          kind === 'list'
            ? {
                summary: `List ${noun}s`,
                description:
                  `GET ${path} (RFC 7644 §3.4.2): filter, sort, index or cursor paging. ` +
                  'No match is 200 with an empty list, never 404.',
              }
            : {
                summary: `Search ${noun}s`,
                description: `POST ${path}/.search (RFC 7644 §3.4.3): a list query in the body.`,
              },
        ),
        ...(kind === 'list'
          ? [...LIST_QUERIES, ...PROJECTION_QUERIES]
          : [
              body(
                COMPONENTS.searchRequest,
                resource === 'User'
                  ? { byUserName: SEARCH_EXAMPLES.byUserName }
                  : { byDisplayName: SEARCH_EXAMPLES.byDisplayName },
                false,
              ),
              ...bodyErrors(),
            ]),
        ApiResponse({ status: 200, description: `A page of ${noun}s.`, content: listContent }),
        errorResponse(
          400,
          'Invalid filter (invalidFilter), too complex a filter (tooMany), bad sortBy, count or attributes ' +
            '(invalidValue) or cursor (invalidCursor).',
        ),
      );
      break;
    case 'replace':
      decorators.push(
        ApiOperation({
          summary: `Replace a ${noun}`,
          description:
            `PUT ${path}/{id} (RFC 7644 §3.5.1): the body replaces every writable attribute; readOnly ` +
            'attributes in it are ignored. Never creates.',
        }),
        ID_PARAM(resource),
        body(COMPONENTS.resourceInput(resource), examples.replace),
        ...PROJECTION_QUERIES,
        IF_MATCH,
        ApiResponse({
          status: 200,
          description: `The ${noun} after the replace.`,
          content: resourceContent,
          headers: headers({ ETag: ETAG_HEADER }),
        }),
        errorResponse(400, 'The body is not a valid resource (invalidSyntax, invalidValue, mutability).'),
        notFound,
        conflict(unique),
        preconditionFailed,
        ...bodyErrors(),
      );
      break;
    case 'patch':
      decorators.push(
        ApiOperation({
          summary: `Patch a ${noun}`,
          description:
            `PATCH ${path}/{id} (RFC 7644 §3.5.2): add, remove and replace operations, all or nothing. ` +
            "Okta's path-less replace and Entra's title-case ops and string booleans are accepted.",
        }),
        ID_PARAM(resource),
        body(COMPONENTS.patchOp, PATCH_EXAMPLES[resource]),
        ...PROJECTION_QUERIES,
        IF_MATCH,
        ApiResponse({
          status: 200,
          description: `The ${noun} after the operations.`,
          content: resourceContent,
          headers: headers({ ETag: ETAG_HEADER }),
        }),
        errorResponse(
          400,
          'Invalid request (invalidSyntax), path (invalidPath), value (invalidValue), no match for a remove ' +
            'filter (noTarget) or a readOnly/immutable target (mutability).',
        ),
        notFound,
        conflict(unique),
        preconditionFailed,
        ...bodyErrors(),
      );
      break;
    case 'delete':
      decorators.push(
        ApiOperation({ summary: `Delete a ${noun}`, description: `DELETE ${path}/{id} (RFC 7644 §3.6).` }),
        ID_PARAM(resource),
        IF_MATCH,
        ApiResponse({ status: 204, description: `The ${noun} was deleted.` }),
        errorResponse(400, 'A request body was sent and is not valid JSON.'),
        notFound,
        preconditionFailed,
      );
      break;
  }
  return applyDecorators(...decorators);
}

/** POST /.search at the root (RFC 7644 §3.4.3): one query over every resource type. */
export function ScimSearchAllOperation(): MethodDecorator {
  return applyDecorators(
    ...commonErrors(),
    ApiOperation({
      summary: 'Search users and groups',
      description: 'POST /.search (RFC 7644 §3.4.3): one list query over every resource type.',
    }),
    ApiBody({
      schema: ref(COMPONENTS.searchRequest),
      required: false,
      examples: { byExternalId: SEARCH_EXAMPLES.byExternalId },
    }),
    ApiResponse({
      status: 200,
      description: 'A page of users and groups.',
      content: scimContent(ref(COMPONENTS.anyResourceList)),
    }),
    errorResponse(
      400,
      'Invalid filter (invalidFilter), too complex a filter (tooMany), bad sortBy, count or attributes ' +
        '(invalidValue) or cursor (invalidCursor).',
    ),
    ...bodyErrors(),
  );
}

export type DiscoveryOperationKind =
  'serviceProviderConfig' | 'listSchemas' | 'getSchema' | 'listResourceTypes' | 'getResourceType';

const EXAMPLE_BASE = 'https://scim.example.com';

/** Decorates one discovery route (RFC 7644 §4). */
export function DiscoveryOperation(kind: DiscoveryOperationKind): MethodDecorator {
  const filterRefused = errorResponse(
    403,
    'A filter was sent; discovery endpoints refuse filters (RFC 7644 §4).',
  );
  const ok = (schema: string, description: string, examples?: Examples) =>
    ApiResponse({ status: 200, description, content: scimContent(ref(schema), examples) });
  const decorators: MethodDecorator[] = [...commonErrors(), filterRefused];
  switch (kind) {
    case 'serviceProviderConfig':
      decorators.push(
        ApiOperation({
          summary: 'What this server supports',
          description: 'GET /ServiceProviderConfig (RFC 7643 §5, RFC 9865 §4).',
        }),
        ok(COMPONENTS.serviceProviderConfig, 'The service provider configuration.', {
          config: { summary: 'This server', value: serviceProviderConfig(EXAMPLE_BASE) },
        }),
      );
      break;
    case 'listSchemas':
      decorators.push(
        ApiOperation({ summary: 'List schemas', description: 'GET /Schemas (RFC 7644 §4, RFC 7643 §7).' }),
        ok(COMPONENTS.schemaList, 'Every schema: User, Group, Enterprise User.'),
      );
      break;
    case 'getSchema':
      decorators.push(
        ApiOperation({ summary: 'Get a schema', description: 'GET /Schemas/{urn} (RFC 7644 §4).' }),
        ApiParam({
          name: 'urn',
          description: 'The schema URN (case-insensitive).',
          // Pre-filled in Swagger UI's "Try it out".
          schema: { type: 'string', example: 'urn:ietf:params:scim:schemas:core:2.0:User' },
        }),
        ok(COMPONENTS.schema, 'The schema.'),
        errorResponse(404, 'No schema with this URN.'),
      );
      break;
    case 'listResourceTypes':
      decorators.push(
        ApiOperation({
          summary: 'List resource types',
          description: 'GET /ResourceTypes (RFC 7644 §4, RFC 7643 §6).',
        }),
        ok(COMPONENTS.resourceTypeList, 'Every resource type: User, Group.', {
          resourceTypes: {
            summary: 'This server',
            value: discoveryList(resourceTypeResources(EXAMPLE_BASE, scimRegistry)),
          },
        }),
      );
      break;
    case 'getResourceType':
      decorators.push(
        ApiOperation({
          summary: 'Get a resource type',
          description: 'GET /ResourceTypes/{name} (RFC 7644 §4).',
        }),
        ApiParam({
          name: 'name',
          description: 'The resource type name (case-insensitive).',
          schema: { type: 'string', example: 'User' },
        }),
        ok(COMPONENTS.resourceType, 'The resource type.'),
        errorResponse(404, 'No resource type with this name.'),
      );
      break;
  }
  return applyDecorators(...decorators);
}
