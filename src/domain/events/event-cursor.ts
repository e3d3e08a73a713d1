import { ScimError } from '../errors.js';

/**
 * A position in the event feed: the (xid, seq) of the last event a reader received. Both parts are
 * unsigned 64-bit integers, carried as decimal text. The token is base64url of `e1:<xid>:<seq>`,
 * opaque to clients; the all-tenants feed and a tenant's feed share the order, so they share cursors.
 */
export interface EventPosition {
  xid: string;
  seq: string;
}

/** Before every event: where a reader with no cursor starts. */
export const FEED_START: EventPosition = { xid: '0', seq: '0' };

const TOKEN = /^e1:(\d{1,20}):(\d{1,19})$/;
const UINT64_MAX = 18446744073709551615n;
const INT64_MAX = 9223372036854775807n;

export function encodeEventCursor(position: EventPosition): string {
  return Buffer.from(`e1:${position.xid}:${position.seq}`, 'utf8').toString('base64url');
}

/** The position a cursor names; 400 invalidCursor for anything this server did not issue. */
export function decodeEventCursor(token: string): EventPosition {
  const match = /^[A-Za-z0-9_-]{1,80}$/.test(token)
    ? TOKEN.exec(Buffer.from(token, 'base64url').toString('utf8'))
    : null;
  if (!match || BigInt(match[1]) > UINT64_MAX || BigInt(match[2]) > INT64_MAX) {
    throw ScimError.badRequest('invalidCursor', 'after is not a cursor this server issued');
  }
  return { xid: BigInt(match[1]).toString(), seq: BigInt(match[2]).toString() };
}

/** Whether `a` comes before `b` in the feed's order. */
export function isBefore(a: EventPosition, b: EventPosition): boolean {
  const [ax, bx] = [BigInt(a.xid), BigInt(b.xid)];
  return ax < bx || (ax === bx && BigInt(a.seq) < BigInt(b.seq));
}
