import { defineEntity, p } from '@mikro-orm/core';

/**
 * A SCIM User. `data` holds the resource in canonical form (core attributes at the top level, extension
 * attributes under their URN); the columns duplicate what clients filter and sort on, so those
 * predicates use indexes. See docs/storage-model.md.
 */
export const UserEntity = defineEntity({
  name: 'ScimUser',
  tableName: 'scim_user',
  properties: {
    tenantId: p.uuid().primary(),
    id: p.uuid().primary(),
    userName: p.text(),
    externalId: p.text().nullable(),
    active: p.boolean().default(true),
    displayName: p.text().nullable(),
    givenName: p.text().nullable(),
    familyName: p.text().nullable(),
    primaryEmail: p.text().nullable(),
    /** Exactly what the identity provider sent; NULL when it sent none (the team role is then Viewer). */
    userType: p.text().nullable(),
    createdAt: p.datetime(),
    lastModified: p.datetime(),
    version: p.integer().default(1),
    data: p.json<Record<string, unknown>>().columnType('jsonb'),
  },
});
