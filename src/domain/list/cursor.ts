import { ScimError } from '../errors.js';

/**
 * RFC 9865 cursors. A keyset cursor carries the last row's sort value and id, so a page deep into a
 * large directory costs what the first one does; an offset cursor serves orders that may hold NULLs.
 * The token is base64url (RFC 3986 unreserved characters only) and opaque to clients.
 */
export type CursorPosition =
  { kind: 'keyset'; value: string | number | boolean; id: string } | { kind: 'offset'; offset: number };

export function encodeCursor(position: CursorPosition): string {
  const payload = position.kind === 'keyset' ? { k: position.value, i: position.id } : { o: position.offset };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export function decodeCursor(token: string): CursorPosition {
  const invalid = () => ScimError.badRequest('invalidCursor', 'The cursor is not one this server issued');
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(token)) throw invalid();
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof payload !== 'object' || payload === null) throw invalid();
  const { k, i, o } = payload as { k?: unknown; i?: unknown; o?: unknown };
  if (typeof o === 'number' && Number.isInteger(o) && o >= 0) return { kind: 'offset', offset: o };
  const validKey = typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean';
  if (validKey && typeof i === 'string' && /^[0-9a-f-]{36}$/i.test(i))
    return { kind: 'keyset', value: k, id: i };
  throw invalid();
}
