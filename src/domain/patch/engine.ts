/**
 * The PATCH engine (RFC 7644 §3.5.2): applies operations to a copy of a stored resource, all or none, and
 * returns the new stored form, whether it changed, and the Group member change set.
 *
 * Pipeline: parsePatchRequest (body → operations; request-level dialect rules) → applyPatch: split path-less
 * values into one operation per attribute → schema-aware dialect rules (Okta, Entra) → strict RFC rules on
 * a deep copy → validateResource(…, 'patchResult') → compare with the input.
 */
import { ScimError } from '../errors.js';
import type { Filter } from '../filter/ast.js';
import { compareResources } from '../schema/changes.js';
import type { SchemaRegistry } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeName, ScimResource } from '../schema/types.js';
import { validateResource } from '../schema/validate.js';
import { coerceStringBooleans, synthesiseFilteredElement, wrapManagerString } from '../dialects/entra.js';
import { dropEchoedId } from '../dialects/okta.js';
import {
  ENTRA_CREATE_FILTERED_ELEMENT,
  ENTRA_MANAGER_STRING,
  ENTRA_STRING_BOOLEANS,
  OKTA_ECHOED_ID,
} from '../dialects/rules.js';
import { parseBoolean } from '../dialects/values.js';
import { cloneJson, deleteKey, getKey, isPlainObject, isUnassigned, jsonEqual, setKey } from './json-util.js';
import { checkValueFilter, matchesValueFilter } from './matcher.js';
import { compactMemberOps, memberOpsOf } from './members.js';
import { expandPathless } from './pathless.js';
import { extensionOfPath, isMembersTarget, resolveTarget, type Target } from './target.js';
import type { MemberOp, PatchContext, PatchOperation, PatchResult } from './types.js';

export { parsePatchRequest } from './request.js';
export { memberValuesNamedBy, memberValuesOfBody } from './members.js';
export type { MemberOp, MemberRef, PatchContext, PatchOpName, PatchOperation, PatchResult } from './types.js';

type Json = Record<string, unknown>;

const mutability = (detail: string) => ScimError.badRequest('mutability', detail);
const invalidValue = (detail: string) => ScimError.badRequest('invalidValue', detail);

/** Mutable state of one applyPatch call; `root` is a deep copy of the input, never the input itself. */
interface Run {
  registry: SchemaRegistry;
  resourceType: ResourceTypeName;
  root: Json;
  memberOps: MemberOp[];
  dialects: Set<string>;
}

/** RFC 7644 §3.5.2: "a client MAY "add" a value to an "immutable" attribute if [it] had no previous value". */
function checkImmutable(def: AttributeDefinition, current: unknown, next: unknown, where: string): void {
  if (def.mutability === 'immutable' && !isUnassigned(current) && !jsonEqual(current, next)) {
    throw mutability(`Attribute '${where}' is immutable and already has a value (RFC 7644 §3.5.2).`);
  }
}

/** RFC 7644 §3.5.2.2: unassigning a required attribute is a 400 mutability. */
function checkRemovable(def: AttributeDefinition, where: string): void {
  if (def.required) {
    throw mutability(`Attribute '${where}' is required and cannot be removed (RFC 7644 §3.5.2.2).`);
  }
}

function arrayOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return isUnassigned(value) ? [] : [value];
}

/** Where the attribute lives: the resource, or the object under its extension URN (RFC 7643 §3.3). */
function containerOf(run: Run, target: Target, create: boolean): Json | undefined {
  if (!target.resolved.extension) return run.root;
  const current = getKey(run.root, target.resolved.schema);
  if (isPlainObject(current)) return current;
  if (!create) return undefined;
  const fresh: Json = {};
  setKey(run.root, target.resolved.schema, fresh);
  return fresh;
}

/** One element of a multi-valued attribute, copied, with canonical sub-attribute names. */
function toElement(
  registry: SchemaRegistry,
  attribute: AttributeDefinition,
  value: unknown,
  where: string,
): unknown {
  if (attribute.type !== 'complex') return cloneJson(value);
  if (!isPlainObject(value)) {
    throw invalidValue(`Each value of '${where}' must be an object of sub-attributes (RFC 7643 §2.3.8).`);
  }
  const element: Json = {};
  for (const [key, item] of Object.entries(value)) {
    setKey(element, registry.subAttribute(attribute, key)?.name ?? key, cloneJson(item));
  }
  return element;
}

/** A value for a multi-valued attribute: an array, or one element (clients send a lone object). */
function toElements(
  registry: SchemaRegistry,
  attribute: AttributeDefinition,
  value: unknown,
  where: string,
): unknown[] {
  return arrayOf(value)
    .filter((item) => !isUnassigned(item))
    .map((item) => toElement(registry, attribute, item, where));
}

/** A simple value as compared for equality: strings per caseExact, "True"/"False" as booleans. */
function comparable(def: AttributeDefinition, value: unknown): unknown {
  if (isUnassigned(value)) return null;
  if (typeof value === 'string') {
    if (def.type === 'boolean') return parseBoolean(value) ?? value;
    return def.caseExact ? value : value.toLowerCase();
  }
  return value;
}

/**
 * A key equal for equal values of a multi-valued attribute (RFC 7644 §3.5.2.1 adds no duplicates), so
 * duplicate detection stays linear in the number of values.
 */
function elementKey(registry: SchemaRegistry, attribute: AttributeDefinition, element: unknown): string {
  if (attribute.type !== 'complex' || !isPlainObject(element)) {
    return JSON.stringify(comparable(attribute, element));
  }
  const entries: [string, unknown][] = [];
  for (const [key, item] of Object.entries(element)) {
    // Unknown and readOnly sub-attributes are not stored (validateResource drops them), so they do not count.
    const def = registry.subAttribute(attribute, key);
    if (!def || def.mutability === 'readOnly') continue;
    const normalised = comparable(def, item);
    if (normalised !== null) entries.push([def.name, normalised]);
  }
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * RFC 7643 §2.4 allows one `primary: true`. When an operation makes an element primary, the others stop
 * being primary (Entra sets a new primary without clearing the old one).
 */
function demotePrimary(
  registry: SchemaRegistry,
  attribute: AttributeDefinition,
  elements: unknown[],
  touched: ReadonlySet<unknown>,
): void {
  if (!registry.subAttribute(attribute, 'primary')) return;
  const isPrimary = (e: unknown) => isPlainObject(e) && parseBoolean(getKey(e, 'primary')) === true;
  if (![...touched].some(isPrimary)) return;
  for (const element of elements) {
    if (!touched.has(element) && isPrimary(element)) setKey(element as Json, 'primary', false);
  }
}

/** RFC 7644 §3.5.2.1/§3.5.2.3 on a complex single-valued attribute: sub-attributes not given stay. */
function mergeComplex(
  registry: SchemaRegistry,
  container: Json,
  target: Target,
  current: unknown,
  value: unknown,
): void {
  const { attribute, where } = target;
  if (!isPlainObject(value)) {
    throw invalidValue(`Attribute '${where}' is complex: the value must be an object of sub-attributes.`);
  }
  const merged: Json = isPlainObject(current) ? current : {};
  for (const [key, item] of Object.entries(value)) {
    const def = registry.subAttribute(attribute, key);
    const name = def?.name ?? key;
    if (def) checkImmutable(def, getKey(merged, name), item, `${where}.${name}`);
    if (item === null) {
      if (def) checkRemovable(def, `${where}.${name}`);
      deleteKey(merged, name);
    } else {
      setKey(merged, name, cloneJson(item));
    }
  }
  setKey(container, attribute.name, merged);
}

/** `name.givenName`, or `emails.value` (every element; one new element when there is none). */
function writeSubAttribute(container: Json, target: Target, sub: AttributeDefinition, value: unknown): void {
  const { attribute, where } = target;
  const current = getKey(container, attribute.name);
  if (attribute.multiValued) {
    const elements = arrayOf(current);
    if (elements.length === 0) elements.push({});
    for (const element of elements) {
      if (!isPlainObject(element)) continue;
      checkImmutable(sub, getKey(element, sub.name), value, where);
      setKey(element, sub.name, cloneJson(value));
    }
    setKey(container, attribute.name, elements);
    return;
  }
  const parent: Json = isPlainObject(current) ? current : {};
  checkImmutable(sub, getKey(parent, sub.name), value, where);
  setKey(parent, sub.name, cloneJson(value));
  setKey(container, attribute.name, parent);
}

/** add/replace on `attr[filter]` and `attr[filter].sub` (RFC 7644 §3.5.2.1, §3.5.2.3). */
function writeFiltered(run: Run, target: Target, op: 'add' | 'replace', value: unknown): void {
  const { attribute, sub, where } = target;
  const filter = target.filter as Filter;
  checkValueFilter(run.registry, attribute, filter, where);
  if (!sub && attribute.type === 'complex' && !isPlainObject(value)) {
    throw invalidValue(`The value for '${where}' must be an object of sub-attributes.`);
  }
  const container = containerOf(run, target, true) as Json;
  const elements = arrayOf(getKey(container, attribute.name));
  const matched = elements.flatMap((element, index) =>
    matchesValueFilter(run.registry, attribute, element, filter, where) ? [index] : [],
  );
  const touched = new Set<unknown>();
  if (matched.length === 0) {
    const created = synthesiseFilteredElement(run.registry, attribute, filter, sub, cloneJson(value));
    if (!created) {
      throw ScimError.badRequest(
        'noTarget',
        `No value of '${attribute.name}' matches the filter of '${where}' (RFC 7644 §3.5.2.${op === 'add' ? 1 : 3}).`,
      );
    }
    run.dialects.add(ENTRA_CREATE_FILTERED_ELEMENT);
    elements.push(created);
    touched.add(created);
  }
  for (const index of matched) {
    const element = elements[index];
    if (sub) {
      if (!isPlainObject(element)) continue;
      checkImmutable(sub, getKey(element, sub.name), value, where);
      setKey(element, sub.name, cloneJson(value));
      touched.add(element);
    } else if (op === 'replace' || attribute.type !== 'complex' || !isPlainObject(element)) {
      // RFC 7644 §3.5.2.3: "all matching record values SHALL be replaced".
      const replacement = toElement(run.registry, attribute, value, where);
      elements[index] = replacement;
      touched.add(replacement);
    } else {
      for (const [key, item] of Object.entries(toElement(run.registry, attribute, value, where) as Json)) {
        setKey(element, key, item);
      }
      touched.add(element);
    }
  }
  demotePrimary(run.registry, attribute, elements, touched);
  setKey(container, attribute.name, elements);
}

/** RFC 7644 §3.5.2.1. */
function add(run: Run, target: Target, value: unknown): void {
  // RFC 7643 §2.5: null is "no value", so adding it adds nothing.
  if (value === null || value === undefined) return;
  if (target.filter) return writeFiltered(run, target, 'add', value);
  const container = containerOf(run, target, true) as Json;
  const { attribute, sub, where } = target;
  if (sub) return writeSubAttribute(container, target, sub, value);
  const current = getKey(container, attribute.name);
  if (attribute.multiValued) {
    // "If the target location specifies a multi-valued attribute, a new value is added to the attribute";
    // a value equal to one already there is not added again.
    const elements = arrayOf(current);
    const present = new Set(elements.map((element) => elementKey(run.registry, attribute, element)));
    const touched = new Set<unknown>();
    for (const element of toElements(run.registry, attribute, value, where)) {
      const key = elementKey(run.registry, attribute, element);
      if (present.has(key)) continue;
      present.add(key);
      elements.push(element);
      touched.add(element);
    }
    if (touched.size === 0) return;
    checkImmutable(attribute, current, elements, where);
    demotePrimary(run.registry, attribute, elements, touched);
    setKey(container, attribute.name, elements);
    return;
  }
  if (attribute.type === 'complex') return mergeComplex(run.registry, container, target, current, value);
  // "If the target location specifies a single-valued attribute, the existing value is replaced."
  checkImmutable(attribute, current, value, where);
  setKey(container, attribute.name, cloneJson(value));
}

/** RFC 7644 §3.5.2.3. */
function replace(run: Run, target: Target, value: unknown): void {
  // Replacing with null or [] unassigns (RFC 7643 §2.5); with a filter that matches nothing, nothing to do.
  if (value === null || value === undefined) return remove(run, target, true);
  if (target.filter) return writeFiltered(run, target, 'replace', value);
  const container = containerOf(run, target, true) as Json;
  const { attribute, sub, where } = target;
  if (sub) return writeSubAttribute(container, target, sub, value);
  const current = getKey(container, attribute.name);
  if (attribute.multiValued) {
    // "If the target location is a multi-valued attribute and no filter is specified, the attribute and
    // all values are replaced."
    const elements = toElements(run.registry, attribute, value, where);
    if (elements.length === 0) return remove(run, target, true);
    checkImmutable(attribute, current, elements, where);
    setKey(container, attribute.name, elements);
    return;
  }
  // "If the target location is a complex attribute, a set of sub-attributes SHALL be specified in the
  // value parameter, which replaces any existing values or adds where an attribute did not previously
  // exist. Sub-attributes that are not specified in the value parameter are left unchanged."
  if (attribute.type === 'complex') return mergeComplex(run.registry, container, target, current, value);
  checkImmutable(attribute, current, value, where);
  setKey(container, attribute.name, cloneJson(value));
}

/** RFC 7644 §3.5.2.2. `lenient`: a filter that matches nothing is not an error (replace with null). */
function remove(run: Run, target: Target, lenient = false): void {
  const { attribute, sub, filter, where } = target;
  const container = containerOf(run, target, false);
  if (filter) {
    checkValueFilter(run.registry, attribute, filter, where);
    const elements = container ? arrayOf(getKey(container, attribute.name)) : [];
    const matched = elements.filter((element) =>
      matchesValueFilter(run.registry, attribute, element, filter, where),
    );
    if (matched.length === 0) {
      if (lenient) return;
      throw ScimError.badRequest(
        'noTarget',
        `No value of '${attribute.name}' matches the filter of '${where}' (RFC 7644 §3.5.2.2).`,
      );
    }
    const holder = container as Json;
    if (sub) {
      checkRemovable(sub, where);
      for (const element of matched) {
        if (!isPlainObject(element)) continue;
        checkImmutable(sub, getKey(element, sub.name), undefined, where);
        deleteKey(element, sub.name);
      }
      setKey(
        holder,
        attribute.name,
        elements.filter((element) => !isUnassigned(element)),
      );
      return;
    }
    const selected = new Set(matched);
    const kept = elements.filter((element) => !selected.has(element));
    // "If no other values remain after removal of the selected values, the multi-valued attribute SHALL be
    // considered unassigned."
    if (kept.length === 0) {
      checkRemovable(attribute, where);
      deleteKey(holder, attribute.name);
    } else {
      checkImmutable(attribute, elements, kept, where);
      setKey(holder, attribute.name, kept);
    }
    return;
  }
  if (!container) return;
  const current = getKey(container, attribute.name);
  if (sub) {
    checkRemovable(sub, where);
    if (attribute.multiValued) {
      for (const element of arrayOf(current)) {
        if (!isPlainObject(element)) continue;
        checkImmutable(sub, getKey(element, sub.name), undefined, where);
        deleteKey(element, sub.name);
      }
    } else if (isPlainObject(current)) {
      checkImmutable(sub, getKey(current, sub.name), undefined, where);
      deleteKey(current, sub.name);
    }
    if (isUnassigned(current)) deleteKey(container, attribute.name);
    return;
  }
  // Removing an attribute that has no value leaves the resource as it is; RFC 7644 Table 9 keeps
  // noTarget for filters that match nothing.
  checkRemovable(attribute, where);
  checkImmutable(attribute, current, undefined, where);
  deleteKey(container, attribute.name);
}

/** `remove` (or replace with null) of a whole extension: `urn:…:enterprise:2.0:User`. */
function removeExtension(run: Run, urn: string): void {
  const schema = run.registry.getSchema(urn);
  for (const def of schema?.attributes ?? []) checkRemovable(def, `${urn}:${def.name}`);
  deleteKey(run.root, urn);
}

function applyOperation(run: Run, op: PatchOperation): void {
  if (!op.path) {
    // expandPathless split every path-less add/replace; parsePatchRequest rejects path-less remove.
    throw ScimError.badRequest('noTarget', `${op.op} needs a "path" or an object value.`);
  }
  const path = op.path;
  if (!path.filter && path.subAttribute === undefined) {
    const urn = extensionOfPath(run.registry, run.resourceType, path.path);
    if (urn) return removeExtension(run, urn);
  }
  const target = resolveTarget(run.registry, run.resourceType, path);
  if (isMembersTarget(run.resourceType, target)) {
    run.memberOps.push(...memberOpsOf(op));
    return;
  }
  const { attribute, sub, where } = target;
  // The server derives `schemas` from the attributes present (validateResource), so operations on it
  // have no effect of their own.
  if (!target.resolved.extension && attribute.name === 'schemas') return;
  if (attribute.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
    throw mutability(`Attribute '${where}' is readOnly (RFC 7644 §3.5.2).`);
  }
  switch (op.op) {
    case 'add':
      return add(run, target, op.value);
    case 'replace':
      return replace(run, target, op.value);
    case 'remove':
      if (attribute.multiValued && !target.filter && !sub && !isUnassigned(op.value)) {
        // Read literally this would remove every value; say so instead of guessing.
        throw invalidValue(
          `remove takes no value; select the values to remove with a filter, e.g. '${attribute.name}[value eq "…"]' (RFC 7644 §3.5.2.2).`,
        );
      }
      return remove(run, target);
  }
}

/**
 * Applies PATCH operations (from parsePatchRequest) to a stored resource (no id, meta, groups or members).
 * All or none: the input is never modified, and any failure throws a ScimError before anything is
 * returned. Group `members` operations become `memberOps` and never touch `resource`.
 */
export function applyPatch(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  resource: ScimResource,
  ops: PatchOperation[],
  context: PatchContext,
): PatchResult {
  const dialects = new Set<string>(ops.flatMap((op) => op.dialects ?? []));
  const expanded = expandPathless(registry, resourceType, ops);
  expanded.dialects.forEach((name) => dialects.add(name));

  // Schema-aware dialect rules; each returns its input unchanged when it does not apply.
  let normalised: readonly PatchOperation[] = expanded.ops;
  const rules: [string, (input: readonly PatchOperation[]) => readonly PatchOperation[]][] = [
    [OKTA_ECHOED_ID, (input) => dropEchoedId(registry, resourceType, input, context)],
    [ENTRA_STRING_BOOLEANS, (input) => coerceStringBooleans(registry, resourceType, input)],
    [ENTRA_MANAGER_STRING, (input) => wrapManagerString(registry, resourceType, input)],
  ];
  for (const [name, rule] of rules) {
    const next = rule(normalised);
    if (next !== normalised) dialects.add(name);
    normalised = next;
  }

  const run: Run = { registry, resourceType, root: cloneJson(resource), memberOps: [], dialects };
  for (const op of normalised) applyOperation(run, op);

  const validated = validateResource(registry, resourceType, run.root, 'patchResult', resource);
  validated.dialects.forEach((name) => dialects.add(name));
  const result = validated.resource;
  const memberOps = resourceType === 'Group' ? compactMemberOps(run.memberOps) : [];
  // Change detection happens here, once: the services trust `changed` (STYLE §3).
  const { changed, changedAttributes } = compareResources(registry, resourceType, resource, result);
  if (memberOps.length > 0) changedAttributes.push('members');
  return {
    resource: result,
    changed,
    memberOps,
    changedAttributes,
    dialects: [...dialects].sort(),
  };
}
