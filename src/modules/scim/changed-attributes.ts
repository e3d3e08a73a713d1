import type { ScimResource } from '../../domain/schema/types.js';
import { jsonEqual } from '../../domain/patch/json-util.js';
import { isPlainObject } from '../../domain/schema/json.js';

/**
 * Names of the attributes whose values differ between two stored forms, for the audit trail: core
 * attributes by name, extension attributes as `urn:…:attribute`. Values are never reported (PII).
 * Values are compared as JSON, not as text: jsonb hands the stored form back with its keys reordered.
 */
export function changedAttributes(
  before: ScimResource | undefined,
  after: ScimResource | undefined,
): string[] {
  const names = new Set<string>();
  const compare = (a: Record<string, unknown>, b: Record<string, unknown>, prefix: string) => {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (key === 'schemas') continue;
      if (key.startsWith('urn:') && (isPlainObject(a[key]) || isPlainObject(b[key]))) {
        compare(asObject(a[key]), asObject(b[key]), `${key}:`);
      } else if (!jsonEqual(a[key], b[key])) {
        names.add(`${prefix}${key}`);
      }
    }
  };
  compare(before ?? {}, after ?? {}, '');
  return [...names].sort();
}

function asObject(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? (value as Record<string, unknown>) : {};
}
