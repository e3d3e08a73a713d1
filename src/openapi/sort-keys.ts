/**
 * A deep copy with every object's keys in code-point order, so the generated document is byte-for-byte
 * the same whatever order decorators and modules registered things in. Arrays keep their order (enums,
 * `required`, tags and parameters are meaningful in order).
 */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => sortKeys(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== undefined) sorted[key] = sortKeys(child);
  }
  return sorted as T;
}

/** The committed form of a JSON document: sorted keys, two-space indent, trailing newline. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}
