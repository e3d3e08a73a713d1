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
    /** Computed by PostgreSQL, never written: what filters and sorting compare (see UserEntity). */
    displayNameLower: p.text().generated('(lower(display_name)) stored'),
    createdAt: p.datetime(),
    lastModified: p.datetime(),
    version: p.integer().default(1),
    data: p.json<Record<string, unknown>>().columnType('jsonb'),
  },
  // displayName is unique per tenant case-insensitively (Okta links groups by it).
  uniques: [{ name: 'scim_group_display_name_lower_uq', properties: ['tenantId', 'displayNameLower'] }],
});
