import { ScimError } from '../errors.js';

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * "Unassigned" (RFC 7643 §2.5: "Unassigned attributes, the null value, or empty array … SHALL be
 * considered to be equivalent in state"): undefined, null, an empty array, and, because the stored form
 * drops them, a complex value whose sub-attributes are all unassigned and an array holding only
 * unassigned values. An empty string is a value (the RFC names null and the empty array only, and the
 * validator stores ""); whether "" counts for the filter operator `pr` is `isPresent`.
 */
export function isUnassigned(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.every(isUnassigned);
  if (isPlainObject(value)) return Object.values(value).every(isUnassigned);
  return false;
}

/** The filter operator `pr` (RFC 7644 §3.4.2.2, "has a non-empty value"): assigned and not "". */
export function isPresent(value: unknown): boolean {
  return value !== '' && !isUnassigned(value);
}

/** Own key of `obj` equal to `name` ignoring case (RFC 7643 §2.1), the last one when several match. */
export function findKey(obj: Record<string, unknown>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  for (const key of Object.keys(obj)) if (key.toLowerCase() === wanted) found = key;
  return found;
}

/**
 * How deeply a request body may nest. SCIM resources nest three levels (an extension's complex
 * attribute's sub-attribute); a PatchOp body two more. The cap leaves ample room for identity-provider
 * extras while keeping every walk over a body (copying, comparing, validating) shallow.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether the value nests deeper than `maxDepth` levels (the top value is level 1); no recursion. */
export function exceedsDepth(value: unknown, maxDepth = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Checks a request body before anything reads it: no nesting beyond MAX_JSON_DEPTH (400 invalidSyntax)
 * and no U+0000 in any string or key (400 invalidValue). PostgreSQL text and jsonb cannot hold U+0000
 * (22P05), so such a value could never be stored; it is refused wherever it sits, attributes the server
 * would drop included, so that the answer does not depend on where a value is stored.
 */
export function assertStorableJson(value: unknown, where = 'The request body'): void {
  if (exceedsDepth(value)) {
    throw ScimError.badRequest('invalidSyntax', `${where} nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (item.includes('\u0000')) throw nulError(where);
    } else if (Array.isArray(item)) {
      for (const child of item) stack.push(child);
    } else if (isPlainObject(item)) {
      for (const [key, child] of Object.entries(item)) {
        if (key.includes('\u0000')) throw nulError(where);
        stack.push(child);
      }
    }
  }
}

function nulError(where: string): ScimError {
  return ScimError.badRequest(
    'invalidValue',
    `${where} contains the character U+0000, which no attribute can hold.`,
  );
}
