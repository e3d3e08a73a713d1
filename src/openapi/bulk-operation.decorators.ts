import { applyDecorators } from '@nestjs/common';
import { BULK_METHODS } from '../domain/bulk/request.js';
import { BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA } from '../domain/schema/urns.js';
import { SCIM_MEDIA_TYPE } from '../http/scim-media-type.js';
import { ApiBody, ApiOperation, ApiResponse } from './doc-decorators.js';
import { BULK_EXAMPLES, type Example } from './examples.js';
import { commonErrors } from './scim-operation.decorators.js';
import { COMPONENTS, ref, type JsonSchema } from './registry-to-openapi.js';

/** The component schemas of /Bulk (RFC 7644 §3.7). */
export const BULK_COMPONENTS = {
  request: 'BulkRequest',
  operation: 'BulkOperation',
  response: 'BulkResponse',
  result: 'BulkOperationResult',
} as const;

export function bulkSchemas(): Record<string, JsonSchema> {
  return {
    [BULK_COMPONENTS.request]: {
      type: 'object',
      description:
        'Bulk request (RFC 7644 §3.7): operations on Users and Groups, each its own unit. At most ' +
        'ServiceProviderConfig `bulk.maxOperations` operations and `bulk.maxPayloadSize` bytes (413 beyond).',
      required: ['schemas', 'Operations'],
      properties: {
        schemas: { type: 'array', items: { type: 'string', const: BULK_REQUEST_SCHEMA }, minItems: 1 },
        failOnErrors: {
          type: 'integer',
          minimum: 1,
          description: 'Stop after this many failed operations; the answer lists the operations that ran.',
        },
        Operations: { type: 'array', minItems: 1, items: ref(BULK_COMPONENTS.operation) },
      },
    },
    [BULK_COMPONENTS.operation]: {
      type: 'object',
      required: ['method', 'path'],
      properties: {
        method: { type: 'string', enum: [...BULK_METHODS] },
        bulkId: {
          type: 'string',
          description:
            'Required with POST: other operations name the new resource `bulkId:<bulkId>` in a `value` ' +
            '(members, manager, PATCH values) or in their path (`/Groups/bulkId:<bulkId>`).',
        },
        version: { type: 'string', description: 'If-Match of this operation (an ETag, e.g. `W/"3"`).' },
        path: {
          type: 'string',
          description: '`/Users` or `/Groups` for POST; `/Users/{id}` or `/Groups/{id}` otherwise.',
        },
        data: {
          type: 'object',
          additionalProperties: true,
          description: 'The body of the single request: a User, a Group or a PatchOp. None for DELETE.',
        },
      },
    },
    [BULK_COMPONENTS.response]: {
      type: 'object',
      description: 'Bulk response (RFC 7644 §3.7.3): one result per operation that ran, in request order.',
      required: ['schemas', 'Operations'],
      properties: {
        schemas: { type: 'array', items: { type: 'string', const: BULK_RESPONSE_SCHEMA }, minItems: 1 },
        Operations: { type: 'array', items: ref(BULK_COMPONENTS.result) },
      },
      additionalProperties: false,
    },
    [BULK_COMPONENTS.result]: {
      type: 'object',
      required: ['method', 'status'],
      properties: {
        method: { type: 'string' },
        bulkId: { type: 'string' },
        version: { type: 'string', description: 'The ETag of the resource after the operation.' },
        location: { type: 'string', format: 'uri' },
        status: {
          type: 'string',
          pattern: '^[1-5][0-9]{2}$',
          description: 'The HTTP status of the operation, as a string (RFC 7644 §3.7.3).',
        },
        response: { ...ref(COMPONENTS.error), description: 'The SCIM error of a failed operation.' },
      },
      additionalProperties: false,
    },
  };
}

function scimContent(schema: JsonSchema, examples?: Record<string, Example>) {
  return { [SCIM_MEDIA_TYPE]: { schema, ...(examples ? { examples } : {}) } };
}

function error(status: number, description: string): MethodDecorator {
  return ApiResponse({ status, description, content: scimContent(ref(COMPONENTS.error)) });
}

/** POST /scim/v2/Bulk. */
export function BulkOperationDoc(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Run many operations in one request',
      description:
        'POST /Bulk (RFC 7644 §3.7): POST, PUT, PATCH and DELETE of Users and Groups, each run as its ' +
        'single request would be (validation, If-Match through `version`, audit row, change events) and ' +
        'each its own unit: a failed one changes nothing of its own, the others stay. `bulkId:<id>` ' +
        'references, forward ones included, run in dependency order; circular ones are answered 409. ' +
        'Counts as one request per operation against the tenant rate limit.',
    }),
    ApiBody({
      schema: ref(BULK_COMPONENTS.request),
      required: true,
      examples: { bulk: BULK_EXAMPLES.request },
    }),
    ApiResponse({
      status: 200,
      description: "The result of every operation that ran (see each one's status).",
      content: scimContent(ref(BULK_COMPONENTS.response), { bulk: BULK_EXAMPLES.response }),
    }),
    error(400, 'Not a BulkRequest (invalidSyntax) or a bad failOnErrors (invalidValue).'),
    error(
      413,
      'More operations than bulk.maxOperations, or a body larger than bulk.maxPayloadSize (RFC 7644 §3.7.4).',
    ),
    error(415, 'The body is neither application/scim+json nor application/json.'),
    // 401, 429 (a Bulk request counts as its operations), 500, 503: as every SCIM route.
    ...commonErrors(),
  );
}

/** /scim/v2/Me, any method: 501 (RFC 7644 §3.11), since a tenant API key stands for no user. */
export function MeOperationDoc(method: string): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: `${method} /Me: not implemented`,
      description:
        'RFC 7644 §3.11: /Me is the authenticated subject. Requests authenticate with a tenant API key, ' +
        'which is no user, so every /Me request answers 501 with a SCIM error.',
    }),
    error(501, 'Not implemented: a tenant API key has no subject.'),
    ...commonErrors(),
  );
}
