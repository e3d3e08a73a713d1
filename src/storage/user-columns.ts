import type { ScimResource } from '../domain/schema/types.js';
import { columnMap, text, type DerivedColumn, type DerivedColumns } from './resource-columns.js';

function primaryEmail(resource: ScimResource): string | null {
  const emails = Array.isArray(resource.emails) ? (resource.emails as Record<string, unknown>[]) : [];
  return text((emails.find((email) => email.primary === true) ?? emails[0])?.value);
}

function name(resource: ScimResource): Record<string, unknown> {
  return (resource.name ?? {}) as Record<string, unknown>;
}

/**
 * THE column map of scim_user (docs/storage-model.md): every column derived from the stored User,
 * with the attribute it holds. Inserts, updates, filters and sorting all read it; an indexed
 * attribute is one line here, the entity property and a migration; a case-insensitive one also gets
 * its `folded` lowercase copy (a generated column) and the index on that.
 */
export const USER_COLUMNS = {
  user_name: {
    attribute: 'userName',
    type: 'text',
    notNull: true,
    value: (r) => r.userName as string,
    folded: 'user_name_lower',
  },
  external_id: { attribute: 'externalId', type: 'text', notNull: false, value: (r) => text(r.externalId) },
  // The stored form always carries `active` (validateResource); a provisioned user is active until told not to be.
  active: { attribute: 'active', type: 'boolean', notNull: true, value: (r) => r.active !== false },
  display_name: {
    attribute: 'displayName',
    type: 'text',
    notNull: false,
    value: (r) => text(r.displayName),
    folded: 'display_name_lower',
  },
  given_name: {
    attribute: 'name.givenName',
    type: 'text',
    notNull: false,
    value: (r) => text(name(r).givenName),
  },
  family_name: {
    attribute: 'name.familyName',
    type: 'text',
    notNull: false,
    value: (r) => text(name(r).familyName),
    folded: 'family_name_lower',
  },
  // emails is multi-valued: filters on it read `data`; the column serves lookups by primary email.
  primary_email: { type: 'text', notNull: false, value: primaryEmail, folded: 'primary_email_lower' },
  user_type: { attribute: 'userType', type: 'text', notNull: false, value: (r) => text(r.userType) },
} satisfies DerivedColumns<'scim_user'> as Record<string, DerivedColumn>;

export const USER_COLUMN_MAP = columnMap('User', USER_COLUMNS);
