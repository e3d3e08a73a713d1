import { SCIM_MEDIA_TYPE } from '../http/scim-media-type.js';

/**
 * A deep copy with every object's keys in code-point order, so the generated document is byte-for-byte
 * the same whatever order decorators and modules registered things in. Arrays keep their order (enums,
 * `required`, tags and parameters are meaningful in order). Two exceptions, both fixed by the code that
 * writes them: in `content` maps application/scim+json comes first (Swagger UI preselects the first
 * media type of a body), and named `examples` keep their order and their values stay as written (SCIM
 * bodies read best in RFC order: schemas, id, userName, ...).
 */
export function sortKeys<T>(value: T, parentKey?: string): T {
  if (Array.isArray(value)) return value.map((item: unknown) => sortKeys(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  let keys = Object.keys(value);
  if (parentKey !== 'examples') keys = keys.sort();
  if (parentKey === 'content' && keys.includes(SCIM_MEDIA_TYPE)) {
    keys.splice(keys.indexOf(SCIM_MEDIA_TYPE), 1);
    keys.unshift(SCIM_MEDIA_TYPE);
  }
  const sorted: Record<string, unknown> = {};
  for (const key of keys) {
    const child = (value as Record<string, unknown>)[key];
    if (child === undefined) continue;
    sorted[key] = parentKey === 'examples' ? exampleObject(child) : sortKeys(child, key);
  }
  return sorted as T;
}

/** An example object ({ summary, value }): its own keys sorted, its value kept as written. */
function exampleObject(example: unknown): unknown {
  if (example === null || typeof example !== 'object' || Array.isArray(example)) return example;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(example).sort()) {
    const child = (example as Record<string, unknown>)[key];
    if (child !== undefined)
      sorted[key] = key === 'value' ? JSON.parse(JSON.stringify(child)) : sortKeys(child, key);
  }
  return sorted;
}

/** The committed form of a JSON document: sorted keys, two-space indent, trailing newline. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}
