import { EVENT_PAYLOAD_VERSION, EVENT_TYPES, type EventType } from '../domain/events/event-types.js';

type JsonSchema = Record<string, unknown>;

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** The component holding any change event (a oneOf over the types, discriminated by `type`). */
export const CHANGE_EVENT = 'ChangeEvent';

/** `user.member_added` → `GroupMemberAddedEvent`, `user.created` → `UserCreatedEvent`. */
export function eventComponentName(type: EventType): string {
  const pascal = type
    .split(/[._]/)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
  return `${pascal}Event`;
}

const version = {
  type: 'integer',
  const: EVENT_PAYLOAD_VERSION,
  description: 'The payload version (docs/events.md); fields may be added within a version.',
};

const eventMeta = (resourceType: 'User' | 'Group', withVersion: boolean): JsonSchema => ({
  type: 'object',
  required: withVersion ? ['resourceType', 'version'] : ['resourceType'],
  additionalProperties: false,
  properties: {
    resourceType: { type: 'string', const: resourceType },
    ...(withVersion
      ? { version: { type: 'string', description: 'The resource version (ETag) after the change' } }
      : {}),
  },
});

const resourceAfter = (resourceType: 'User' | 'Group'): JsonSchema => ({
  type: 'object',
  description: `The ${resourceType} as it is after the change: its SCIM representation (RFC 7643) without timestamps and location${resourceType === 'Group' ? ', and without members (member changes are events of their own)' : ''}.`,
  required: ['schemas', 'id', resourceType === 'User' ? 'userName' : 'displayName', 'meta'],
  properties: {
    schemas: { type: 'array', items: { type: 'string' } },
    id: { type: 'string', format: 'uuid' },
    externalId: { type: 'string' },
    ...(resourceType === 'User'
      ? {
          userName: { type: 'string' },
          active: { type: 'boolean' },
          userType: { type: 'string', description: 'The team role: Admin, Editor or Viewer' },
        }
      : { displayName: { type: 'string' } }),
    meta: eventMeta(resourceType, true),
  },
});

const resourceDeleted = (resourceType: 'User' | 'Group'): JsonSchema => {
  const name = resourceType === 'User' ? 'userName' : 'displayName';
  return {
    type: 'object',
    description: `The deleted ${resourceType}: its id, ${name} and externalId.`,
    required: ['id', name, 'externalId', 'meta'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', format: 'uuid' },
      [name]: { type: ['string', 'null'] },
      externalId: { type: ['string', 'null'] },
      meta: eventMeta(resourceType, false),
    },
  };
};

const changedAttributes = {
  type: 'array',
  items: { type: 'string' },
  description:
    'Names of the changed attributes (never their values), as the audit trail names them; extension attributes URN-qualified.',
};

const role = { type: 'string', enum: ['Admin', 'Editor', 'Viewer'] };

function data(properties: Record<string, JsonSchema>, description: string): JsonSchema {
  return {
    type: 'object',
    description,
    required: ['version', ...Object.keys(properties)],
    additionalProperties: false,
    properties: { version, ...properties },
  };
}

/** The `data` of each event type. */
const DATA: Record<EventType, JsonSchema> = {
  'user.created': data({ resource: ref('EventUser') }, 'A user was created.'),
  'user.updated': data(
    { resource: ref('EventUser'), changedAttributes },
    'Attributes of a user changed (also written, first, for a deactivation, a reactivation or a role change).',
  ),
  'user.deactivated': data({ resource: ref('EventUser') }, 'A user became inactive (active: false).'),
  'user.reactivated': data({ resource: ref('EventUser') }, 'An inactive user became active again.'),
  'user.role_changed': data(
    {
      resource: ref('EventUser'),
      role: {
        type: 'object',
        required: ['from', 'to'],
        additionalProperties: false,
        properties: { from: role, to: role },
      },
    },
    "A user's team role (userType; none is Viewer) changed.",
  ),
  'user.deleted': data({ resource: ref('EventDeletedUser') }, 'A user was deleted.'),
  'group.created': data(
    { resource: ref('EventGroup') },
    'A group was created (its members follow as group.member_added).',
  ),
  'group.updated': data(
    { resource: ref('EventGroup'), changedAttributes },
    "A group's own attributes changed (its members are events of their own).",
  ),
  'group.deleted': data({ resource: ref('EventDeletedGroup') }, 'A group was deleted, with its memberships.'),
  'group.member_added': data(
    { group: ref('EventGroupRef'), member: ref('EventMemberRef') },
    'A user or group became a direct member of a group.',
  ),
  'group.member_removed': data(
    { group: ref('EventGroupRef'), member: ref('EventMemberRef') },
    'A user or group stopped being a direct member of a group (also when the member was deleted).',
  ),
};

const envelope = (type: EventType): JsonSchema => ({
  type: 'object',
  description: (DATA[type] as { description: string }).description,
  required: ['id', 'type', 'tenantId', 'occurredAt', 'requestId', 'apiKeyId', 'data'],
  additionalProperties: false,
  properties: {
    id: {
      type: 'string',
      format: 'uuid',
      description: 'The event id (unique; the webhook-id of its deliveries)',
    },
    type: { type: 'string', const: type },
    tenantId: { type: 'string', format: 'uuid' },
    occurredAt: { type: 'string', format: 'date-time', description: 'When the write that made it began' },
    requestId: { type: 'string', description: 'The X-Request-Id of the SCIM request that made the change' },
    apiKeyId: { type: 'string', format: 'uuid', description: 'The API key of that request' },
    data: DATA[type],
  },
});

/** The event schemas for components.schemas: one per type, the payload parts and the ChangeEvent union. */
export function eventSchemas(): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {
    EventUser: resourceAfter('User'),
    EventGroup: resourceAfter('Group'),
    EventDeletedUser: resourceDeleted('User'),
    EventDeletedGroup: resourceDeleted('Group'),
    EventGroupRef: {
      type: 'object',
      description: 'The group, as it is when the member changes.',
      required: ['id', 'displayName', 'externalId'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', format: 'uuid' },
        displayName: { type: 'string' },
        externalId: { type: ['string', 'null'] },
      },
    },
    EventMemberRef: {
      type: 'object',
      required: ['value', 'type'],
      additionalProperties: false,
      properties: {
        value: { type: 'string', format: 'uuid', description: 'The member id' },
        type: { type: 'string', enum: ['User', 'Group'] },
      },
    },
    [CHANGE_EVENT]: {
      description: 'A change event of a SCIM write (docs/events.md), one of the types below.',
      oneOf: EVENT_TYPES.map((type) => ref(eventComponentName(type))),
      discriminator: {
        propertyName: 'type',
        mapping: Object.fromEntries(
          EVENT_TYPES.map((type) => [type, `#/components/schemas/${eventComponentName(type)}`]),
        ),
      },
    },
  };
  for (const type of EVENT_TYPES) schemas[eventComponentName(type)] = envelope(type);
  return schemas;
}

/** The Standard Webhooks headers (https://www.standardwebhooks.com) a delivery carries. */
const WEBHOOK_HEADERS = [
  [
    'webhook-id',
    'The event id: the same on every attempt and on a manual redelivery; deduplicate on it (delivery is at-least-once).',
  ],
  [
    'webhook-timestamp',
    'Seconds since the epoch when the attempt was signed; refuse one far from your clock (the Standard Webhooks libraries allow 5 minutes) against replays.',
  ],
  [
    'webhook-signature',
    'Space-separated `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` signatures, keyed with the base64-decoded part of the endpoint secret after `whsec_`: one per secret, two during the grace period after a rotation (the new and the old secret). Accept the request when any one matches.',
  ],
].map(([name, description]) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string' },
}));

/**
 * OpenAPI 3.1 `webhooks`: one per event type, the body a receiver gets (the event exactly as the events
 * API returns it), with the Standard Webhooks headers. Delivery (order, retries, disabling) is in
 * docs/events.md.
 */
export function eventWebhooks(): Record<string, JsonSchema> {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          operationId: `webhook_${type.replace('.', '_')}`,
          summary: (DATA[type] as { description: string }).description,
          tags: ['events'],
          // Not a bearer token: the receiver verifies the Standard Webhooks signature headers below.
          security: [],
          parameters: WEBHOOK_HEADERS,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref(eventComponentName(type)) } },
          },
          responses: {
            '200': {
              description:
                'Any 2xx answer within 10 s acknowledges the event. Anything else (a 3xx too: redirects are not followed), a timeout or a refused connection is retried with exponential backoff for about 3 days (docs/events.md, "Webhooks").',
            },
          },
        },
      },
    ]),
  );
}
