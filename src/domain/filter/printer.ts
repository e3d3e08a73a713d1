/**
 * Canonical text of filters and PATCH paths: lowercase keywords, single spaces, JSON values, and only the
 * parentheses the tree needs (`and` binds tighter than `or`, both left-associative, RFC 7644 §3.4.2.2), so
 * that `parseFilter(printFilter(f))` deep-equals `f` for every tree the parser can produce.
 */
import type { AttrPath, Filter, FilterValue, PatchPath } from './ast.js';

export function printAttrPath(path: AttrPath): string {
  const name = path.subAttribute === undefined ? path.attribute : `${path.attribute}.${path.subAttribute}`;
  return path.uri === undefined ? name : `${path.uri}:${name}`;
}

/** compValue as JSON (RFC 7644 §3.4.2.2: "rules from JSON"). */
export function printValue(value: FilterValue): string {
  return JSON.stringify(value);
}

/** or = 1, and = 2, everything else binds tightest. */
function precedence(filter: Filter): number {
  return filter.kind === 'or' ? 1 : filter.kind === 'and' ? 2 : 3;
}

function operand(filter: Filter, minimum: number): string {
  const text = printFilter(filter);
  return precedence(filter) >= minimum ? text : `(${text})`;
}

export function printFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return `${printAttrPath(filter.path)} ${filter.op} ${printValue(filter.value)}`;
    case 'present':
      return `${printAttrPath(filter.path)} pr`;
    // Left-associative: a right operand of the same operator needs parentheses to keep its shape.
    case 'or':
      return `${operand(filter.left, 1)} or ${operand(filter.right, 2)}`;
    case 'and':
      return `${operand(filter.left, 2)} and ${operand(filter.right, 3)}`;
    case 'not':
      return `not (${printFilter(filter.filter)})`;
    case 'valuePath':
      return `${printAttrPath(filter.path)}[${printFilter(filter.filter)}]`;
  }
}

/** PATH = attrPath / valuePath [subAttr] (RFC 7644 §3.5.2). */
export function printPath(path: PatchPath): string {
  let text = printAttrPath(path.path);
  if (path.filter !== undefined) text += `[${printFilter(path.filter)}]`;
  if (path.subAttribute !== undefined) text += `.${path.subAttribute}`;
  return text;
}
