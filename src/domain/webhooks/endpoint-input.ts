import { ScimError } from '../errors.js';
import { EVENT_TYPES, isEventType, type EventType } from '../events/event-types.js';
import { classifyAddress } from './address-policy.js';
import { isIP } from 'node:net';

export const URL_MAX = 2048;
export const DESCRIPTION_MAX = 500;
/** Longest grace period of a rotated secret: a week. */
export const GRACE_MAX_SECONDS = 7 * 24 * 3600;
export const DEFAULT_GRACE_SECONDS = 24 * 3600;

function invalid(detail: string): ScimError {
  return ScimError.badRequest('invalidValue', detail);
}

/**
 * The URL of a webhook endpoint: absolute http(s), no credentials in it (they would be logged and shown),
 * no fragment. A host given as a literal IP address is judged now (SSRF guard) unless private addresses
 * are allowed; a host name is judged on what it resolves to at every delivery.
 */
export function webhookUrlOf(value: unknown, allowPrivate: boolean): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > URL_MAX) {
    throw invalid(`url must be an absolute http(s) URL of at most ${URL_MAX} characters`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('url must use https or http');
  if (url.username || url.password) throw invalid('url must not contain credentials');
  if (url.hash) throw invalid('url must not contain a fragment');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host)) {
    const verdict = classifyAddress(host);
    if (!verdict.allowed) throw invalid(`url is refused: ${verdict.reason} (WEBHOOK_ALLOW_PRIVATE is off)`);
  }
  return url.toString();
}

/** `eventTypes`: a non-empty array of known types, or null/absent for all. */
export function eventTypesOf(value: unknown): EventType[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value) || value.length === 0 || value.length > EVENT_TYPES.length) {
    throw invalid('eventTypes must be a non-empty array of event types, or null for all');
  }
  const wrong = value.filter((type) => typeof type !== 'string' || !isEventType(type));
  if (wrong.length > 0) {
    throw invalid(
      `unknown event type(s): ${wrong.slice(0, 5).map(String).join(', ')}; known: ${EVENT_TYPES.join(', ')}`,
    );
  }
  return [...new Set(value as EventType[])].sort();
}

export function descriptionOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || value.length > DESCRIPTION_MAX) {
    throw invalid(`description must be a string of at most ${DESCRIPTION_MAX} characters`);
  }
  return value;
}

/** The fields of a JSON object body; unknown fields are refused (a typo must not be ignored silently). */
export function fieldsOf(value: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('the body must be a JSON object');
  }
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw invalid(`unknown field(s): ${unknown.slice(0, 5).join(', ')}`);
  return value as Record<string, unknown>;
}

export function graceSecondsOf(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_GRACE_SECONDS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > GRACE_MAX_SECONDS) {
    throw invalid(`gracePeriodSeconds must be an integer from 0 to ${GRACE_MAX_SECONDS}`);
  }
  return value;
}

/** An ISO 8601 date-time with a time zone, not in the future. */
export function pastDateTimeOf(name: string, value: unknown, now: Date): Date {
  const date =
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
      ? new Date(value)
      : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw invalid(`${name} must be an ISO 8601 date-time with a time zone`);
  }
  if (date.getTime() > now.getTime()) throw invalid(`${name} must not be in the future`);
  return date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
