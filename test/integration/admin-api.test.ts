import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { AuditService, type AuditEventInput } from '../../src/modules/audit/audit.service.js';
import { ApiKeysService } from '../../src/modules/auth/api-keys.service.js';
import { Database } from '../../src/storage/database.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTenant } from '../support/tenants.js';

const ADMIN_TOKEN = 'operator-token-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('operator API /admin/v1', () => {
  let t: TestApp;
  const logLines: string[] = [];
  /** Every secret the API handed out: none may appear in a later response or in the log. */
  const secrets: string[] = [ADMIN_TOKEN];
  /** Bodies of every operator response after creation. */
  const laterResponses: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    t = await startTestApp({ ADMIN_TOKEN, LOG_LEVEL: 'debug', BODY_LIMIT: '4096' }, sink);
  });
  afterAll(() => t?.close());

  async function admin(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
    const res = await t.app.inject({
      method,
      url,
      headers: ADMIN,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    if (!(method === 'POST' && res.statusCode === 201)) laterResponses.push(res.body);
    return res;
  }

  async function newTenant(name = 'Acme') {
    const res = await admin('POST', '/admin/v1/tenants', { name });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    secrets.push(body.apiKey);
    return body as { id: string; name: string; createdAt: string; apiKeyId: string; apiKey: string };
  }

  describe('authentication', () => {
    it.each([
      ['no Authorization header', undefined],
      ['a wrong token', 'Bearer operator-token-0123456789abcdeX'],
      ['the token under another scheme', `Basic ${ADMIN_TOKEN}`],
      ['the token without a scheme', ADMIN_TOKEN],
    ])('refuses %s with 401 and WWW-Authenticate', async (_name, authorization) => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/admin/v1/tenants',
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="admin"');
      expect(res.json()).toEqual({ schemas: [SCIM_ERROR], status: '401', detail: expect.any(String) });
    });

    it('never accepts a tenant API key', async () => {
      const tenant = await createTenant(t.app, 'Key holder');
      secrets.push(tenant.apiKey);
      for (const url of ['/admin/v1/tenants', `/admin/v1/tenants/${tenant.tenantId}/api-keys`]) {
        const res = await t.app.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${tenant.apiKey}` },
        });
        expect([url, res.statusCode]).toEqual([url, 401]);
      }
    });

    it('accepts the scheme word in any case', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/admin/v1/tenants',
        headers: { authorization: `bEaReR ${ADMIN_TOKEN}` },
      });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('tenants', () => {
    it('POST creates a tenant with a first key: 201 {id, name, createdAt, apiKeyId, apiKey}', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/tenants',
        headers: ADMIN,
        payload: { name: 'Acme' },
      });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      secrets.push(body.apiKey);
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Acme',
        createdAt: expect.stringMatching(ISO),
        apiKeyId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        apiKey: expect.stringMatching(/^scim_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/),
      });
      expect(body.apiKey).toContain(body.apiKeyId);
      expect((await app().get(ApiKeysService).verify(body.apiKey)).ok).toBe(true);
    });

    it('GET lists tenants and GET /{id} returns one, as {id, name, createdAt}', async () => {
      const tenant = await newTenant('Listed');
      const list = await admin('GET', '/admin/v1/tenants');
      expect(list.statusCode).toBe(200);
      expect(list.json()).toContainEqual({ id: tenant.id, name: 'Listed', createdAt: tenant.createdAt });
      const one = await admin('GET', `/admin/v1/tenants/${tenant.id}`);
      expect(one.statusCode).toBe(200);
      expect(one.json()).toEqual({ id: tenant.id, name: 'Listed', createdAt: tenant.createdAt });
    });

    it.each([randomUUID(), 'not-a-uuid'])('answers 404 for an unknown tenant id (%s)', async (id) => {
      for (const [method, url] of [
        ['GET', `/admin/v1/tenants/${id}`],
        ['DELETE', `/admin/v1/tenants/${id}`],
        ['GET', `/admin/v1/tenants/${id}/api-keys`],
        ['POST', `/admin/v1/tenants/${id}/api-keys`],
        ['GET', `/admin/v1/tenants/${id}/audit-events`],
      ] as const) {
        const res = await admin(method, url, method === 'POST' ? {} : undefined);
        expect([method, url, res.statusCode]).toEqual([method, url, 404]);
        expect(res.json().schemas).toEqual([SCIM_ERROR]);
      }
    });

    it.each([
      ['a missing name', {}],
      ['a blank name', { name: '   ' }],
      ['a non-string name', { name: 42 }],
      ['an unknown field', { name: 'Acme', plan: 'gold' }],
      ['a 201-character name', { name: 'x'.repeat(201) }],
    ])('refuses %s with 400', async (_name, payload) => {
      const res = await admin('POST', '/admin/v1/tenants', payload);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '400' });
    });

    it('answers 413 with the SCIM error body for a body over BODY_LIMIT', async () => {
      const res = await admin('POST', '/admin/v1/tenants', { name: 'x'.repeat(5000) });
      expect(res.statusCode).toBe(413);
      expect(res.json()).toEqual({ schemas: [SCIM_ERROR], status: '413', detail: expect.any(String) });
    });

    it('DELETE answers 204, the tenant is gone and its keys stop working at once', async () => {
      const tenant = await newTenant('Doomed');
      const res = await admin('DELETE', `/admin/v1/tenants/${tenant.id}`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await admin('GET', `/admin/v1/tenants/${tenant.id}`)).statusCode).toBe(404);
      expect(await app().get(ApiKeysService).verify(tenant.apiKey)).toEqual({
        ok: false,
        detail: 'Invalid API key',
        reason: 'unknown_key',
      });
    });
  });

  describe('api keys', () => {
    it('POST creates a key: 201 {id, name, createdAt, expiresAt, apiKey}', async () => {
      const tenant = await newTenant();
      const res = await t.app.inject({
        method: 'POST',
        url: `/admin/v1/tenants/${tenant.id}/api-keys`,
        headers: ADMIN,
        payload: { name: 'okta', expiresAt: '2030-06-01T12:00:00Z' },
      });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      secrets.push(body.apiKey);
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'okta',
        createdAt: expect.stringMatching(ISO),
        expiresAt: '2030-06-01T12:00:00.000Z',
        apiKey: expect.stringMatching(/^scim_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/),
      });
    });

    it('POST without a body creates a key named "default" that never expires', async () => {
      const tenant = await newTenant();
      const res = await t.app.inject({
        method: 'POST',
        url: `/admin/v1/tenants/${tenant.id}/api-keys`,
        headers: ADMIN,
      });
      expect(res.statusCode).toBe(201);
      secrets.push(res.json().apiKey);
      expect(res.json()).toMatchObject({ name: 'default', expiresAt: null });
    });

    it.each([
      ['an expiry in the past', { expiresAt: '2001-01-01T00:00:00Z' }],
      ['an expiry that is not a date', { expiresAt: 'tomorrow' }],
      ['a blank name', { name: '' }],
      ['an unknown field', { scopes: ['all'] }],
    ])('refuses %s with 400', async (_name, payload) => {
      const tenant = await newTenant();
      const res = await admin('POST', `/admin/v1/tenants/${tenant.id}/api-keys`, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().schemas).toEqual([SCIM_ERROR]);
    });

    it('GET lists the keys as {id, name, createdAt, expiresAt, lastUsedAt, revokedAt}, never a secret or hash', async () => {
      const tenant = await newTenant();
      const second = (
        await admin('POST', `/admin/v1/tenants/${tenant.id}/api-keys`, { name: 'second' })
      ).json();
      secrets.push(second.apiKey);
      const res = await admin('GET', `/admin/v1/tenants/${tenant.id}/api-keys`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual([
        {
          id: tenant.apiKeyId,
          name: 'default',
          createdAt: tenant.createdAt,
          expiresAt: null,
          lastUsedAt: null,
          revokedAt: null,
        },
        {
          id: second.id,
          name: 'second',
          createdAt: second.createdAt,
          expiresAt: null,
          lastUsedAt: null,
          revokedAt: null,
        },
      ]);
      const hashes = (await t.db.client.query('select token_hash from api_key')).rows.map(
        (r) => r.token_hash,
      );
      for (const hash of hashes) expect(res.body).not.toContain(hash);
    });

    it('DELETE revokes a key (204): it is refused at once and listed with revokedAt; the other key still works', async () => {
      const tenant = await newTenant();
      const next = (await admin('POST', `/admin/v1/tenants/${tenant.id}/api-keys`, { name: 'next' })).json();
      secrets.push(next.apiKey);
      const res = await admin('DELETE', `/admin/v1/tenants/${tenant.id}/api-keys/${tenant.apiKeyId}`);
      expect(res.statusCode).toBe(204);
      const keys = app().get(ApiKeysService);
      expect(await keys.verify(tenant.apiKey)).toEqual({
        ok: false,
        detail: 'API key has been revoked',
        reason: 'revoked_key',
        key: { tenantId: tenant.id, apiKeyId: tenant.apiKeyId },
      });
      const listed = (await admin('GET', `/admin/v1/tenants/${tenant.id}/api-keys`)).json();
      expect(listed.find((k: { id: string }) => k.id === tenant.apiKeyId).revokedAt).toMatch(ISO);
      expect(listed.find((k: { id: string }) => k.id === next.id).lastUsedAt).toBeNull();
      expect((await keys.verify(next.apiKey)).ok).toBe(true);
      // verify() records the use off the request path (fire and forget); wait for that write, which
      // could otherwise land at any point of what follows.
      await keys.onModuleDestroy();
      // Revoking again is harmless and keeps the first revocation time; the other key now shows its use.
      const again = await admin('DELETE', `/admin/v1/tenants/${tenant.id}/api-keys/${tenant.apiKeyId}`);
      expect(again.statusCode).toBe(204);
      const relisted = (await admin('GET', `/admin/v1/tenants/${tenant.id}/api-keys`)).json();
      expect(relisted).toEqual(
        listed.map((key: { id: string }) =>
          key.id === next.id ? { ...key, lastUsedAt: expect.stringMatching(ISO) } : key,
        ),
      );
    });

    it('DELETE answers 404 for an unknown key or another tenant’s key', async () => {
      const a = await newTenant('A');
      const b = await newTenant('B');
      expect((await admin('DELETE', `/admin/v1/tenants/${a.id}/api-keys/${randomUUID()}`)).statusCode).toBe(
        404,
      );
      expect((await admin('DELETE', `/admin/v1/tenants/${a.id}/api-keys/${b.apiKeyId}`)).statusCode).toBe(
        404,
      );
      expect((await app().get(ApiKeysService).verify(b.apiKey)).ok).toBe(true);
    });
  });

  describe('audit events', () => {
    const event = (tenantId: string, apiKeyId: string, over: Partial<AuditEventInput>): AuditEventInput => ({
      tenantId,
      apiKeyId,
      requestId: 'req',
      operation: 'create',
      resourceType: 'User',
      resourceId: randomUUID(),
      attributes: [],
      ...over,
    });

    it('lists a create/patch/delete sequence newest first, with attribute names only', async () => {
      const tenant = await newTenant();
      const other = await newTenant('Other');
      const audit = app().get(AuditService);
      const db = app().get(Database);
      const userId = randomUUID();
      const steps: Partial<AuditEventInput>[] = [
        { operation: 'create', requestId: 'r1', attributes: ['userName', 'name.givenName', 'emails'] },
        { operation: 'patch', requestId: 'r2', attributes: ['active'] },
        { operation: 'delete', requestId: 'r3', attributes: [] },
      ];
      for (const step of steps) {
        await db.transaction(tenant.id, (tx) =>
          audit.record(tx, event(tenant.id, tenant.apiKeyId, { resourceId: userId, ...step })),
        );
      }
      await db.transaction(other.id, (tx) => audit.record(tx, event(other.id, other.apiKeyId, {})));

      // The User events only: the tenant's creation through this API is in its trail too.
      const res = await admin('GET', `/admin/v1/tenants/${tenant.id}/audit-events?resourceType=User`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.nextCursor).toBeNull();
      expect(body.events).toEqual(
        ['r3', 'r2', 'r1'].map((requestId, i) => ({
          id: expect.stringMatching(/^\d+$/),
          time: expect.stringMatching(ISO),
          apiKeyId: tenant.apiKeyId,
          actor: `api-key:${tenant.apiKeyId}`,
          requestId,
          operation: ['delete', 'patch', 'create'][i],
          resourceType: 'User',
          resourceId: userId,
          attributes: [[], ['active'], ['userName', 'name.givenName', 'emails']][i],
        })),
      );
    });

    it('writes nothing when the transaction of the change rolls back', async () => {
      const tenant = await newTenant();
      const audit = app().get(AuditService);
      await expect(
        app()
          .get(Database)
          .transaction(tenant.id, async (tx) => {
            await audit.record(tx, event(tenant.id, tenant.apiKeyId, { resourceType: 'Group' }));
            throw new Error('the change failed');
          }),
      ).rejects.toThrow('the change failed');
      expect(
        (await admin('GET', `/admin/v1/tenants/${tenant.id}/audit-events?resourceType=Group`)).json(),
      ).toEqual({
        events: [],
        nextCursor: null,
      });
    });

    it('pages with cursor and limit, newest first, without gaps or repeats', async () => {
      const tenant = await newTenant();
      const audit = app().get(AuditService);
      const db = app().get(Database);
      for (let i = 0; i < 5; i++) {
        await db.transaction(tenant.id, (tx) =>
          audit.record(tx, event(tenant.id, tenant.apiKeyId, { requestId: `r${i}` })),
        );
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `resourceType=User&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await admin('GET', `/admin/v1/tenants/${tenant.id}/audit-events?${query}`);
        expect(res.statusCode).toBe(200);
        const page = res.json();
        expect(page.events.length).toBeLessThanOrEqual(2);
        seen.push(...page.events.map((e: { requestId: string }) => e.requestId));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
      expect(pages).toBe(3);
    });

    it.each(['limit=0', 'limit=501', 'limit=ten', 'cursor=bm9wZQ', 'cursor=%20'])(
      'refuses %s with 400',
      async (query) => {
        const tenant = await newTenant();
        const res = await admin('GET', `/admin/v1/tenants/${tenant.id}/audit-events?${query}`);
        expect(res.statusCode).toBe(400);
        expect(res.json().schemas).toEqual([SCIM_ERROR]);
      },
    );
  });

  describe('secrets', () => {
    it('no operator response after creation and no log line contains a secret or an Authorization header', async () => {
      // One authenticated SCIM call too, so a tenant key travels in a logged request. (The chained
      // inject form skips the contract check: this test is about the log, not the route.)
      const caller = await createTenant(t.app, 'Logged');
      secrets.push(caller.apiKey);
      const scim = await t.app
        .inject()
        .get('/scim/v2/Users')
        .headers({ authorization: `Bearer ${caller.apiKey}`, 'x-request-id': 'logged-scim-call' })
        .end();
      expect(scim.statusCode).toBe(200);
      const line = logLines.map((l) => JSON.parse(l)).find((l) => l.reqId === 'logged-scim-call');
      // The guard tags the request line with the tenant (never with the key).
      expect(line).toMatchObject({ msg: 'request completed', tenantId: caller.tenantId });
      expect(secrets.length).toBeGreaterThan(5);
      expect(laterResponses.length).toBeGreaterThan(10);
      expect(logLines.length).toBeGreaterThan(10);
      const responses = laterResponses.join('\n');
      const logs = logLines.join('\n');
      for (const secret of secrets) {
        expect(responses).not.toContain(secret);
        expect(logs).not.toContain(secret);
      }
      expect(logs.toLowerCase()).not.toContain('bearer');
    });
  });

  function app() {
    return t.app;
  }
});

describe('operator API without ADMIN_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({});
  });
  afterAll(() => t?.close());

  it.each([
    ['GET', '/admin/v1/tenants'],
    ['POST', '/admin/v1/tenants'],
    ['GET', `/admin/v1/tenants/${randomUUID()}`],
    ['DELETE', `/admin/v1/tenants/${randomUUID()}`],
    ['POST', `/admin/v1/tenants/${randomUUID()}/api-keys`],
    ['GET', `/admin/v1/tenants/${randomUUID()}/api-keys`],
    ['DELETE', `/admin/v1/tenants/${randomUUID()}/api-keys/${randomUUID()}`],
    ['GET', `/admin/v1/tenants/${randomUUID()}/audit-events`],
  ] as const)('is disabled: %s %s answers 404 whatever the credentials', async (method, url) => {
    const tenant = await createTenant(t.app);
    for (const authorization of [undefined, 'Bearer anything-at-all-0123456789', `Bearer ${tenant.apiKey}`]) {
      const res = await t.app.inject({
        method,
        url,
        headers: authorization ? { authorization } : {},
        ...(method === 'POST' ? { payload: { name: 'x' } } : {}),
      });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ schemas: [SCIM_ERROR], status: '404', detail: expect.any(String) });
    }
  });
});
