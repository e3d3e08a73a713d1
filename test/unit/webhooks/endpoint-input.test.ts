import { ScimError } from '../../../src/domain/errors.js';
import { eventTypesOf, webhookUrlOf } from '../../../src/domain/webhooks/endpoint-input.js';
import { generateWebhookSecret, signingSecrets } from '../../../src/domain/webhooks/secret.js';

describe('webhook endpoint input', () => {
  it.each(['http://127.0.0.1/x', 'http://[::1]/x', 'http://[::ffff:7f00:1]/x', 'https://169.254.169.254/'])(
    'refuses the literal internal address %s unless private addresses are allowed',
    (url) => {
      expect(() => webhookUrlOf(url, false)).toThrow(ScimError);
      expect(webhookUrlOf(url, true)).toBe(new URL(url).toString());
    },
  );

  it('accepts a host name (judged on what it resolves to at each delivery)', () => {
    expect(webhookUrlOf('https://hooks.example.com/in', false)).toBe('https://hooks.example.com/in');
  });

  it('sorts and deduplicates event types; null is all', () => {
    expect(eventTypesOf(['user.deleted', 'user.created', 'user.deleted'])).toEqual([
      'user.created',
      'user.deleted',
    ]);
    expect(eventTypesOf(null)).toBeNull();
    expect(eventTypesOf(undefined)).toBeNull();
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('signs with the previous secret too until its grace period ends', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const endpoint = {
      secret: 'new',
      previousSecret: 'old',
      previousSecretExpiresAt: new Date('2026-12-02T12:00:00Z'),
    };
    expect(signingSecrets(endpoint, now)).toEqual(['new', 'old']);
    expect(signingSecrets(endpoint, new Date('2026-12-02T12:00:00Z'))).toEqual(['new']);
    expect(signingSecrets({ ...endpoint, previousSecret: null }, now)).toEqual(['new']);
  });
});
