import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Tenant API keys look like `scim_<key id>_<secret>`: the fixed prefix lets secret scanners (GitHub
 * push protection, trufflehog) recognise a leaked key, the key id (a UUID, not secret) finds the row
 * without scanning, and the secret is 32 random bytes (256 bits) in base64url (43 characters).
 */
export const API_KEY_PREFIX = 'scim_';
const SECRET_BYTES = 32;
const TOKEN_PATTERN =
  /^scim_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface IssuedToken {
  keyId: string;
  /** The whole token, shown to the operator once. */
  token: string;
  /** What is stored: hex SHA-256 of the whole token. */
  tokenHash: string;
}

export function issueToken(): IssuedToken {
  const keyId = randomUUID();
  const token = `${API_KEY_PREFIX}${keyId}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  return { keyId, token, tokenHash: hashToken(token) };
}

/** The key id of a well-formed token, else undefined. */
export function parseToken(token: string): { keyId: string } | undefined {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { keyId: match[1] } : undefined;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented token with a stored hash (both hashed to 32 bytes). */
export function tokenMatches(token: string, storedHash: string): boolean {
  const stored = Buffer.from(storedHash, 'hex');
  const presented = Buffer.from(hashToken(token), 'hex');
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}
