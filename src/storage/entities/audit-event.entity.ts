import { defineEntity, p } from '@mikro-orm/core';

/**
 * One SCIM write of a tenant: who (API key, request id), what (operation, resource) and which
 * attributes changed (names only, never values: they are PII). Written in the transaction of the change.
 */
export const AuditEventEntity = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  properties: {
    /** Increasing; the cursor of the newest-first listing. */
    id: p.bigint('string').primary().autoincrement(),
    tenantId: p.uuid(),
    occurredAt: p.datetime().defaultRaw('now()'),
    apiKeyId: p.uuid(),
    requestId: p.text(),
    operation: p.text(),
    resourceType: p.text(),
    resourceId: p.text(),
    attributes: p.array(),
  },
});
