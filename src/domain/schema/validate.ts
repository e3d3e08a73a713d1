import { ENTRA_LEGACY_GROUP_SCHEMA_URI, ENTRA_QUALIFIED_ATTRIBUTE_KEYS } from '../dialects/rules.js';
import { managerStringValue, stringBooleanValue, type DialectValue } from '../dialects/values.js';
import { ScimError } from '../errors.js';
import { assertStorableJson, findKey, isPlainObject, isUnassigned } from './json.js';
import type { SchemaRegistry } from './registry.js';
import type { AttributeDefinition, ResourceTypeName, SchemaDefinition, ScimResource } from './types.js';
import { ENTRA_LEGACY_GROUP_SCHEMA } from './urns.js';
import { coerceSimpleValue } from './values.js';

/** What the body is for: a POST, a PUT, or the resource a PATCH produced (RFC 7644 §3.3, §3.5.1, §3.5.2). */
export type ValidationContext = 'create' | 'replace' | 'patchResult';

export interface ValidationResult {
  /** The stored form: canonical names, extension attributes under their URN, no id/meta/readOnly attributes. */
  resource: ScimResource;
  /** Attribute names and schema URIs dropped as unknown, as the client wrote them, for logging. */
  ignored: string[];
  /** Names of the identity-provider dialect rules applied (src/domain/dialects/rules.ts), for logging. */
  dialects: string[];
}

const invalidValue = (detail: string) => ScimError.badRequest('invalidValue', detail);

/** Where an attribute sits, for error details. */
interface Location {
  schema: SchemaDefinition;
  extension: boolean;
  path: string; // 'name.givenName'
}

const describe = (at: Location) => (at.extension ? `${at.schema.id}:${at.path}` : at.path);
const child = (at: Location, name: string): Location => ({ ...at, path: `${at.path}.${name}` });

/**
 * Checks a SCIM resource body against the registry and returns its stored form. Input rules: RFC 7643 §2.1
 * (names case-insensitive), §2.2 (readOnly ignored, immutable set once), §2.3 (types), §2.4 (one primary),
 * §2.5 (null/empty = unassigned); canonical values and defaults as the attribute definitions say; the
 * validator-stage dialect rules of src/domain/dialects/rules.ts, reported in `dialects`.
 */
export function validateResource(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  input: unknown,
  context: ValidationContext,
  existing?: ScimResource,
): ValidationResult {
  if (!isPlainObject(input)) {
    throw ScimError.badRequest('invalidSyntax', `A ${resourceType} must be a JSON object.`);
  }
  assertStorableJson(input, `The ${resourceType}`);
  const { core, extensions } = registry.schemasOf(resourceType);
  const ignored: string[] = [];
  const dialects = new Set<string>();
  const raw = collectByAttribute(registry, resourceType, input, ignored, dialects);
  /** A dialect rule's rewrite of a value, noted by name. */
  const applied = (rewritten: DialectValue | undefined, value: unknown): unknown => {
    if (!rewritten) return value;
    dialects.add(rewritten.rule);
    return rewritten.value;
  };

  const validate = (def: AttributeDefinition, value: unknown, at: Location): unknown => {
    // readOnly values are the server's to set: ignored on input (RFC 7643 §2.2, RFC 7644 §3.5.1).
    if (def.mutability === 'readOnly' || isUnassigned(value)) return undefined;
    if (!def.multiValued) {
      if (Array.isArray(value))
        throw invalidValue(`Attribute '${describe(at)}' is single-valued, not an array.`);
      return validateOne(def, value, at);
    }
    // A lone value where a list is expected is read as a list of one (clients send a single object).
    const items = (Array.isArray(value) ? value : [value])
      .map((item) => validateOne(def, item, at))
      .filter((item) => item !== undefined);
    if (items.filter((item) => isPlainObject(item) && item.primary === true).length > 1) {
      throw invalidValue(`Attribute '${describe(at)}' has more than one primary value (RFC 7643 §2.4).`);
    }
    return items.length > 0 ? items : undefined;
  };

  const validateOne = (def: AttributeDefinition, value: unknown, at: Location): unknown => {
    if (isUnassigned(value)) return undefined;
    if (def.type !== 'complex') {
      const simple = applied(stringBooleanValue(def, value), value);
      return canonicalise(def, coerceSimpleValue(def, simple, describe(at)), at);
    }
    value = applied(managerStringValue(registry, def, value), value);
    if (!isPlainObject(value)) throw invalidValue(`Attribute '${describe(at)}' must be a JSON object.`);
    return validateComplex(def, value, at);
  };

  const validateComplex = (def: AttributeDefinition, value: Record<string, unknown>, at: Location) => {
    for (const key of Object.keys(value)) {
      if (!registry.subAttribute(def, key)) ignored.push(`${describe(at)}.${key}`);
    }
    const out: Record<string, unknown> = {};
    for (const sub of def.subAttributes ?? []) {
      const key = findKey(value, sub.name);
      const result = key === undefined ? undefined : validate(sub, value[key], child(at, sub.name));
      if (result !== undefined) out[sub.name] = result;
    }
    // Nothing assigned (e.g. only readOnly sub-attributes were sent): the value is unassigned.
    if (Object.keys(out).length === 0) return undefined;
    checkRequired(def.subAttributes ?? [], out, at, true);
    return out;
  };

  const canonicalise = (def: AttributeDefinition, value: unknown, at: Location): unknown => {
    if (typeof value !== 'string' || !def.canonicalValues || !def.enforceCanonicalValues) {
      return value;
    }
    const match = def.canonicalValues.find((c) => c.toLowerCase() === value.toLowerCase());
    if (match === undefined) {
      throw invalidValue(`Attribute '${describe(at)}' must be one of ${def.canonicalValues.join(', ')}.`);
    }
    return match;
  };

  const validateSchema = (schema: SchemaDefinition, attributes: readonly AttributeDefinition[]) => {
    const extension = schema !== core;
    const values = raw.get(schema) ?? new Map<AttributeDefinition, unknown>();
    const out: Record<string, unknown> = {};
    for (const def of attributes) {
      const at: Location = { schema, extension, path: def.name };
      const result = validate(def, values.get(def), at);
      const fallback = defaultValue(def, at, context, existing);
      if (result !== undefined) out[def.name] = result;
      else if (fallback !== undefined) out[def.name] = fallback;
    }
    return out;
  };

  const resource: ScimResource = { schemas: [core.id] };
  const coreValues = validateSchema(core, [...registry.commonAttributes, ...core.attributes]);
  checkRequired(core.attributes, coreValues, { schema: core, extension: false, path: '' }, false);
  Object.assign(resource, coreValues);
  if (existing) enforceImmutable(core.attributes, resource, existing, context, '');

  for (const { schema, required } of extensions) {
    const values = validateSchema(schema, schema.attributes);
    const previous = existing?.[findKey(existing, schema.id) ?? schema.id];
    if (isPlainObject(previous))
      enforceImmutable(schema.attributes, values, previous, context, `${schema.id}:`);
    if (Object.keys(values).length === 0) {
      if (required) throw invalidValue(`Extension '${schema.id}' is required.`);
      continue;
    }
    checkRequired(schema.attributes, values, { schema, extension: true, path: '' }, false);
    resource[schema.id] = values;
    (resource.schemas as string[]).push(schema.id);
  }
  return { resource, ignored, dialects: [...dialects].sort() };
}

/**
 * Sorts the input's keys onto attribute definitions, per schema, case-insensitively. Accepts the nested
 * extension object (`"urn:…:enterprise:2.0:User": {…}`), URN-qualified keys (`"urn:…:User:department"`,
 * Entra) and dotted keys (`"name.givenName"`). Unknown keys and schema URIs go to `ignored`.
 */
function collectByAttribute(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  input: Record<string, unknown>,
  ignored: string[],
  dialects: Set<string>,
): Map<SchemaDefinition, Map<AttributeDefinition, unknown>> {
  const { core, extensions } = registry.schemasOf(resourceType);
  const bySchema = new Map<SchemaDefinition, Map<AttributeDefinition, unknown>>();
  const valuesOf = (schema: SchemaDefinition) => {
    let values = bySchema.get(schema);
    if (!values) bySchema.set(schema, (values = new Map()));
    return values;
  };
  const knownUrns = new Set([core.id, ...extensions.map((e) => e.schema.id)].map((urn) => urn.toLowerCase()));

  const place = (key: string, value: unknown, uri?: string) => {
    const resolved = registry.resolve(resourceType, { uri, attribute: key });
    const schema = resolved && registry.getSchema(resolved.schema);
    if (!resolved || !schema) return ignored.push(uri ? `${uri}:${key}` : key);
    // Attribute paths as keys ("name.givenName", "urn:…:User:department") are Entra's, not RFC 7643's.
    if (key.includes('.') || key.includes(':')) dialects.add(ENTRA_QUALIFIED_ATTRIBUTE_KEYS);
    const values = valuesOf(schema);
    if (!resolved.subAttribute) return values.set(resolved.attribute, value);
    // "name.givenName": merge into the complex value; meaningless for a multi-valued attribute.
    if (resolved.attribute.multiValued) return ignored.push(uri ? `${uri}:${key}` : key);
    const current = values.get(resolved.attribute);
    values.set(resolved.attribute, {
      ...(isPlainObject(current) ? current : {}),
      [resolved.subAttribute.name]: value,
    });
  };

  for (const [key, value] of Object.entries(input)) {
    const lower = key.toLowerCase();
    if (lower === 'schemas') {
      // Recomputed from the data; URIs that are not ours (Entra's ADSCIM Group URI) are noted and dropped.
      if (Array.isArray(value)) {
        for (const uri of value)
          if (typeof uri !== 'string') ignored.push(JSON.stringify(uri));
          else if (!knownUrns.has(uri.toLowerCase())) {
            ignored.push(uri);
            if (uri.toLowerCase() === ENTRA_LEGACY_GROUP_SCHEMA.toLowerCase())
              dialects.add(ENTRA_LEGACY_GROUP_SCHEMA_URI);
          }
      }
      continue;
    }
    const extension = extensions.find((e) => e.schema.id.toLowerCase() === lower);
    if (!extension) {
      place(key, value);
      continue;
    }
    if (value === null) continue; // the whole extension unassigned (RFC 7643 §2.5)
    if (!isPlainObject(value))
      throw invalidValue(`Extension '${extension.schema.id}' must be a JSON object.`);
    for (const [attr, attrValue] of Object.entries(value)) place(attr, attrValue, extension.schema.id);
  }
  return bySchema;
}

/**
 * The value of an attribute the body leaves unassigned: the definition's `defaultValue` (for `active`,
 * true: docs/scim-behaviour.md). A PUT that omits it does not assert it (RFC 7644 §3.5.1) and keeps the
 * current value; a PATCH that removes it unassigns it, which is the default again.
 */
function defaultValue(
  def: AttributeDefinition,
  at: Location,
  context: ValidationContext,
  existing?: ScimResource,
): unknown {
  if (def.defaultValue === undefined || at.extension) return undefined;
  if (context === 'replace' && existing) {
    const key = findKey(existing, def.name);
    const current = key === undefined ? undefined : existing[key];
    if (typeof current === typeof def.defaultValue) return current;
  }
  return def.defaultValue;
}

/** Required attributes must be assigned; required strings must not be blank (RFC 7643 §2.2, §4.1.1). */
function checkRequired(
  attributes: readonly AttributeDefinition[],
  values: Record<string, unknown>,
  at: Location,
  isSub: boolean,
) {
  for (const def of attributes) {
    if (!def.required || def.mutability === 'readOnly') continue;
    const value = values[def.name];
    const where = describe(isSub ? child(at, def.name) : { ...at, path: def.name });
    if (value === undefined) throw invalidValue(`Attribute '${where}' is required.`);
    if (typeof value === 'string' && value.trim() === '')
      throw invalidValue(`Attribute '${where}' must not be empty.`);
  }
}

/**
 * immutable attributes may be set once (RFC 7643 §2.2): once `existing` has a value, a different one is a
 * 400 mutability. A PUT that omits the attribute keeps the existing value (nothing asserted, RFC 7644
 * §3.5.1); a PATCH result without it removed it, which is a change. Sub-attributes of single-valued
 * complex attributes are checked too; elements of multi-valued ones have no identity, so adding and
 * removing them is not a change of an immutable value.
 */
function enforceImmutable(
  attributes: readonly AttributeDefinition[],
  next: Record<string, unknown>,
  previous: Record<string, unknown>,
  context: ValidationContext,
  prefix: string,
) {
  for (const def of attributes) {
    const previousKey = findKey(previous, def.name);
    const before = previousKey === undefined ? undefined : previous[previousKey];
    if (isUnassigned(before) || def.mutability === 'readOnly') continue;
    const after = next[def.name];
    if (def.mutability === 'immutable') {
      if (after === undefined && context === 'replace') next[def.name] = before;
      else if (!sameValue(def, before, after)) {
        throw ScimError.badRequest(
          'mutability',
          `Attribute '${prefix}${def.name}' is immutable and already set.`,
        );
      }
    } else if (def.type === 'complex' && !def.multiValued && isPlainObject(before)) {
      const nested = isPlainObject(after) ? after : {};
      enforceImmutable(def.subAttributes ?? [], nested, before, context, `${prefix}${def.name}.`);
      if (after === undefined && Object.keys(nested).length > 0) next[def.name] = nested;
    }
  }
}

/** Equality under the attribute's caseExact (RFC 7643 §2.2), for strings at any depth. */
function sameValue(def: AttributeDefinition, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string')
    return def.caseExact ? a === b : a.toLowerCase() === b.toLowerCase();
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameValue(def, x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => {
      const sub = def.subAttributes?.find((s) => s.name === key) ?? def;
      return key in b && sameValue(sub, a[key], b[key]);
    });
  }
  return a === b;
}
