import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { ApiKeysService } from '../../src/modules/auth/api-keys.service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

/**
 * Guessing API keys costs a lookup each: failed authentications are limited per client address
 * (AUTH_FAILURE_BURST at once, AUTH_FAILURE_RPS sustained); beyond, 429 with Retry-After before any
 * lookup.
 */
describe('failed authentications per client address', () => {
  let test: TestApp;
  let acme: TestTenant;

  beforeAll(async () => {
    // One token per 1000 s: nothing refills while the test runs, however slow the machine.
    test = await startTestApp({ AUTH_FAILURE_BURST: '3', AUTH_FAILURE_RPS: '0.001' });
    acme = await createTenant(test.app, 'Acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const listUsers = (token: string, remoteAddress: string) =>
    test.app.inject({
      method: 'GET',
      url: '/scim/v2/Users',
      remoteAddress,
      headers: { authorization: `Bearer ${token}` },
    });

  it('answers 429 with Retry-After once an address has spent its failures, without a key lookup', async () => {
    const unknownKey = acme.apiKey.replace(acme.apiKeyId, randomUUID());
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      statuses.push((await listUsers(unknownKey, '192.0.2.10')).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401]);

    const verify = jest.spyOn(test.app.get(ApiKeysService, { strict: false }), 'verify');
    try {
      const refused = await listUsers(unknownKey, '192.0.2.10');
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.json()).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '429',
      });
      // While refused, even a valid key from that address waits: nothing is looked up.
      expect((await listUsers(acme.apiKey, '192.0.2.10')).statusCode).toBe(429);
      expect(verify).not.toHaveBeenCalled();

      // Other addresses are not affected.
      expect((await listUsers(acme.apiKey, '192.0.2.11')).statusCode).toBe(200);
      expect((await listUsers(unknownKey, '192.0.2.11')).statusCode).toBe(401);
    } finally {
      verify.mockRestore();
    }
  });

  it('does not count successful authentications', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await listUsers(acme.apiKey, '192.0.2.20')).statusCode).toBe(200);
    }
  });
});
