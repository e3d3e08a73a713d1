import { DEFAULT_USER_TYPE, USER_TYPES, type UserType } from '../schema/core-user.schema.js';

/** The team roles of the product, carried in a User's `userType` (docs/console.md). */
export const TEAM_ROLES = USER_TYPES;
export type TeamRole = UserType;

/**
 * The team role of a member: its userType matched case-insensitively against Admin, Editor and Viewer;
 * an absent, empty or unknown userType is Viewer (the least privilege). The server stores userType in
 * canonical case (core-user.schema.ts), but rows written before that rule, or by a future dialect, may
 * differ: the role never depends on it. The SQL twin is the generated column scim_user.team_role
 * (Migration20261201171542_Console); test/unit/team/roles.test.ts keeps the two equal.
 */
export function teamRoleOf(userType: unknown): TeamRole {
  if (typeof userType !== 'string') return DEFAULT_USER_TYPE;
  const lower = userType.toLowerCase();
  return TEAM_ROLES.find((role) => role.toLowerCase() === lower) ?? DEFAULT_USER_TYPE;
}

/** A role given in a query (`role=admin`), case-insensitively; undefined when it is none of the roles. */
export function parseTeamRole(value: string): TeamRole | undefined {
  const lower = value.toLowerCase();
  return TEAM_ROLES.find((role) => role.toLowerCase() === lower);
}
