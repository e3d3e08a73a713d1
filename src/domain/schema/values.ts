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

/** Entra sends booleans as "True"/"False" strings; we accept them in any case and store real booleans. */
function coerceBoolean(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  throw ScimError.badRequest('invalidValue', `Attribute '${path}' must be a boolean.`);
}

// xsd:dateTime (RFC 7643 §2.3.5): date, 'T', time, optional fraction, optional zone.
const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

export function isDateTime(value: string): boolean {
  // The pattern fixes the shape; Date.parse rejects impossible fields such as month 13.
  return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

// RFC 7643 §2.3.6: base64 of RFC 4648 §4, padded. Line breaks are tolerated (PEM bodies carry them).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isBase64(value: string): boolean {
  return BASE64.test(value.replace(/\r?\n/g, ''));
}
