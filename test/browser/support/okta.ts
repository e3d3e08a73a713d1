import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/okta');
export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** A recorded Okta request body (test/fixtures/okta), with its sample ids replaced. */
export function oktaFixture<T = Record<string, unknown>>(name: string, ids: Record<string, string> = {}): T {
  let text = readFileSync(resolve(FIXTURES, `${name}.json`), 'utf8');
  for (const [sample, id] of Object.entries(ids)) text = text.replaceAll(sample, id);
  return JSON.parse(text) as T;
}

export interface Answer {
  status: number;
  json: Record<string, unknown> & { id?: string };
}

/**
 * Okta's provisioning client as it calls a SCIM app: its user agent, the key as the admin pasted it
 * (Okta adds `Bearer`), SCIM media types (shared/reference/scim-clients.md §1).
 */
export function oktaClient(baseUrl: string, apiKey: string) {
  return async (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<Answer> => {
    const response = await fetch(`${baseUrl}/scim/v2${path}`, {
      method,
      headers: {
        'user-agent': 'Okta SCIM Client 1.0.0',
        authorization: `Bearer ${apiKey}`,
        accept: 'application/scim+json',
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Answer['json']) : {} };
  };
}

/** An Okta create (Push New Users): profile, primary work e-mail, Okta's user id, the role in userType. */
export function oktaUser(given: string, family: string, userType: string | undefined, oktaId: string) {
  const userName = `${given}.${family}@acme.example`.toLowerCase();
  return {
    schemas: [USER],
    userName,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId: oktaId,
    ...(userType ? { userType } : {}),
    groups: [],
    password: 'x9Kq2mzp',
    active: true,
  };
}
