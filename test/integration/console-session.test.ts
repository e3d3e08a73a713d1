import { Writable } from 'node:stream';
import { startTestApp, type TestApp } from '../support/app.js';
import { setCookieOf, signIn, tokenOf, withSession } from '../support/console.js';
import { createTenant } from '../support/tenants.js';

const ADMIN_TOKEN = 'operator-token-0123456789abcdef';
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('console sessions /console/api/session', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN });
  });
  afterAll(() => t?.close());

  it('an operator signs in with ADMIN_TOKEN: an HttpOnly SameSite=Strict cookie, not Secure over http', async () => {
    const session = await signIn(t.app, { adminToken: ADMIN_TOKEN });
    expect(session.response.statusCode).toBe(201);
    expect(session.body).toEqual({
      role: 'operator',
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
      idleTimeoutMinutes: 30,
    });
    const cookie = setCookieOf(session.response)!;
    expect(cookie).toMatch(/^scim_console=[A-Za-z0-9_-]{43}; /);
    expect(cookie.split('; ')).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']));
    expect(cookie).not.toMatch(/Secure/);
    // 12 hours at most.
    const lifetime = Date.parse(String(session.body.expiresAt)) - Date.now();
    expect(lifetime).toBeGreaterThan(11 * 3600_000);
    expect(lifetime).toBeLessThanOrEqual(12 * 3600_000);
    // The session id is stored hashed only.
    const id = /scim_console=([^;]+)/.exec(cookie)![1];
    const { rows } = await t.db.client.query('SELECT id_hash FROM console_session');
    expect(rows.map((row) => row.id_hash)).not.toContain(id);
  });

  it('GET answers the live session (same CSRF token) without a new cookie, 401 without one', async () => {
    const session = await signIn(t.app, { adminToken: ADMIN_TOKEN });
    const res = await withSession(t.app, session, 'GET', '/console/api/session');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(session.body);
    expect(res.headers['set-cookie']).toBeUndefined();

    const none = await t.app.inject({ method: 'GET', url: '/console/api/session' });
    expect(none.statusCode).toBe(401);
    expect(none.json().schemas).toEqual([SCIM_ERROR]);
    const forged = await t.app.inject({
      method: 'GET',
      url: '/console/api/session',
      headers: { cookie: 'scim_console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    expect(forged.statusCode).toBe(401);
  });

  it.each([
    ['a wrong ADMIN_TOKEN', { adminToken: 'operator-token-0123456789abcdeX' }],
    ['a malformed setup token', { setupToken: 'nope' }],
    [
      'an unknown setup token',
      { setupToken: `setup_${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}_${'A'.repeat(43)}` },
    ],
  ])('refuses %s with a SCIM 401 and no cookie', async (_name, payload) => {
    const res = await t.app.inject({ method: 'POST', url: '/console/api/session', payload });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '401' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it.each([
    ['both tokens', { adminToken: ADMIN_TOKEN, setupToken: 'x' }],
    ['no token', {}],
    ['an unknown field', { adminToken: ADMIN_TOKEN, remember: true }],
    ['a token that is not a string', { adminToken: 42 }],
    ['an empty token', { setupToken: '' }],
    ['an array body', [ADMIN_TOKEN]],
  ])('refuses %s with a SCIM 400 invalidValue', async (_name, payload) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/console/api/session',
      payload: payload as Record<string, unknown>,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '400', scimType: 'invalidValue' });
  });

  it('an operator session may use the operator API; its changes need X-CSRF-Token (403 without or wrong)', async () => {
    const session = await signIn(t.app, { adminToken: ADMIN_TOKEN });
    expect((await withSession(t.app, session, 'GET', '/admin/v1/tenants')).statusCode).toBe(200);

    const without = await withSession(
      t.app,
      session,
      'POST',
      '/admin/v1/tenants',
      { name: 'X' },
      { csrf: false },
    );
    expect(without.statusCode).toBe(403);
    expect(without.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '403' });
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/tenants',
      headers: { cookie: session.cookie, 'x-csrf-token': 'not-the-token' },
      payload: { name: 'X' },
    });
    expect(wrong.statusCode).toBe(403);
    const other = await signIn(t.app, { adminToken: ADMIN_TOKEN });
    const crossed = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/tenants',
      headers: { cookie: session.cookie, 'x-csrf-token': other.csrfToken },
      payload: { name: 'X' },
    });
    expect(crossed.statusCode).toBe(403);
    const { rows } = await t.db.client.query("SELECT 1 FROM tenant WHERE name = 'X'");
    expect(rows).toHaveLength(0);

    const created = await withSession(t.app, session, 'POST', '/admin/v1/tenants', {
      name: 'Made in the console',
    });
    expect(created.statusCode).toBe(201);
    // Bearer callers need no CSRF token.
    const bearer = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/tenants',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { name: 'Made by a script' },
    });
    expect(bearer.statusCode).toBe(201);
  });

  it("an operator session's changes are audited with actor operator", async () => {
    const session = await signIn(t.app, { adminToken: ADMIN_TOKEN });
    const made = await withSession(t.app, session, 'POST', '/admin/v1/tenants', { name: 'Made here' });
    const madeTrail = await withSession(
      t.app,
      session,
      'GET',
      `/admin/v1/tenants/${made.json().id}/audit-events`,
    );
    expect(madeTrail.json().events).toEqual([
      expect.objectContaining({
        actor: 'operator',
        operation: 'create',
        resourceType: 'Tenant',
        resourceId: made.json().id,
        attributes: ['name'],
      }),
    ]);
    const tenant = await createTenant(t.app, 'Audited');
    const renamed = await withSession(t.app, session, 'PATCH', `/admin/v1/tenants/${tenant.tenantId}`, {
      name: 'Audited Inc.',
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ id: tenant.tenantId, name: 'Audited Inc.' });
    const trail = await withSession(
      t.app,
      session,
      'GET',
      `/admin/v1/tenants/${tenant.tenantId}/audit-events`,
    );
    expect(trail.json().events).toEqual([
      expect.objectContaining({
        actor: 'operator',
        apiKeyId: null,
        operation: 'patch',
        resourceType: 'Tenant',
        resourceId: tenant.tenantId,
        attributes: ['name'],
      }),
    ]);
  });

  it('a session idle for CONSOLE_SESSION_IDLE_MINUTES ends (the database clock decides)', async () => {
    const session = await signIn(t.app, { adminToken: ADMIN_TOKEN });
    const idHashes = await t.db.client.query(
      'SELECT id_hash FROM console_session ORDER BY created_at DESC LIMIT 1',
    );
    // 29 minutes idle: alive, and the request restarts the idle clock.
    await t.db.client.query(
      "UPDATE console_session SET last_seen_at = now() - interval '29 minutes' WHERE id_hash = $1",
      [idHashes.rows[0].id_hash],
    );
    expect((await withSession(t.app, session, 'GET', '/admin/v1/tenants')).statusCode).toBe(200);
    const { rows } = await t.db.client.query(
      "SELECT last_seen_at > now() - interval '1 minute' AS fresh FROM console_session WHERE id_hash = $1",
      [idHashes.rows[0].id_hash],
    );
    expect(rows[0].fresh).toBe(true);
    // 30 minutes idle: gone, for the session route and the operator API alike.
    await t.db.client.query(
      "UPDATE console_session SET last_seen_at = now() - interval '30 minutes' WHERE id_hash = $1",
      [idHashes.rows[0].id_hash],
    );
    expect((await withSession(t.app, session, 'GET', '/console/api/session')).statusCode).toBe(401);
    const admin = await withSession(t.app, session, 'GET', '/admin/v1/tenants');
    expect(admin.statusCode).toBe(401);
    expect(admin.headers['www-authenticate']).toBe('Bearer realm="admin"');
  });

  it('a session ends at its absolute end however active it is', async () => {
    const session = await signIn(t.app, { adminToken: ADMIN_TOKEN });
    await t.db.client.query(
      "UPDATE console_session SET expires_at = now() - interval '1 second' WHERE created_at = (SELECT max(created_at) FROM console_session)",
    );
    expect((await withSession(t.app, session, 'GET', '/console/api/session')).statusCode).toBe(401);
  });

  it('signing out needs the CSRF token, ends the session and clears the cookie', async () => {
    const session = await signIn(t.app, { adminToken: ADMIN_TOKEN });
    const refused = await withSession(t.app, session, 'DELETE', '/console/api/session', undefined, {
      csrf: false,
    });
    expect(refused.statusCode).toBe(403);
    expect((await withSession(t.app, session, 'GET', '/console/api/session')).statusCode).toBe(200);

    const out = await withSession(t.app, session, 'DELETE', '/console/api/session');
    expect(out.statusCode).toBe(204);
    expect(setCookieOf(out)).toMatch(/^scim_console=; .*Max-Age=0/);
    expect((await withSession(t.app, session, 'GET', '/console/api/session')).statusCode).toBe(401);
    expect((await withSession(t.app, session, 'GET', '/admin/v1/tenants')).statusCode).toBe(401);
    expect((await withSession(t.app, session, 'DELETE', '/console/api/session')).statusCode).toBe(401);
  });

  it('the cookie is not Secure behind a proxy unless TRUST_PROXY is set', async () => {
    const session = await signIn(t.app, { adminToken: ADMIN_TOKEN }, { 'x-forwarded-proto': 'https' });
    expect(setCookieOf(session.response)).not.toMatch(/Secure/);
  });
});

describe('console sessions behind a trusted proxy (TRUST_PROXY=true)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN, TRUST_PROXY: 'true', CONSOLE_SESSION_IDLE_MINUTES: '5' });
  });
  afterAll(() => t?.close());

  it('marks the cookie Secure when the proxy says the request came over https', async () => {
    const https = await signIn(t.app, { adminToken: ADMIN_TOKEN }, { 'x-forwarded-proto': 'https' });
    expect(setCookieOf(https.response)!.split('; ')).toContain('Secure');
    expect(https.body.idleTimeoutMinutes).toBe(5);
    const http = await signIn(t.app, { adminToken: ADMIN_TOKEN }, { 'x-forwarded-proto': 'http' });
    expect(setCookieOf(http.response)).not.toMatch(/Secure/);
  });

  it('ends sessions after the configured idle minutes', async () => {
    const session = await signIn(t.app, { adminToken: ADMIN_TOKEN });
    await t.db.client.query("UPDATE console_session SET last_seen_at = now() - interval '5 minutes'");
    expect((await withSession(t.app, session, 'GET', '/console/api/session')).statusCode).toBe(401);
  });
});

describe('failed console sign-ins spend the failed-authentication budget', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN, AUTH_FAILURE_BURST: '3', AUTH_FAILURE_RPS: '0.01' });
  });
  afterAll(() => t?.close());

  it('after AUTH_FAILURE_BURST wrong tokens the address gets 429 with Retry-After, even with the right one', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/console/api/session',
        payload: { setupToken: `setup_${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}_${'B'.repeat(43)}` },
      });
      expect(res.statusCode).toBe(401);
    }
    const limited = await t.app.inject({
      method: 'POST',
      url: '/console/api/session',
      payload: { adminToken: ADMIN_TOKEN },
    });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['set-cookie']).toBeUndefined();
  });
});

describe('console sessions without ADMIN_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({});
  });
  afterAll(() => t?.close());

  it('the adminToken sign-in answers 401 and the operator API stays 404 without a session', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/console/api/session',
      payload: { adminToken: 'operator-token-0123456789abcdef' },
    });
    expect(res.statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/tenants' })).statusCode).toBe(404);
  });
});

describe('console secrets stay out of the log', () => {
  let t: TestApp;
  const logLines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    t = await startTestApp({ ADMIN_TOKEN, LOG_LEVEL: 'debug' }, sink);
  });
  afterAll(() => t?.close());

  it('no setup token, session cookie or CSRF token appears in any log line', async () => {
    const tenant = await createTenant(t.app, 'Logged');
    const link = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/tenants/${tenant.tenantId}/setup-links`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const token = tokenOf(link.json().url);
    const session = await signIn(t.app, { setupToken: token });
    await withSession(t.app, session, 'GET', `/admin/v1/tenants/${tenant.tenantId}/members`);
    await withSession(t.app, session, 'POST', `/admin/v1/tenants/${tenant.tenantId}/api-keys`, {});
    await withSession(t.app, session, 'DELETE', '/console/api/session');
    expect(logLines.length).toBeGreaterThan(3);
    const secrets = [token, session.cookie.split('=')[1], session.csrfToken, ADMIN_TOKEN];
    for (const line of logLines) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
