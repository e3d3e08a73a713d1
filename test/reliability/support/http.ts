import { Contract } from '../../support/contract.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_JSON = 'application/scim+json; charset=utf-8';

export interface Answer {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The parsed body; undefined when it is empty or not JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RequestOptions {
  /** An object is sent as JSON, a string as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Upper bound before the request counts as hung (not a timing assertion). */
  timeoutMs?: number;
}

let contract: Contract | undefined;

/**
 * What a test file sent and saw: the figures of the closing note (requests sent, 5xx seen) and every
 * answer that broke the committed OpenAPI document.
 */
export class Traffic {
  sent = 0;
  serverErrors: string[] = [];
  contractViolations: string[] = [];
  /** Answers by method, resource and status, e.g. `POST Users 201`. */
  readonly statuses: Record<string, number> = {};
  /** Requests that got no HTTP answer (connection refused or reset, or hung past the bound). */
  noAnswer = 0;

  /** Check answers against the OpenAPI document (off where an outage makes 503s expected). */
  constructor(private readonly checkContract = true) {}

  record(answer: Answer, sentBody?: string): void {
    const resource = /\/scim\/v2\/(\w+)/.exec(answer.path)?.[1] ?? answer.path.split('?')[0];
    const key = `${answer.method} ${resource} ${answer.status}`;
    this.statuses[key] = (this.statuses[key] ?? 0) + 1;
    if (answer.status >= 500) {
      this.serverErrors.push(
        `${answer.method} ${answer.path} → ${answer.status} ${answer.text.slice(0, 300)}` +
          (sentBody === undefined ? '' : `\n  body sent: ${sentBody.slice(0, 500)}`),
      );
    }
    if (this.checkContract) {
      contract ??= Contract.fromFile();
      const violations = contract.check({
        method: answer.method,
        url: answer.path,
        status: answer.status,
        headers: answer.headers,
        body: answer.text,
      });
      this.contractViolations.push(...violations);
    }
  }

  summary(name: string, extra: Record<string, number | string> = {}): string {
    const figures = { requests: this.sent, '5xx': this.serverErrors.length, ...extra };
    return `[reliability] ${name}: ${Object.entries(figures)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ')}`;
  }
}

/** One HTTP request to a server of the test on 127.0.0.1; throws when no answer comes. */
export async function send(
  traffic: Traffic,
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Answer> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  traffic.sent++;
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: options.headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (error) {
    traffic.noAnswer++;
    throw new Error(`${method} ${path}: no answer (${explain(error)})`, { cause: error });
  }
  const text = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const answer: Answer = { method, path, status: response.status, headers, text, json };
  traffic.record(answer, body);
  return answer;
}

/** SCIM requests as one tenant: bearer key and SCIM media type, as Okta sends them. */
export class ScimClient {
  constructor(
    readonly traffic: Traffic,
    readonly baseUrl: string,
    readonly apiKey: string,
    /** Upper bound per request before it counts as hung. */
    readonly timeoutMs = 30_000,
  ) {}

  /** The same tenant on another server instance. */
  on(baseUrl: string): ScimClient {
    return new ScimClient(this.traffic, baseUrl, this.apiKey, this.timeoutMs);
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return send(this.traffic, this.baseUrl, method, path.startsWith('/') ? path : `/scim/v2/${path}`, {
      body,
      timeoutMs: this.timeoutMs,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': SCIM_JSON }),
        ...headers,
      },
    });
  }

  get = (path: string, headers?: Record<string, string>) => this.request('GET', path, undefined, headers);
  post = (path: string, body: unknown) => this.request('POST', path, body);
  put = (path: string, body: unknown) => this.request('PUT', path, body);
  patch = (path: string, body: unknown) => this.request('PATCH', path, body);
  delete = (path: string) => this.request('DELETE', path);
}

/** Creates a tenant and its first API key through the operator API. */
export async function createTenant(
  traffic: Traffic,
  baseUrl: string,
  adminToken: string,
  name = 'Reliability tenant',
): Promise<{ id: string; apiKey: string }> {
  const answer = await send(traffic, baseUrl, 'POST', '/admin/v1/tenants', {
    body: { name },
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
  });
  if (answer.status !== 201) throw new Error(`POST /admin/v1/tenants → ${answer.status} ${answer.text}`);
  return { id: answer.json.id, apiKey: answer.json.apiKey };
}

export function newUser(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Reliability', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    active: true,
    ...extra,
  };
}

export function newGroup(displayName: string, members: string[] = []) {
  return { schemas: [GROUP_SCHEMA], displayName, members: members.map((value) => ({ value })) };
}

export function patchOp(...operations: Record<string, unknown>[]) {
  return { schemas: [PATCH_SCHEMA], Operations: operations };
}

/** Whether an answer is an RFC 7644 §3.12 error: the error schema, `status` as a string. */
export function isScimError(answer: Answer): boolean {
  return (
    Array.isArray(answer.json?.schemas) &&
    answer.json.schemas.includes(ERROR_SCHEMA) &&
    answer.json.status === String(answer.status)
  );
}

export function explain(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}

let unique = 0;
/** A userName no other request of this process used. */
export function uniqueName(prefix = 'user'): string {
  unique++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${unique}@reliability.example`;
}
