/**
 * Change detection between two stored forms, for every write (POST, PUT, PATCH): whether anything
 * changed (an unchanged resource keeps its version, writes no audit row and no event) and the names of the
 * attributes that did, for the audit trail (names only, never values: they are often personal data).
 */
import { getKey, jsonEqual } from '../patch/json-util.js';
import { isPlainObject } from './json.js';
import type { SchemaRegistry } from './registry.js';
import type { ResourceTypeName, ScimResource } from './types.js';

export interface ResourceChanges {
  /** Whether the two stored forms differ as JSON (object key order ignored: jsonb reorders keys). */
  changed: boolean;
  /**
   * Canonical names of the attributes whose values differ, sorted: core and common attributes by name
   * (`userName`), extension attributes URN-qualified (`urn:…:enterprise:2.0:User:manager`). `schemas`
   * is derived from the others and never named.
   */
  changedAttributes: string[];
}

type Json = Record<string, unknown>;

const inner = (value: unknown): Json => (isPlainObject(value) ? value : {});

/** Keys of both objects, lower-cased (names are case-insensitive, RFC 7643 §2.1), once each. */
const lowerKeys = (a: Json, b: Json) => [
  ...new Set([...Object.keys(a), ...Object.keys(b)].map((key) => key.toLowerCase())),
];

/** Compares two stored forms of one resource type; `before` is undefined for a create. */
export function compareResources(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  before: ScimResource | undefined,
  after: ScimResource,
): ResourceChanges {
  const previous = before ?? {};
  const names = new Set<string>();
  const extensions = registry.schemasOf(resourceType).extensions.map((ext) => ext.schema.id);
  for (const key of lowerKeys(previous, after)) {
    if (key === 'schemas') continue;
    const a = getKey(previous, key);
    const b = getKey(after, key);
    if (jsonEqual(a, b)) continue;
    const urn = extensions.find((id) => id.toLowerCase() === key);
    if (!urn) {
      names.add(registry.resolve(resourceType, { attribute: key })?.attribute.name ?? key);
      continue;
    }
    for (const attr of lowerKeys(inner(a), inner(b))) {
      if (jsonEqual(getKey(inner(a), attr), getKey(inner(b), attr))) continue;
      const def = registry.resolve(resourceType, { uri: urn, attribute: attr });
      names.add(`${urn}:${def?.attribute.name ?? attr}`);
    }
  }
  return { changed: !jsonEqual(previous, after), changedAttributes: [...names].sort() };
}
