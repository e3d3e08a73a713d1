import { defineEntity, p } from '@mikro-orm/core';

/**
 * The health of a tenant's SCIM connection, as the console shows it: the identity provider's last
 * request and the last 4xx/5xx it got. Written off the request path, throttled per process
 * (src/modules/team/connection-health.service.ts): a view of the connection, never a log.
 */
export const ScimConnectionEntity = defineEntity({
  name: 'ScimConnection',
  tableName: 'scim_connection',
  properties: {
    tenantId: p.uuid().primary(),
    lastRequestAt: p.datetime().nullable(),
    lastRequestApiKeyId: p.uuid().nullable(),
    lastRequestUserAgent: p.text().nullable(),
    lastErrorAt: p.datetime().nullable(),
    lastErrorStatus: p.integer().nullable(),
    lastErrorScimType: p.text().nullable(),
    lastErrorDetail: p.text().nullable(),
    lastErrorMethod: p.text().nullable(),
    lastErrorPath: p.text().nullable(),
  },
});
