import { defineEntity, p } from '@mikro-orm/core';

/**
 * The outbox: one change of a tenant's users or groups, written in the transaction of the write that
 * made it (docs/events.md). Readers page through it in commit-safe order, (xid, seq): `xid` is the
 * writing transaction's id, the same for every event of one write, and an event is handed out only once
 * every transaction with a smaller id has ended (see EventsRepository.page).
 */
export const ChangeEventEntity = defineEntity({
  name: 'ChangeEvent',
  tableName: 'change_event',
  // The key, (tenant_id, xid, seq), is the tenant feed's order; its columns come first, in its order.
  properties: {
    tenantId: p.uuid().primary(),
    /**
     * The writing transaction (pg_current_xact_id(), 64 bits: never wraps around), or the `xid` of the
     * resource's previous event when that is larger (EventsRepository: commit order per resource).
     */
    xid: p.string().columnType('xid8').primary().defaultRaw('pg_current_xact_id()'),
    /** Increasing in insertion order; orders the events of one transaction. */
    seq: p.bigint('string').primary().autoincrement(),
    /** The public id of the event (the webhook-id of its deliveries). */
    id: p.uuid().defaultRaw('gen_random_uuid()'),
    type: p.text(),
    occurredAt: p.datetime().defaultRaw('now()'),
    requestId: p.text(),
    apiKeyId: p.uuid(),
    resourceType: p.text(),
    resourceId: p.uuid(),
    data: p.json<Record<string, unknown>>().columnType('jsonb'),
  },
  primaryKeys: ['tenantId', 'xid', 'seq'],
  indexes: [
    // The all-tenants feed, the webhooks' fan-out and pruning (a prefix of this order).
    { name: 'change_event_order_idx', properties: ['xid', 'seq'] },
    // change_event_resource_idx, the newest event of a resource, is partial (no entry for a creation),
    // hand-written in the migration LeanChangeEvents: the entity model does not express it. Nothing
    // reads it since event positions are taken without a lookup (EventsRepository); instances of the
    // earlier release still do during a rolling upgrade, so it is dropped one release later.
  ],
});

/**
 * Per tenant, the newest event pruned (in (xid, seq) order): a cursor below it may have missed pruned
 * events and is answered 410 Gone.
 */
export const ChangeEventHorizonEntity = defineEntity({
  name: 'ChangeEventHorizon',
  tableName: 'change_event_horizon',
  properties: {
    tenantId: p.uuid().primary(),
    xid: p.string().columnType('xid8'),
    seq: p.bigint('string'),
  },
});
