import { ScimError } from '../errors.js';
import { isPlainObject } from '../schema/json.js';

/** RFC 7644 §3.7.2: a value `bulkId:<id>` stands for the id of the resource a POST with that bulkId created. */
export const BULK_ID_PREFIX = 'bulkId:';

/**
 * Whether `key` holds a resource id that may be given as a bulkId reference: a `value` at any depth of
 * an operation's data (a group's `members[].value`, the enterprise `manager.value`, and the `value` of
 * PATCH operations, which may be such an id itself or carry objects that hold one).
 */
function holdsReference(key: string): boolean {
  return key.toLowerCase() === 'value';
}

function isReference(value: unknown): value is string {
  return (
    typeof value === 'string' && value.startsWith(BULK_ID_PREFIX) && value.length > BULK_ID_PREFIX.length
  );
}

/** Calls `visit` for every string that sits where a reference may (see holdsReference). */
function walk(value: unknown, underReference: boolean, visit: (text: string) => void, depth = 0): void {
  if (depth > 64) return;
  if (typeof value === 'string') {
    if (underReference) visit(value);
  } else if (Array.isArray(value)) {
    for (const item of value) walk(item, underReference, visit, depth + 1);
  } else if (isPlainObject(value)) {
    for (const [key, inner] of Object.entries(value)) walk(inner, holdsReference(key), visit, depth + 1);
  }
}

/** The bulkIds `data` refers to, each once, in the order they appear. */
export function bulkIdsIn(data: unknown): string[] {
  const found = new Set<string>();
  walk(data, false, (text) => {
    if (isReference(text)) found.add(text.slice(BULK_ID_PREFIX.length));
  });
  return [...found];
}

/**
 * `data` with every reference replaced by the id `resolve` gives for its bulkId (a copy; `data` is
 * left as it is). `resolve` throws the operation's error for a bulkId it cannot resolve.
 */
export function resolveBulkIds(data: unknown, resolve: (bulkId: string) => string): unknown {
  const copy = (value: unknown, underReference: boolean, depth: number): unknown => {
    if (depth > 64) return value;
    if (typeof value === 'string')
      return underReference && isReference(value) ? resolve(value.slice(BULK_ID_PREFIX.length)) : value;
    if (Array.isArray(value)) return value.map((item) => copy(item, underReference, depth + 1));
    if (isPlainObject(value)) {
      // fromEntries defines each key as data (a "__proto__" key stays a key).
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [key, copy(inner, holdsReference(key), depth + 1)]),
      );
    }
    return value;
  };
  return copy(data, false, 0);
}

/** The error of an operation that names a bulkId no POST of the request defines. */
export function unknownBulkId(bulkId: string): ScimError {
  return ScimError.badRequest(
    'invalidValue',
    `bulkId "${bulkId}" is not defined by any POST operation of this request.`,
  );
}
