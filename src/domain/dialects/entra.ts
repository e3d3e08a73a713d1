/**
 * Microsoft Entra ID provisioning dialect (scim-clients.md §2.5–2.7, §4). Each rule is a pure function that
 * returns its input array unchanged (the same reference) when it does not apply, so callers can log which
 * rules fired.
 */
import type { Filter, PatchPath } from '../filter/ast.js';
import type { SchemaRegistry } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeName } from '../schema/types.js';
import { GROUP_SCHEMA } from '../schema/urns.js';
import { defineKey, getKey, isPlainObject } from '../patch/json-util.js';
import { parseMemberRefs } from '../patch/members.js';
import { tryResolveTarget, valueDefinition } from '../patch/target.js';
import type { PatchOpName, PatchOperation } from '../patch/types.js';
import {
  ENTRA_CREATE_FILTERED_ELEMENT,
  ENTRA_MANAGER_STRING,
  ENTRA_OP_NAME_CASE,
  ENTRA_REMOVE_MEMBERS_BY_VALUE,
  ENTRA_STRING_BOOLEANS,
} from './rules.js';
import { managerStringValue, parseBoolean, stringBooleanValue } from './values.js';

export {
  ENTRA_CREATE_FILTERED_ELEMENT,
  ENTRA_MANAGER_STRING,
  ENTRA_OP_NAME_CASE,
  ENTRA_REMOVE_MEMBERS_BY_VALUE,
  ENTRA_STRING_BOOLEANS,
};

const OP_NAMES: readonly PatchOpName[] = ['add', 'remove', 'replace'];

/** Entra sends "Add", "Replace", "Remove" (ENTRA-COMPAT); RFC 7644 §3.5.2 spells them in lower case. */
export function normalizeOpName(raw: unknown): PatchOpName | undefined {
  if (typeof raw !== 'string') return undefined;
  const lower = raw.toLowerCase();
  return OP_NAMES.find((name) => name === lower);
}

function withDialect(op: PatchOperation, name: string): string[] {
  return [...(op.dialects ?? []), name];
}

function isMembersPath(path: PatchPath): boolean {
  const { uri, attribute, subAttribute } = path.path;
  return (
    attribute.toLowerCase() === 'members' &&
    subAttribute === undefined &&
    path.filter === undefined &&
    path.subAttribute === undefined &&
    (uri === undefined || uri.toLowerCase() === GROUP_SCHEMA.toLowerCase())
  );
}

/** `value eq "a" or value eq "b" …` as a balanced tree, so thousands of ids stay shallow. */
export function memberValueFilter(ids: readonly string[]): Filter {
  const build = (from: number, to: number): Filter => {
    if (to - from === 1) {
      return { kind: 'compare', path: { attribute: 'value' }, op: 'eq', value: ids[from] };
    }
    const middle = from + Math.ceil((to - from) / 2);
    return { kind: 'or', left: build(from, middle), right: build(middle, to) };
  };
  return build(0, ids.length);
}

/**
 * Entra's default job removes members with `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`
 * (scim-clients.md §2.7); read literally (RFC 7644 §3.5.2.2) that removes every member. Rewritten to
 * `members[value eq "<id>" or …]`, so only the listed members go. An empty list removes nobody.
 */
export function removeMembersByValue(ops: readonly PatchOperation[]): readonly PatchOperation[] {
  let changed = false;
  const result: PatchOperation[] = [];
  for (const op of ops) {
    if (
      op.op !== 'remove' ||
      !op.path ||
      !isMembersPath(op.path) ||
      op.value === undefined ||
      op.value === null
    ) {
      result.push(op);
      continue;
    }
    changed = true;
    const ids = parseMemberRefs(op.value, 'the remove operation').map((ref) => ref.value);
    if (ids.length === 0) continue;
    result.push({
      op: 'remove',
      path: { path: op.path.path, filter: memberValueFilter(ids) },
      dialects: withDialect(op, ENTRA_REMOVE_MEMBERS_BY_VALUE),
    });
  }
  return changed ? result : ops;
}

/** Converts "True"/"False" (any case) for boolean attributes, recursing into complex and multi-valued values. */
function coerceBooleans(
  registry: SchemaRegistry,
  def: AttributeDefinition,
  value: unknown,
  asElement = false,
): unknown {
  if (def.multiValued && !asElement && Array.isArray(value)) {
    const items = value.map((item) => coerceBooleans(registry, def, item, true));
    return items.every((item, i) => item === value[i]) ? value : items;
  }
  if (def.type === 'boolean') return stringBooleanValue(def, value)?.value ?? value;
  if (def.type === 'complex' && isPlainObject(value)) {
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const sub = registry.subAttribute(def, key);
      const coerced = sub ? coerceBooleans(registry, sub, item) : item;
      if (coerced !== item) {
        copy ??= { ...value };
        defineKey(copy, key, coerced);
      }
    }
    return copy ?? value;
  }
  return value;
}

function coerceFilterBooleans(registry: SchemaRegistry, parent: AttributeDefinition, filter: Filter): Filter {
  switch (filter.kind) {
    case 'and':
    case 'or': {
      const left = coerceFilterBooleans(registry, parent, filter.left);
      const right = coerceFilterBooleans(registry, parent, filter.right);
      return left === filter.left && right === filter.right ? filter : { ...filter, left, right };
    }
    case 'not': {
      const inner = coerceFilterBooleans(registry, parent, filter.filter);
      return inner === filter.filter ? filter : { ...filter, filter: inner };
    }
    case 'compare': {
      const sub =
        filter.path.uri === undefined ? registry.subAttribute(parent, filter.path.attribute) : undefined;
      if (sub?.type !== 'boolean' || typeof filter.value !== 'string') return filter;
      const value = parseBoolean(filter.value);
      return value === undefined ? filter : { ...filter, value };
    }
    default:
      return filter;
  }
}

/**
 * Entra's default job sends booleans as strings: `{"op":"Replace","path":"active","value":"False"}` and
 * `roles[primary eq "True"].value` (scim-clients.md §2.4, §2.6). Converted for boolean attributes only, in
 * values (nested too) and in value filters; a string for a string attribute is left alone.
 */
export function coerceStringBooleans(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  ops: readonly PatchOperation[],
): readonly PatchOperation[] {
  let changed = false;
  const result = ops.map((op) => {
    if (!op.path) return op;
    const target = tryResolveTarget(registry, resourceType, op.path);
    if (!target) return op;
    const value =
      op.value === undefined ? undefined : coerceBooleans(registry, valueDefinition(target), op.value);
    const filter = target.filter
      ? coerceFilterBooleans(registry, target.attribute, target.filter)
      : undefined;
    if (value === op.value && filter === op.path.filter) return op;
    changed = true;
    return {
      ...op,
      path: filter === op.path.filter ? op.path : { ...op.path, filter },
      ...(value === undefined ? {} : { value }),
      dialects: withDialect(op, ENTRA_STRING_BOOLEANS),
    };
  });
  return changed ? result : ops;
}

/**
 * Entra sends the enterprise `manager` as a bare id, `{"op":"Add","path":"urn:…:User:manager","value":"2c2f…"}`
 * (SCIM-SDK#686, directory-scimple#1242); RFC 7643 §4.3 makes it complex, so it becomes `{"value": "2c2f…"}`.
 */
export function wrapManagerString(
  registry: SchemaRegistry,
  resourceType: ResourceTypeName,
  ops: readonly PatchOperation[],
): readonly PatchOperation[] {
  let changed = false;
  const result = ops.map((op) => {
    if (!op.path || typeof op.value !== 'string' || op.op === 'remove') return op;
    const target = tryResolveTarget(registry, resourceType, op.path);
    if (!target || target.sub || target.filter) return op;
    const rewritten = managerStringValue(registry, target.attribute, op.value);
    if (!rewritten) return op;
    changed = true;
    return { ...op, value: rewritten.value, dialects: withDialect(op, rewritten.rule) };
  });
  return changed ? result : ops;
}

/** The `attr eq value` pairs of a filter made only of `eq` and `and`, or undefined. */
type EqualityPair = [attribute: string, value: string | number | boolean];

function equalityPairs(filter: Filter, pairs: EqualityPair[] = []): EqualityPair[] | undefined {
  if (filter.kind === 'and') {
    return equalityPairs(filter.left, pairs) && equalityPairs(filter.right, pairs);
  }
  if (
    filter.kind !== 'compare' ||
    filter.op !== 'eq' ||
    filter.value === null ||
    filter.path.uri !== undefined ||
    filter.path.subAttribute !== undefined
  ) {
    return undefined;
  }
  pairs.push([filter.path.attribute, filter.value]);
  return pairs;
}

/**
 * Entra adds and replaces `emails[type eq "work"].value` (also phoneNumbers, addresses…) when the user has
 * no such element yet and expects it to be created (scim-clients.md §2.5, §5 item 8; RFC 7644 erratum
 * 8097). A hook of the engine: called only when the filter matched nothing. Builds the element from the
 * filter's `attr eq value` terms (joined by `and`) plus the value; undefined when the filter has any other
 * shape (the engine then answers 400 noTarget).
 */
export function synthesiseFilteredElement(
  registry: SchemaRegistry,
  parent: AttributeDefinition,
  filter: Filter,
  sub: AttributeDefinition | undefined,
  value: unknown,
): Record<string, unknown> | undefined {
  if (parent.type !== 'complex') return undefined;
  const pairs = equalityPairs(filter);
  if (!pairs) return undefined;
  const element: Record<string, unknown> = {};
  for (const [name, raw] of pairs) {
    const def = registry.subAttribute(parent, name);
    if (!def || def.type === 'complex') return undefined;
    const item = def.type === 'boolean' ? (parseBoolean(raw) ?? raw) : raw;
    const existing = getKey(element, def.name);
    // `type eq "work" and type eq "home"` describes no element.
    if (existing !== undefined && existing !== item) return undefined;
    defineKey(element, def.name, item);
  }
  if (sub) {
    defineKey(element, sub.name, value);
    return element;
  }
  if (!isPlainObject(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    defineKey(element, registry.subAttribute(parent, key)?.name ?? key, item);
  }
  return element;
}
