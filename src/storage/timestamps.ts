/** PostgreSQL's text form of a timestamptz in UTC: "2026-11-28 14:30:00.123456+00". */
const UTC_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?\+00$/;

/** RFC 7643 §2.3.5 dateTime (xsd:dateTime) from a PostgreSQL timestamptz, in UTC with milliseconds. */
export function isoTimestamp(value: Date | string): string {
  if (value instanceof Date) return value.toISOString();
  // The common form, in UTC: rewritten as text (milliseconds truncated, as Date would), not parsed.
  const utc = UTC_TEXT.exec(value);
  if (utc) return `${utc[1]}T${utc[2]}.${(utc[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  // PostgreSQL text form: "2026-11-28 14:30:00.123456+00" (offset may carry minutes).
  const normalized = value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  const parsed = new Date(normalized);
  return Number.isNaN(parsed.getTime()) ? value : parsed.toISOString();
}

/** A nullable timestamp column as ISO text (the driver hands timestamps over as text or as Dates). */
export function isoOrNull(value: Date | string | null | undefined): string | null {
  return value === null || value === undefined ? null : isoTimestamp(value);
}
