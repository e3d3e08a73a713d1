/**
 * In-memory evaluation of a PATCH value filter (`emails[type eq "work"]`, RFC 7644 §3.5.2) against the
 * elements of one multi-valued attribute of one resource. The arrays are small; queries over many resources
 * go through the SQL compiler instead.
 */
import { ScimError } from '../errors.js';
import type { AttrPath, CompareOp, Filter, FilterValue } from '../filter/ast.js';
import type { SchemaRegistry } from '../schema/registry.js';
import type { AttributeDefinition } from '../schema/types.js';
import { parseDateTime } from '../schema/values.js';
import { parseBoolean } from '../dialects/values.js';
import { getKey, isPlainObject, isPresent, isUnassigned } from './json-util.js';

/** The definition a path inside `parent[...]` names: a sub-attribute, or `value` of a simple attribute. */
export function filterAttribute(
  registry: SchemaRegistry,
  parent: AttributeDefinition,
  path: AttrPath,
  where: string,
): AttributeDefinition {
  if (path.uri !== undefined || path.subAttribute !== undefined) {
    throw ScimError.badRequest(
      'invalidFilter',
      `The value filter of '${where}' may only name sub-attributes of '${parent.name}'.`,
    );
  }
  if (parent.type !== 'complex') {
    // A simple multi-valued attribute: its elements are addressed as `value` (RFC 7644 §3.4.2.2).
    if (path.attribute.toLowerCase() === 'value') return { ...parent, multiValued: false };
  } else {
    const sub = registry.subAttribute(parent, path.attribute);
    if (sub) return sub;
  }
  throw ScimError.badRequest(
    'invalidPath',
    `Unknown attribute '${path.attribute}' in the value filter of '${where}'.`,
  );
}

function readElement(parent: AttributeDefinition, element: unknown, def: AttributeDefinition): unknown {
  if (parent.type !== 'complex') return element;
  return isPlainObject(element) ? getKey(element, def.name) : undefined;
}

function unsupported(op: CompareOp, def: AttributeDefinition, where: string): never {
  throw ScimError.badRequest(
    'invalidFilter',
    `Operator '${op}' cannot compare ${def.type} attribute '${def.name}' in the value filter of '${where}'.`,
  );
}

function compareOrdered<T>(op: CompareOp, a: T, b: T): boolean {
  switch (op) {
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    default:
      return a === b;
  }
}

function compareStrings(op: CompareOp, actual: string, expected: string, caseExact: boolean): boolean {
  const a = caseExact ? actual : actual.toLowerCase();
  const b = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    default:
      return compareOrdered(op, a, b);
  }
}

/** One comparison (RFC 7644 §3.4.2.2 Table 3), with the attribute's type and caseExact (RFC 7643 §2.2). */
export function compareValue(
  def: AttributeDefinition,
  actual: unknown,
  op: CompareOp,
  expected: FilterValue,
  where: string,
): boolean {
  if (def.type === 'complex') unsupported(op, def, where);
  const ordered = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
  const textual = op === 'co' || op === 'sw' || op === 'ew';
  if ((def.type === 'boolean' || def.type === 'binary') && ordered) unsupported(op, def, where);
  if ((def.type === 'boolean' || def.type === 'integer' || def.type === 'decimal') && textual) {
    unsupported(op, def, where);
  }
  if (Array.isArray(actual)) return actual.some((item) => compareValue(def, item, op, expected, where));
  if (expected === null) {
    // `eq null` asks for an unassigned value (RFC 7643 §2.5).
    // As the SQL compiler reads it: `eq null` is `not pr`, so "" counts as no value here.
    if (op === 'eq') return !isPresent(actual);
    if (op === 'ne') return isPresent(actual);
    return false;
  }
  if (isUnassigned(actual)) return op === 'ne';

  let equal: boolean | undefined;
  switch (def.type) {
    case 'boolean': {
      // Entra writes `roles[primary eq "True"]` (scim-clients.md §2.4).
      const a = parseBoolean(actual);
      const b = parseBoolean(expected);
      equal = a !== undefined && a === b;
      break;
    }
    case 'integer':
    case 'decimal': {
      if (typeof actual !== 'number' || typeof expected !== 'number') {
        equal = false;
        if (ordered) return false;
        break;
      }
      return op === 'ne' ? actual !== expected : compareOrdered(op, actual, expected);
    }
    case 'dateTime': {
      // Compared as instants, so "…Z" and "…+00:00" are equal.
      if (typeof actual !== 'string' || typeof expected !== 'string') return op === 'ne';
      if (textual) return compareStrings(op, actual, expected, true);
      // The stored value and the filter's are read by the one xsd:dateTime definition.
      const instant = (text: string) => Date.parse(parseDateTime(text)?.toUpperCase() ?? 'invalid');
      const a = instant(actual);
      const b = instant(expected);
      if (Number.isNaN(a) || Number.isNaN(b)) return op === 'ne';
      return op === 'ne' ? a !== b : compareOrdered(op, a, b);
    }
    default: {
      if (typeof actual !== 'string' || typeof expected !== 'string') return op === 'ne';
      return compareStrings(op, actual, expected, def.caseExact);
    }
  }
  if (op === 'eq') return equal;
  if (op === 'ne') return !equal;
  return false;
}

/** Whether one element of the multi-valued attribute `parent` matches the value filter. */
export function matchesValueFilter(
  registry: SchemaRegistry,
  parent: AttributeDefinition,
  element: unknown,
  filter: Filter,
  where: string,
): boolean {
  switch (filter.kind) {
    case 'and':
      return (
        matchesValueFilter(registry, parent, element, filter.left, where) &&
        matchesValueFilter(registry, parent, element, filter.right, where)
      );
    case 'or':
      return (
        matchesValueFilter(registry, parent, element, filter.left, where) ||
        matchesValueFilter(registry, parent, element, filter.right, where)
      );
    case 'not':
      return !matchesValueFilter(registry, parent, element, filter.filter, where);
    case 'present': {
      const def = filterAttribute(registry, parent, filter.path, where);
      return isPresent(readElement(parent, element, def));
    }
    case 'compare': {
      const def = filterAttribute(registry, parent, filter.path, where);
      return compareValue(def, readElement(parent, element, def), filter.op, filter.value, where);
    }
    case 'valuePath':
      throw ScimError.badRequest('invalidFilter', `Value filters cannot be nested (in '${where}').`);
  }
}

/**
 * Checks a value filter against the schema without any element (so an unknown attribute is reported even
 * when the attribute has no values yet).
 */
export function checkValueFilter(
  registry: SchemaRegistry,
  parent: AttributeDefinition,
  filter: Filter,
  where: string,
): void {
  const stack: Filter[] = [filter];
  while (stack.length > 0) {
    const node = stack.pop() as Filter;
    switch (node.kind) {
      case 'and':
      case 'or':
        stack.push(node.left, node.right);
        break;
      case 'not':
        stack.push(node.filter);
        break;
      case 'present':
        filterAttribute(registry, parent, node.path, where);
        break;
      case 'compare':
        compareValue(
          filterAttribute(registry, parent, node.path, where),
          undefined,
          node.op,
          node.value,
          where,
        );
        break;
      case 'valuePath':
        throw ScimError.badRequest('invalidFilter', `Value filters cannot be nested (in '${where}').`);
    }
  }
}
