import { randomBytes } from 'node:crypto';

/** The prefix of a Standard Webhooks signing secret: `whsec_` then the base64 of the key. */
export const SECRET_PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes (the HMAC-SHA256 block is 64; 32 is the library's own default size). */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The secrets that sign a delivery at `now`: the current one, and the previous one during its grace period. */
export function signingSecrets(
  endpoint: { secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null },
  now: Date,
): string[] {
  const secrets = [endpoint.secret];
  if (
    endpoint.previousSecret &&
    endpoint.previousSecretExpiresAt &&
    endpoint.previousSecretExpiresAt.getTime() > now.getTime()
  ) {
    secrets.push(endpoint.previousSecret);
  }
  return secrets;
}
