import { ScimError } from '../errors.js';

/**
 * The lifetimes of the console's setup links and sessions (docs/console.md), as plain functions of
 * the current time so that they can be tested without waiting.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** A setup link works for 7 days unless the operator says otherwise. */
export const SETUP_LINK_DEFAULT_MS = 7 * DAY_MS;
/** A setup link may work for at most 30 days. */
export const SETUP_LINK_MAX_MS = 30 * DAY_MS;
/** A session ends 12 hours after sign-in, however active. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

export type ConsoleRole = 'operator' | 'tenantAdmin';

/** When a new setup link stops working: `requested` (in the future, at most 30 days ahead) or in 7 days. */
export function setupLinkExpiry(now: Date, requested?: Date): Date {
  if (requested === undefined) return new Date(now.getTime() + SETUP_LINK_DEFAULT_MS);
  if (requested.getTime() <= now.getTime()) {
    throw ScimError.badRequest('invalidValue', 'expiresAt must be in the future');
  }
  if (requested.getTime() > now.getTime() + SETUP_LINK_MAX_MS) {
    throw ScimError.badRequest('invalidValue', 'expiresAt must be at most 30 days ahead');
  }
  return requested;
}

/**
 * When a session started now ends at the latest: 12 hours on, or when the setup link it came through
 * expires, whichever is first (a link's holder never outlives the link). Idleness may end it sooner.
 */
export function sessionExpiry(now: Date, linkExpiresAt?: Date): Date {
  const absolute = now.getTime() + SESSION_LIFETIME_MS;
  return new Date(linkExpiresAt ? Math.min(absolute, linkExpiresAt.getTime()) : absolute);
}

/** Methods that change something: with a session cookie they must carry the CSRF token. */
export function isStateChanging(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/**
 * What a tenant admin's session may call on the operator API, from the route template (Fastify's
 * `/admin/v1/tenants/:id/...`), the method and the tenant id in the path: `allow`, `forbidden` (403:
 * operator-only), or `notFound` (404: another tenant, whose existence is not revealed).
 */
export function tenantAdminAccess(
  route: string,
  method: string,
  pathTenantId: string | undefined,
  ownTenantId: string,
): 'allow' | 'forbidden' | 'notFound' {
  const prefix = '/admin/v1/tenants/:id';
  if (route !== prefix && !route.startsWith(`${prefix}/`)) return 'forbidden';
  if (pathTenantId === undefined || pathTenantId.toLowerCase() !== ownTenantId.toLowerCase()) {
    return 'notFound';
  }
  // The tenant itself: read it, nothing else (renaming and deleting are the operator's).
  if (route === prefix) return method.toUpperCase() === 'GET' ? 'allow' : 'forbidden';
  // New setup links are the operator's to hand out: a link's holder cannot extend their own access.
  if (route.startsWith(`${prefix}/setup-links`)) return 'forbidden';
  // Webhook endpoints are the product's own plumbing: a link's holder cannot send the tenant's events
  // (with their users' data) to an address of their choosing.
  if (route.startsWith(`${prefix}/webhook-endpoints`)) return 'forbidden';
  return 'allow';
}
