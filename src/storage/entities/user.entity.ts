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
    // Lowercase copies of the case-insensitive columns, computed by PostgreSQL and never written: filters
    // and sorting compare these (`user_name_lower = lower($1)`), which stay index conditions under
    // row-level security where `lower(user_name) = lower($1)` does not (docs/storage-model.md).
    userNameLower: p.text().generated('(lower(user_name)) stored'),
    displayNameLower: p.text().nullable().generated('(lower(display_name)) stored'),
    familyNameLower: p.text().nullable().generated('(lower(family_name)) stored'),
    primaryEmailLower: p.text().nullable().generated('(lower(primary_email)) stored'),
    // The team API's order and role filter (src/modules/team): the role as the team sees it (userType
    // case-insensitively; absent or unknown is Viewer, as domain/team/roles.ts) and the name it sorts by.
    teamRole: p
      .text()
      .generated(
        "(case lower(user_type) when 'admin' then 'Admin' when 'editor' then 'Editor' else 'Viewer' end) stored",
      ),
    teamNameLower: p
      .text()
      .generated(
        "(lower(coalesce(display_name, nullif(btrim(coalesce(given_name, '') || ' ' || coalesce(family_name, '')), ''), user_name))) stored",
      ),
    createdAt: p.datetime(),
    lastModified: p.datetime(),
    version: p.integer().default(1),
    data: p.json<Record<string, unknown>>().columnType('jsonb'),
  },
  // userName is unique per tenant case-insensitively (RFC 7643 §4.1.1; Okta links users by it).
  uniques: [{ name: 'scim_user_user_name_lower_uq', properties: ['tenantId', 'userNameLower'] }],
  indexes: [
    { name: 'scim_user_display_name_lower_idx', properties: ['tenantId', 'displayNameLower'] },
    { name: 'scim_user_family_name_lower_idx', properties: ['tenantId', 'familyNameLower'] },
    { name: 'scim_user_primary_email_lower_idx', properties: ['tenantId', 'primaryEmailLower'] },
    // Keyset pages of the team API: by name, and by role then name.
    { name: 'scim_user_team_name_idx', properties: ['tenantId', 'teamNameLower', 'id'] },
    { name: 'scim_user_team_role_idx', properties: ['tenantId', 'teamRole', 'teamNameLower', 'id'] },
  ],
});
