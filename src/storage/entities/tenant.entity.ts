import { defineEntity, p } from '@mikro-orm/core';

/** A customer of the product. Every SCIM row belongs to exactly one tenant. */
export const TenantEntity = defineEntity({
  name: 'Tenant',
  tableName: 'tenant',
  properties: {
    id: p.uuid().primary(),
    name: p.text(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
