import { ScimError } from '../../domain/errors.js';

/** RFC 7644 §3.14: meta.version and the ETag header are a weak entity tag over the version column. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

function tagsOf(header: string): string[] {
  return header
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
}

/** Weak comparison (RFC 9110 §8.8.3.2): W/"3" matches "3" and W/"3". */
function sameTag(a: string, b: string): boolean {
  const strip = (tag: string) => tag.replace(/^W\//, '');
  return strip(a) === strip(b);
}

/** If-Match on PUT/PATCH/DELETE: 412 when the resource moved on since the client read it. */
export function assertIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined || ifMatch.trim() === '') return;
  const current = etagOf(version);
  const tags = tagsOf(ifMatch);
  if (tags.includes('*') || tags.some((tag) => sameTag(tag, current))) return;
  throw new ScimError(412, `Resource version is ${current}, not ${ifMatch.trim()}`);
}

/** If-None-Match on GET: true when the client's copy is current (answer 304). */
export function isNotModified(ifNoneMatch: string | undefined, version: number): boolean {
  if (!ifNoneMatch) return false;
  const current = etagOf(version);
  return tagsOf(ifNoneMatch).some((tag) => tag === '*' || sameTag(tag, current));
}
