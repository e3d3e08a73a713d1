import { decodeCursor, encodeCursor } from '../../../src/domain/list/cursor.js';
import { ScimError } from '../../../src/domain/errors.js';

const ID = '2819c223-7f76-453a-919d-413861904646';
const token = (payload: string) => Buffer.from(payload, 'utf8').toString('base64url');
const invalid = (fn: () => unknown) => {
  expect(fn).toThrow(ScimError);
  expect(fn).toThrow(/not one this server issued/);
};

describe('the one cursor codec (SCIM lists, RFC 9865, and the audit trail)', () => {
  it.each([
    { kind: 'keyset' as const, value: 'bjensen', id: ID },
    { kind: 'keyset' as const, value: 42, id: ID },
    { kind: 'offset' as const, offset: 200 },
  ])('round-trips a list cursor %j', (position) => {
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it('round-trips an audit cursor, kind `before`', () => {
    const cursor = encodeCursor({ kind: 'before', id: '123456' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ['before'])).toEqual({ kind: 'before', id: '123456' });
  });

  it('still reads the audit cursors issued before (base64url of "before:<id>")', () => {
    expect(decodeCursor(token('before:99'), ['before'])).toEqual({ kind: 'before', id: '99' });
  });

  it('refuses a cursor of the other listing', () => {
    invalid(() => decodeCursor(encodeCursor({ kind: 'before', id: '1' })));
    invalid(() => decodeCursor(encodeCursor({ kind: 'offset', offset: 1 }), ['before']));
  });

  it('checks a keyset id with the one UUID check (src/domain/ids.ts)', () => {
    // The codec used to accept any 36 characters of hex digits and dashes.
    invalid(() => decodeCursor(token(JSON.stringify({ k: 'x', i: '-'.repeat(36) }))));
    invalid(() => decodeCursor(token(JSON.stringify({ k: 'x', i: 'f'.repeat(36) }))));
  });

  it.each([
    '',
    'not base64!',
    token('{'),
    token('[]'),
    token('{"o":-1}'),
    token('{"b":"x1"}'),
    token('before:'),
  ])('refuses %j with 400 invalidCursor', (bad) => {
    invalid(() => decodeCursor(bad, ['keyset', 'offset', 'before']));
  });
});
