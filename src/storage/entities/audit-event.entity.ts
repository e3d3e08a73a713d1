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
    /** The API key of a SCIM write; NULL for a change made through the operator API or the console. */
    apiKeyId: p.uuid().nullable(),
    /**
     * Who made a change through the operator API or the console: `operator` (ADMIN_TOKEN or an operator
     * session) or `setup-link:<link id>` (a tenant admin's session); NULL for a SCIM write (its API key).
     */
    actor: p.text().nullable(),
    requestId: p.text(),
    operation: p.text(),
    resourceType: p.text(),
    resourceId: p.text(),
    attributes: p.array(),
  },
  // A resource's history (the console's member and group pages), newest first.
  indexes: [{ name: 'audit_event_resource_idx', properties: ['tenantId', 'resourceId', 'id'] }],
});
