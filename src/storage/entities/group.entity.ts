import { defineEntity, p } from '@mikro-orm/core';

/** A SCIM Group; its members live in scim_membership, never in `data`. See docs/storage-model.md. */
export const GroupEntity = defineEntity({
  name: 'ScimGroup',
  tableName: 'scim_group',
  properties: {
    tenantId: p.uuid().primary(),
    id: p.uuid().primary(),
    displayName: p.text(),
    externalId: p.text().nullable(),
    createdAt: p.datetime(),
    lastModified: p.datetime(),
    version: p.integer().default(1),
    data: p.json<Record<string, unknown>>().columnType('jsonb'),
  },
});
