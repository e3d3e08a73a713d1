import type { ScimResource } from '../../domain/schema/types.js';

/** The indexed columns of scim_user, derived from the stored resource (see docs/storage-model.md). */
export interface UserColumns {
  user_name: string;
  external_id: string | null;
  active: boolean;
  display_name: string | null;
  given_name: string | null;
  family_name: string | null;
  primary_email: string | null;
  user_type: string | null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function userColumns(resource: ScimResource): UserColumns {
  const name = (resource.name ?? {}) as Record<string, unknown>;
  const emails = Array.isArray(resource.emails) ? (resource.emails as Record<string, unknown>[]) : [];
  const primary = emails.find((email) => email.primary === true) ?? emails[0];
  return {
    user_name: resource.userName as string,
    external_id: text(resource.externalId),
    // The stored form always carries `active` (validateResource); a provisioned user is active until told not to be.
    active: resource.active !== false,
    display_name: text(resource.displayName),
    given_name: text(name.givenName),
    family_name: text(name.familyName),
    primary_email: text(primary?.value),
    user_type: text(resource.userType),
  };
}
