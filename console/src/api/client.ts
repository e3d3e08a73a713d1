/**
 * The console's only way to the server: openapi-fetch over the generated `paths` of clients/typescript,
 * with the session cookie (`credentials: 'include'`) and the CSRF token on every state-changing call.
 * The CSRF token lives in memory only (re-read from GET /console/api/session after a reload).
 */
import createClient, { type Middleware } from 'openapi-fetch';
import { ScimClientError, type paths as Paths } from '../../../clients/typescript/index.ts';

export type { Paths };
export { ScimClientError };

let csrfToken: string | undefined;

/** Remembers the session's CSRF token (undefined after sign-out). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** The session's CSRF token, for the routes whose type names the header (the middleware sends it anyway). */
export function currentCsrfToken(): string {
  return csrfToken ?? '';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE_METHODS.has(request.method) && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

/** Error answers throw (a SCIM error: status, scimType, detail), so a query's `data` is the success body. */
const throwOnError: Middleware = {
  async onResponse({ response }) {
    if (!response.ok) throw await ScimClientError.from(response);
    return response;
  },
};

export const api = createClient<Paths>({ baseUrl: window.location.origin, credentials: 'include' });
api.use(csrf, throwOnError);

/** The body of a success answer (errors have thrown already). */
export function body<T>(answer: { data?: T }): T {
  return answer.data as T;
}

/** A readable sentence for an error of the API (or of the network). */
export function describeError(error: unknown): string {
  if (error instanceof ScimClientError) {
    if (error.status === 401) return 'Your session has ended. Sign in again.';
    if (error.status === 403) return `Not allowed: ${error.detail}`;
    return error.detail || `The server answered ${error.status}.`;
  }
  if (error instanceof TypeError) return 'The server cannot be reached. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}

export function isStatus(error: unknown, status: number): boolean {
  return error instanceof ScimClientError && error.status === status;
}
