import { ScimError } from '../errors.js';
import type { AttributeDefinition } from './types.js';

/**
 * Checks one simple (non-complex) value against its attribute type (RFC 7643 §2.3) and returns the value
 * to store. `path` names the attribute in error details.
 */
export function coerceSimpleValue(def: AttributeDefinition, value: unknown, path: string): unknown {
  switch (def.type) {
    case 'string':
    case 'reference':
      return expect(typeof value === 'string', value, path, 'a string');
    case 'boolean':
      return coerceBoolean(value, path);
    case 'integer':
      return expect(typeof value === 'number' && Number.isSafeInteger(value), value, path, 'an integer');
    case 'decimal':
      return expect(typeof value === 'number' && Number.isFinite(value), value, path, 'a number');
    case 'dateTime':
      return expect(typeof value === 'string' && isDateTime(value), value, path, 'an xsd:dateTime string');
    case 'binary':
      return expect(typeof value === 'string' && isBase64(value), value, path, 'a base64 string');
    case 'complex':
      throw new Error(`complex attribute ${path} is not a simple value`);
  }
}

function expect(ok: boolean, value: unknown, path: string, what: string): unknown {
  if (!ok) throw ScimError.badRequest('invalidValue', `Attribute '${path}' must be ${what}.`);
  return value;
}

/** A JSON boolean. Strings such as Entra's "True" are a dialect rule's (entra.stringBooleans), not ours. */
function coerceBoolean(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  throw ScimError.badRequest('invalidValue', `Attribute '${path}' must be a boolean.`);
}

/**
 * xsd:dateTime as RFC 7643 §2.3.5 uses it, in the RFC 3339 profile: date, 'T', time to the second, an
 * optional fraction (up to nanoseconds), an optional zone. Years 0001 to 9999; every field checked, so
 * February 30, hour 24 and zone +24:00 are refused. The one definition for storing and for filtering: a
 * value that can be stored can be compared in a filter.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))?$/;

/**
 * The instant a valid xsd:dateTime denotes, as text PostgreSQL reads as timestamptz (a value without a
 * zone is read as UTC, not in the session's time zone), or undefined when the value is not one.
 */
export function parseDateTime(value: string): string | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const zoneOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  const valid =
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    zoneOk;
  if (!valid) return undefined;
  return m[8] === undefined ? `${value}Z` : value;
}

export function isDateTime(value: string): boolean {
  return parseDateTime(value) !== undefined;
}

// RFC 7643 §2.3.6: base64 of RFC 4648 §4, padded. Line breaks are tolerated (PEM bodies carry them).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isBase64(value: string): boolean {
  return BASE64.test(value.replace(/\r?\n/g, ''));
}
