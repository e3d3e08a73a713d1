/**
 * What the guards learn about a request, kept on the raw request for the request's log line and its
 * metrics: who called, or why they were refused.
 */
export interface RequestTags {
  tenantId?: string;
  apiKeyId?: string;
  /** Why the request was answered 401 or 429; a fixed word, so it can be a metrics label. */
  refusal?: Refusal;
}

/** 401: the credentials did not authenticate. */
export type AuthFailure =
  | 'missing_credentials'
  | 'malformed_credentials'
  | 'unknown_key'
  | 'revoked_key'
  | 'expired_key'
  | 'wrong_admin_token';

/** 429: a limiter refused the request. */
export type RateLimitRefusal = 'tenant_rate_limit' | 'auth_failure_limit';

export type Refusal = AuthFailure | RateLimitRefusal;

/** The tags of a Fastify request's raw request (request.raw). */
export function requestTags(raw: object): RequestTags {
  return raw as RequestTags;
}
