import { defineEntity, p } from '@mikro-orm/core';

/**
 * A webhook endpoint (docs/events.md, "Webhooks"): one tenant's, or every tenant's when `tenantId` is
 * null. The signing secret is stored as issued (`whsec_…`): the server must read it to sign every
 * delivery, so it cannot be hashed like an API key. Only the table owner (the system path) reads this
 * table; requests, as the app role, have no grant on it.
 */
export const WebhookEndpointEntity = defineEntity({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoint',
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    /** The tenant whose events the endpoint receives; null: every tenant's. */
    tenantId: p.uuid().nullable(),
    url: p.text(),
    /** Only these event types; null: all. */
    eventTypes: p.array().nullable(),
    description: p.text().nullable(),
    secret: p.text(),
    /** The secret before the last rotation: still signs (beside the new one) until it expires. */
    previousSecret: p.text().nullable(),
    previousSecretExpiresAt: p.datetime().nullable(),
    disabled: p.boolean().default(false),
    /** Why it was disabled (by the operator, or after its deliveries failed for the whole retry schedule). */
    disabledReason: p.text().nullable(),
    /** Since when its deliveries fail (null: the last one succeeded). */
    failingSince: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [{ name: 'webhook_endpoint_tenant_idx', properties: ['tenantId', 'createdAt'] }],
});

/**
 * The fan-out cursor (one row): the position, in the events feed's (xid, seq) order, up to which
 * change events have been turned into deliveries. Moved forward in the transaction that inserts them.
 */
export const WebhookFanoutEntity = defineEntity({
  name: 'WebhookFanout',
  tableName: 'webhook_fanout',
  properties: {
    id: p.integer().primary(),
    xid: p.string().columnType('xid8'),
    seq: p.bigint('string'),
  },
});

/**
 * One event to send to one endpoint. Deliveries of the same endpoint and resource form a chain, sent
 * one after the other in `position` order (in order per resource); the chain's row
 * (WebhookChainEntity) says which position is next and carries the claim's lease.
 */
export const WebhookDeliveryEntity = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_delivery',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    endpointId: p.uuid(),
    /** The event's tenant. */
    tenantId: p.uuid(),
    eventId: p.uuid(),
    /** The event's position in the feed. */
    eventXid: p.string().columnType('xid8'),
    eventSeq: p.bigint('string'),
    resourceId: p.uuid(),
    /** Its place in its chain (endpoint, resource): 1, 2, 3… in the order it was queued (feed order). */
    position: p.bigint('string'),
    /** pending, delivered or failed (the retry schedule ran out, or the event was pruned first). */
    state: p.text().default('pending'),
    attempts: p.integer().default(0),
    /** When it is due again after a failed attempt (its chain's dueAt decides). */
    nextAttemptAt: p.datetime().defaultRaw('now()'),
    createdAt: p.datetime().defaultRaw('now()'),
    finishedAt: p.datetime().nullable(),
  },
  indexes: [
    // Stats and pruning: pending and finished deliveries.
    { name: 'webhook_delivery_queue_idx', properties: ['state', 'eventXid', 'eventSeq'] },
  ],
  uniques: [
    // A chain's pending deliveries by position: the claim reads its head and followers here. Unique:
    // one delivery per place (an empty chain row may be pruned and start again at 1).
    {
      name: 'webhook_delivery_chain_idx',
      properties: ['endpointId', 'resourceId', 'position'],
      where: `"state" = 'pending'`,
    },
  ],
});

/**
 * A chain: the deliveries of one endpoint and one resource, sent in order. `head` is the position of
 * the next delivery to send (the only one that may be sent), `tail` the last one queued; head > tail:
 * nothing pending. Queuing moves `tail`, recording an attempt that finishes the head moves `head`, in
 * the statements that do them, under this row's lock: the head is a fact the database keeps, and a
 * claim reads due chains only (the partial index on `dueAt`), whatever the backlog.
 */
export const WebhookChainEntity = defineEntity({
  name: 'WebhookChain',
  tableName: 'webhook_chain',
  properties: {
    endpointId: p.uuid().primary(),
    resourceId: p.uuid().primary(),
    /** The resource's tenant. */
    tenantId: p.uuid(),
    head: p.bigint('string').default(1),
    tail: p.bigint('string').default(0),
    /** When its head may be claimed: when queued, after a retry's backoff, or when a claim's lease ends. */
    dueAt: p.datetime().defaultRaw('now()'),
    /** The claim holding it (null: none); recording an attempt needs it. */
    leaseToken: p.uuid().nullable(),
  },
  // A claim reads each enabled endpoint's due chains in due order here: never a disabled endpoint's.
  indexes: [
    { name: 'webhook_chain_due_idx', properties: ['endpointId', 'dueAt'], where: `"head" <= "tail"` },
  ],
});

/** One attempt to send a delivery (or a test event): status, latency, the start of the answer, the error. */
export const WebhookAttemptEntity = defineEntity({
  name: 'WebhookAttempt',
  tableName: 'webhook_attempt',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    endpointId: p.uuid(),
    /** The event's tenant; null for a test event to an endpoint of every tenant. */
    tenantId: p.uuid().nullable(),
    /** Null for a test event. */
    deliveryId: p.bigint('string').nullable(),
    eventId: p.uuid(),
    eventType: p.text(),
    attemptedAt: p.datetime().defaultRaw('now()'),
    /** The HTTP status; null when no answer came (refused address, timeout, connection error). */
    status: p.integer().nullable(),
    latencyMs: p.integer(),
    /** The first 1 KiB of the answer's body. */
    responseBody: p.text().nullable(),
    error: p.text().nullable(),
  },
  indexes: [{ name: 'webhook_attempt_endpoint_idx', properties: ['endpointId', 'id'] }],
});
