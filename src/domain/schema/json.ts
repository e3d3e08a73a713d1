/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own key of `obj` equal to `name` ignoring case (RFC 7643 §2.1), the last one when several match. */
export function findKey(obj: Record<string, unknown>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  for (const key of Object.keys(obj)) if (key.toLowerCase() === wanted) found = key;
  return found;
}
