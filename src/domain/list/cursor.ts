import { ScimError } from '../errors.js';
import { isUuid } from '../ids.js';

/**
 * The one cursor codec of the server. RFC 9865 cursors for SCIM lists: a keyset cursor carries the last
 * row's sort value and id, so a page deep into a large directory costs what the first one does; an offset
 * cursor serves orders that may hold NULLs. The audit trail pages by event id (`before`, newest first).
 * The token is base64url of a small JSON object (RFC 3986 unreserved characters only), opaque to clients.
 */
export type CursorPosition =
  | { kind: 'keyset'; value: string | number | boolean; id: string }
  | { kind: 'offset'; offset: number }
  | { kind: 'before'; id: string };

export type CursorKind = CursorPosition['kind'];

/** An audit event id: a bigint sequence value, as text. */
const EVENT_ID = /^\d{1,19}$/;

export function encodeCursor(position: CursorPosition): string {
  const payload =
    position.kind === 'keyset'
      ? { k: position.value, i: position.id }
      : position.kind === 'offset'
        ? { o: position.offset }
        : { b: position.id };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

function decodeAny(text: string): CursorPosition | undefined {
  // Audit cursors issued before this codec served them: base64url of "before:<event id>".
  const legacy = /^before:(\d{1,19})$/.exec(text);
  if (legacy) return { kind: 'before', id: legacy[1] };
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { k, i, o, b } = payload as { k?: unknown; i?: unknown; o?: unknown; b?: unknown };
  if (typeof o === 'number' && Number.isInteger(o) && o >= 0) return { kind: 'offset', offset: o };
  if (typeof b === 'string' && EVENT_ID.test(b)) return { kind: 'before', id: b };
  const validKey = typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean';
  if (validKey && isUuid(i)) return { kind: 'keyset', value: k, id: i };
  return undefined;
}

/**
 * The position a token names, when it is one of the `accepted` kinds; anything else (not base64url, not
 * ours, or a cursor of another listing) is a 400 invalidCursor (RFC 9865 §4).
 */
export function decodeCursor<K extends CursorKind = 'keyset' | 'offset'>(
  token: string,
  accepted: readonly K[] = ['keyset', 'offset'] as K[],
): Extract<CursorPosition, { kind: K }> {
  const invalid = () => ScimError.badRequest('invalidCursor', 'The cursor is not one this server issued');
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(token)) throw invalid();
  const position = decodeAny(Buffer.from(token, 'base64url').toString('utf8'));
  if (!position || !(accepted as readonly CursorKind[]).includes(position.kind)) throw invalid();
  return position as Extract<CursorPosition, { kind: K }>;
}
