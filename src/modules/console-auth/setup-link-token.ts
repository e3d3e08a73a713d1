import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Setup tokens look like `setup_<link id>_<secret>` (like API keys: a prefix secret scanners can
 * recognise, the link id to find the row, 32 random bytes of secret in base64url). Only the hex
 * SHA-256 of the whole token is stored.
 */
const TOKEN_PATTERN =
  /^setup_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
/** Compared against when no link matched, so that case costs the same hash and comparison. */
const UNKNOWN_HASH = hashSetupToken('unknown');

export function issueSetupToken(): { linkId: string; token: string; tokenHash: string } {
  const linkId = randomUUID();
  const token = `setup_${linkId}_${randomBytes(32).toString('base64url')}`;
  return { linkId, token, tokenHash: hashSetupToken(token) };
}

export function parseSetupToken(token: string): { linkId: string } | undefined {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { linkId: match[1] } : undefined;
}

export function hashSetupToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented token with a stored hash (false when there is none). */
export function setupTokenMatches(token: string, storedHash: string | undefined): boolean {
  const stored = Buffer.from(storedHash ?? UNKNOWN_HASH, 'hex');
  const presented = Buffer.from(hashSetupToken(token), 'hex');
  return stored.length === presented.length && timingSafeEqual(stored, presented) && storedHash !== undefined;
}
