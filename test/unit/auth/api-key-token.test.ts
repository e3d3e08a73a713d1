import { createHash } from 'node:crypto';
import { hashToken, issueToken, parseToken, tokenMatches } from '../../../src/modules/auth/api-key-token.js';

describe('API key tokens', () => {
  it('look like scim_<uuid key id>_<43 base64url characters> so secret scanners can match them', () => {
    const { keyId, token } = issueToken();
    expect(keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(token).toMatch(new RegExp(`^scim_${keyId}_[A-Za-z0-9_-]{43}$`));
  });

  it('carry 256 random bits: the secret decodes to 32 bytes and never repeats', () => {
    const secrets = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const secret = issueToken().token.slice('scim_'.length + 36 + 1);
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
      secrets.add(secret);
    }
    expect(secrets.size).toBe(200);
  });

  it('are stored as the SHA-256 of the whole token, never the token', () => {
    const { token, tokenHash } = issueToken();
    expect(tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(tokenHash).not.toContain(token.slice(-43));
  });

  it('parse back to their key id', () => {
    const { keyId, token } = issueToken();
    expect(parseToken(token)).toEqual({ keyId });
  });

  it.each([
    ['empty', ''],
    ['another prefix', 'ghp_0123456789abcdef0123456789abcdef0123'],
    ['no secret', 'scim_0b6f1c2e-1111-4222-8333-444455556666_'],
    ['a short secret', `scim_0b6f1c2e-1111-4222-8333-444455556666_${'a'.repeat(42)}`],
    ['a long secret', `scim_0b6f1c2e-1111-4222-8333-444455556666_${'a'.repeat(44)}`],
    ['a non-base64url secret', `scim_0b6f1c2e-1111-4222-8333-444455556666_${'+'.repeat(43)}`],
    ['an upper-case key id', `scim_0B6F1C2E-1111-4222-8333-444455556666_${'a'.repeat(43)}`],
    ['a key id that is not a UUID', `scim_0b6f1c2e_${'a'.repeat(43)}`],
    ['trailing whitespace', `${issueToken().token} `],
  ])('reject %s', (_name, token) => {
    expect(parseToken(token)).toBeUndefined();
  });

  it('match only the token they were issued as', () => {
    const { token, tokenHash } = issueToken();
    expect(tokenMatches(token, tokenHash)).toBe(true);
    expect(tokenMatches(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), tokenHash)).toBe(false);
    expect(tokenMatches(token, hashToken(issueToken().token))).toBe(false);
    expect(tokenMatches(token, 'not-hex')).toBe(false);
  });
});
