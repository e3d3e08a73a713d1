import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LightMyRequestResponse } from 'fastify';

/** A console session as a browser holds it: the cookie (sent back as is) and the CSRF token. */
export interface ConsoleSession {
  cookie: string;
  csrfToken: string;
  body: Record<string, unknown>;
  response: LightMyRequestResponse;
}

/** The `Set-Cookie` header of a response, as one string. */
export function setCookieOf(response: LightMyRequestResponse): string | undefined {
  const header = response.headers['set-cookie'];
  return Array.isArray(header) ? header.join('\n') : header;
}

/** Signs in through POST /console/api/session and returns what a browser keeps. */
export async function signIn(
  app: NestFastifyApplication,
  credentials: { setupToken: string } | { adminToken: string },
  headers: Record<string, string> = {},
): Promise<ConsoleSession> {
  const response = await app.inject({
    method: 'POST',
    url: '/console/api/session',
    headers,
    payload: credentials,
  });
  if (response.statusCode !== 201) {
    throw new Error(`sign-in answered ${response.statusCode}: ${response.body}`);
  }
  const cookie = /scim_console=([^;]*)/.exec(setCookieOf(response) ?? '')?.[1];
  if (!cookie) throw new Error('sign-in set no scim_console cookie');
  const body = response.json<Record<string, unknown>>();
  return { cookie: `scim_console=${cookie}`, csrfToken: String(body.csrfToken), body, response };
}

/** The token of a setup link's URL (its fragment). */
export function tokenOf(url: string): string {
  return url.slice(url.indexOf('#') + 1);
}

/** A request with the session cookie, and the CSRF token on a state-changing method (unless `csrf: false`). */
export function withSession(
  app: NestFastifyApplication,
  session: ConsoleSession,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  { csrf = true }: { csrf?: boolean } = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    headers: {
      cookie: session.cookie,
      ...(csrf && method !== 'GET' ? { 'x-csrf-token': session.csrfToken } : {}),
    },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}
