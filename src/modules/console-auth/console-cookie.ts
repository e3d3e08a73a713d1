import type { FastifyRequest } from 'fastify';

/**
 * The console's session cookie. Read and written here rather than with @fastify/cookie: the server
 * reads exactly one cookie whose value it issued itself (base64url, nothing to decode or sign), and
 * a plugin would have to be registered on the shared Fastify instance for every route.
 */
export const SESSION_COOKIE = 'scim_console';

/** The session id the request's Cookie header carries, if it carries one that could be ours. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0 || part.slice(0, separator).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(separator + 1).trim();
    if (/^[A-Za-z0-9_-]{16,128}$/.test(value)) return value;
  }
  return undefined;
}

/**
 * Whether the request reached us over https: the socket's own TLS, or, with TRUST_PROXY only, the
 * proxy's X-Forwarded-Proto (its first value: the client's side of the first proxy).
 */
export function cameOverHttps(request: FastifyRequest, trustProxy: boolean): boolean {
  if ((request.raw.socket as { encrypted?: boolean } | undefined)?.encrypted) return true;
  if (!trustProxy) return false;
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/**
 * `Set-Cookie` for a session: HttpOnly (no script reads it), SameSite=Strict (no other site's page
 * sends it), Path=/ (the console and /admin/v1), Secure over https, ending with the session.
 */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'HttpOnly',
    'SameSite=Strict',
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** `Set-Cookie` that removes the session cookie (sign-out). */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}
