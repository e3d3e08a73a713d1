import { findKey, isPlainObject, isPresent, isUnassigned } from '../schema/json.js';

export { findKey, isPlainObject, isPresent, isUnassigned };

/**
 * Sets an own property without ever touching the prototype chain: a JSON body may carry a "__proto__" key,
 * and `obj["__proto__"] = v` would replace the object's prototype.
 */
export function defineKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A deep copy of JSON data (plain objects, arrays, primitives); anything else is copied by reference. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => cloneJson(item)) as T;
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) defineKey(copy, key, cloneJson(item));
    return copy as T;
  }
  return value;
}

/** Structural equality of JSON data (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keysA = Object.keys(a);
    if (keysA.length !== Object.keys(b).length) return false;
    return keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** Reads an attribute by name, case-insensitively (RFC 7643 §2.1). */
export function getKey(obj: Record<string, unknown>, name: string): unknown {
  const key = findKey(obj, name);
  return key === undefined ? undefined : obj[key];
}

/** Writes an attribute under its canonical name, dropping any differently-cased duplicate. */
export function setKey(obj: Record<string, unknown>, name: string, value: unknown): void {
  deleteKey(obj, name);
  defineKey(obj, name, value);
}

/** Removes an attribute in every case variant. */
export function deleteKey(obj: Record<string, unknown>, name: string): void {
  for (let key = findKey(obj, name); key !== undefined; key = findKey(obj, name)) delete obj[key];
}
