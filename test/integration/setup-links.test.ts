import { runCli } from '../../src/cli/cli.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { signIn, tokenOf, withSession, type ConsoleSession } from '../support/console.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

const ADMIN_TOKEN = 'operator-token-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const DAY = 24 * 3600_000;

describe('setup links /admin/v1/tenants/{id}/setup-links', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN });
    acme = await createTenant(t.app, 'Acme');
    globex = await createTenant(t.app, 'Globex');
  });
  afterAll(() => t?.close());

  async function createLink(tenantId: string, payload?: unknown) {
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/tenants/${tenantId}/setup-links`,
      headers: ADMIN,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string; url: string; expiresAt: string; createdAt: string }>();
  }

  async function adminSessionFor(tenantId: string): Promise<{ session: ConsoleSession; linkId: string }> {
    const link = await createLink(tenantId);
    return { session: await signIn(t.app, { setupToken: tokenOf(link.url) }), linkId: link.id };
  }

  it('creates a link under /console with the token in the fragment, valid 7 days by default, stored hashed', async () => {
    const link = await createLink(acme.tenantId);
    expect(link.url).toMatch(
      new RegExp(`^http://localhost(:\\d+)?/console/setup#setup_${link.id}_[A-Za-z0-9_-]{43}$`),
    );
    const lifetime = Date.parse(link.expiresAt) - Date.parse(link.createdAt);
    expect(lifetime).toBe(7 * DAY);
    const { rows } = await t.db.client.query('SELECT token_hash FROM setup_link WHERE id = $1', [link.id]);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].token_hash).not.toContain(tokenOf(link.url));

    const list = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/tenants/${acme.tenantId}/setup-links`,
      headers: ADMIN,
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().setupLinks).toContainEqual({
      id: link.id,
      createdAt: link.createdAt,
      expiresAt: link.expiresAt,
    });
    expect(list.body).not.toContain(tokenOf(link.url));
  });

  it('takes expiresAt up to 30 days ahead', async () => {
    const at = new Date(Date.now() + 2 * DAY).toISOString();
    expect((await createLink(acme.tenantId, { expiresAt: at })).expiresAt).toBe(at);
  });

  it.each([
    ['in the past', { expiresAt: '2020-01-01T00:00:00Z' }],
    ['more than 30 days ahead', { expiresAt: new Date(Date.now() + 31 * DAY).toISOString() }],
    ['not a date', { expiresAt: 'tomorrow' }],
    ['an unknown field', { tenant: 'x' }],
    ['an array', ['x']],
  ])('refuses expiresAt %s with a SCIM 400 and creates nothing', async (_name, payload) => {
    const before = await t.db.client.query('SELECT count(*)::int AS n FROM setup_link');
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/tenants/${acme.tenantId}/setup-links`,
      headers: ADMIN,
      payload: payload as Record<string, unknown>,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ schemas: [SCIM_ERROR], scimType: 'invalidValue' });
    const after = await t.db.client.query('SELECT count(*)::int AS n FROM setup_link');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('404s for an unknown tenant or link', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [method, url] of [
      ['POST', `/admin/v1/tenants/${unknown}/setup-links`],
      ['GET', `/admin/v1/tenants/${unknown}/setup-links`],
      ['DELETE', `/admin/v1/tenants/${acme.tenantId}/setup-links/${unknown}`],
      ['DELETE', `/admin/v1/tenants/${acme.tenantId}/setup-links/not-a-uuid`],
    ] as const) {
      expect((await t.app.inject({ method, url, headers: ADMIN })).statusCode).toBe(404);
    }
  });

  it("opening a link starts a tenantAdmin session of that tenant and records the link's use", async () => {
    const link = await createLink(acme.tenantId);
    const session = await signIn(t.app, { setupToken: tokenOf(link.url) });
    expect(session.body).toEqual({
      role: 'tenantAdmin',
      tenantId: acme.tenantId,
      tenantName: 'Acme',
      csrfToken: expect.any(String),
      expiresAt: expect.any(String),
      idleTimeoutMinutes: 30,
    });
    const list = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/tenants/${acme.tenantId}/setup-links`,
      headers: ADMIN,
    });
    const listed = list.json().setupLinks.find((l: { id: string }) => l.id === link.id);
    expect(listed.lastUsedAt).toEqual(expect.any(String));
  });

  it('a session never outlives the link that started it', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    const link = await createLink(acme.tenantId, { expiresAt: at });
    const session = await signIn(t.app, { setupToken: tokenOf(link.url) });
    expect(session.body.expiresAt).toBe(at);
  });

  it('a tenantAdmin session uses its own tenant’s routes only: 404 for another tenant, 403 for operator routes', async () => {
    const { session } = await adminSessionFor(acme.tenantId);
    const own = `/admin/v1/tenants/${acme.tenantId}`;
    const other = `/admin/v1/tenants/${globex.tenantId}`;
    expect((await withSession(t.app, session, 'GET', own)).statusCode).toBe(200);
    for (const path of ['api-keys', 'audit-events', 'members', 'groups', 'connection', 'events']) {
      expect([path, (await withSession(t.app, session, 'GET', `${own}/${path}`)).statusCode]).toEqual([
        path,
        200,
      ]);
      expect([path, (await withSession(t.app, session, 'GET', `${other}/${path}`)).statusCode]).toEqual([
        path,
        404,
      ]);
    }
    expect((await withSession(t.app, session, 'GET', other)).statusCode).toBe(404);
    expect((await withSession(t.app, session, 'POST', `${other}/api-keys`, {})).statusCode).toBe(404);
    expect((await withSession(t.app, session, 'GET', '/admin/v1/tenants')).statusCode).toBe(403);
    expect(
      (await withSession(t.app, session, 'POST', '/admin/v1/tenants', { name: 'Mine' })).statusCode,
    ).toBe(403);
    expect((await withSession(t.app, session, 'GET', '/admin/v1/events')).statusCode).toBe(403);
    expect((await withSession(t.app, session, 'PATCH', own, { name: 'Renamed' })).statusCode).toBe(403);
    expect((await withSession(t.app, session, 'DELETE', own)).statusCode).toBe(403);
    expect((await withSession(t.app, session, 'POST', `${own}/setup-links`, {})).statusCode).toBe(403);
    expect((await withSession(t.app, session, 'GET', `${own}/setup-links`)).statusCode).toBe(403);
    // Webhook endpoints are the product's: a link's holder cannot send the tenant's events elsewhere.
    expect(
      (
        await withSession(t.app, session, 'POST', `${own}/webhook-endpoints`, {
          url: 'https://example.com/hook',
        })
      ).statusCode,
    ).toBe(403);
    expect((await withSession(t.app, session, 'GET', `${own}/webhook-endpoints`)).statusCode).toBe(403);
    expect((await withSession(t.app, session, 'GET', '/admin/v1/webhook-endpoints')).statusCode).toBe(403);
    // Its own tenant's change events it may read (the console's Activity page).
    expect((await withSession(t.app, session, 'GET', `${own}/events`)).statusCode).toBe(200);
    const { rows } = await t.db.client.query('SELECT name FROM tenant WHERE id = $1', [acme.tenantId]);
    expect(rows[0].name).toBe('Acme');
  });

  it("a tenantAdmin's key rotation is in the audit trail with actor setup-link:<id>", async () => {
    const { session, linkId } = await adminSessionFor(acme.tenantId);
    const own = `/admin/v1/tenants/${acme.tenantId}`;
    const refused = await withSession(
      t.app,
      session,
      'POST',
      `${own}/api-keys`,
      { name: 'okta' },
      { csrf: false },
    );
    expect(refused.statusCode).toBe(403);
    const created = await withSession(t.app, session, 'POST', `${own}/api-keys`, { name: 'okta' });
    expect(created.statusCode).toBe(201);
    const keyId = created.json().id;
    expect((await withSession(t.app, session, 'DELETE', `${own}/api-keys/${acme.apiKeyId}`)).statusCode).toBe(
      204,
    );

    const trail = await withSession(t.app, session, 'GET', `${own}/audit-events?resourceType=ApiKey`);
    expect(trail.json().events).toEqual([
      expect.objectContaining({
        actor: `setup-link:${linkId}`,
        apiKeyId: null,
        operation: 'delete',
        resourceType: 'ApiKey',
        resourceId: acme.apiKeyId,
      }),
      expect.objectContaining({
        actor: `setup-link:${linkId}`,
        operation: 'create',
        resourceType: 'ApiKey',
        resourceId: keyId,
      }),
    ]);
  });

  it('revoking a link refuses it and ends every session it started at once', async () => {
    const link = await createLink(globex.tenantId);
    const first = await signIn(t.app, { setupToken: tokenOf(link.url) });
    const second = await signIn(t.app, { setupToken: tokenOf(link.url) });
    const own = `/admin/v1/tenants/${globex.tenantId}`;
    expect((await withSession(t.app, first, 'GET', `${own}/members`)).statusCode).toBe(200);

    // Another tenant's path does not reach the link.
    const crossed = await t.app.inject({
      method: 'DELETE',
      url: `/admin/v1/tenants/${acme.tenantId}/setup-links/${link.id}`,
      headers: ADMIN,
    });
    expect(crossed.statusCode).toBe(404);

    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `${own}/setup-links/${link.id}`,
      headers: ADMIN,
    });
    expect(revoked.statusCode).toBe(204);
    for (const session of [first, second]) {
      expect((await withSession(t.app, session, 'GET', `${own}/members`)).statusCode).toBe(401);
      expect((await withSession(t.app, session, 'GET', '/console/api/session')).statusCode).toBe(401);
    }
    const again = await t.app.inject({
      method: 'POST',
      url: '/console/api/session',
      payload: { setupToken: tokenOf(link.url) },
    });
    expect(again.statusCode).toBe(401);
    const list = await t.app.inject({ method: 'GET', url: `${own}/setup-links`, headers: ADMIN });
    expect(list.json().setupLinks.find((l: { id: string }) => l.id === link.id).revokedAt).toEqual(
      expect.any(String),
    );
    const trail = await t.app.inject({
      method: 'GET',
      url: `${own}/audit-events?resourceType=SetupLink&operation=delete`,
      headers: ADMIN,
    });
    expect(trail.json().events).toEqual([
      expect.objectContaining({ actor: 'operator', resourceId: link.id, operation: 'delete' }),
    ]);
  });

  it('an expired link is refused', async () => {
    const link = await createLink(acme.tenantId);
    await t.db.client.query("UPDATE setup_link SET expires_at = now() - interval '1 second' WHERE id = $1", [
      link.id,
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/console/api/session',
      payload: { setupToken: tokenOf(link.url) },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it("a link's token with a changed secret is refused", async () => {
    const link = await createLink(acme.tenantId);
    const token = tokenOf(link.url);
    const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/console/api/session',
      payload: { setupToken: forged },
    });
    expect(res.statusCode).toBe(401);
  });

  it('deleting a tenant deletes its links and their sessions', async () => {
    const doomed = await createTenant(t.app, 'Doomed');
    const { session } = await adminSessionFor(doomed.tenantId);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/admin/v1/tenants/${doomed.tenantId}`,
      headers: ADMIN,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await withSession(t.app, session, 'GET', '/console/api/session')).statusCode).toBe(401);
    const { rows } = await t.db.client.query(
      'SELECT count(*)::int AS n FROM setup_link WHERE tenant_id = $1',
      [doomed.tenantId],
    );
    expect(rows[0].n).toBe(0);
  });

  it('uses PUBLIC_URL for the link when it is set', async () => {
    const other = await startTestApp({ ADMIN_TOKEN, PUBLIC_URL: 'https://scim.example.com' });
    try {
      const tenant = await createTenant(other.app, 'Public');
      const res = await other.app.inject({
        method: 'POST',
        url: `/admin/v1/tenants/${tenant.tenantId}/setup-links`,
        headers: ADMIN,
      });
      expect(res.json().url).toMatch(/^https:\/\/scim\.example\.com\/console\/setup#setup_/);
    } finally {
      await other.close();
    }
  });

  it('the CLI creates, lists and revokes links (setup-links create|list|revoke)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const cli = async (...argv: string[]) => {
      out.length = 0;
      const code = await runCli(
        argv,
        { LOG_LEVEL: 'silent', DATABASE_URL: t.db.url, PORT: '8080' },
        { out: (text) => out.push(text), err: (text) => err.push(text) },
      );
      return { code, json: code === 0 ? JSON.parse(out.join('\n')) : undefined };
    };
    const created = await cli('setup-links', 'create', globex.tenantId);
    expect(created.code).toBe(0);
    expect(created.json.url).toMatch(/^http:\/\/localhost:8080\/console\/setup#setup_/);
    const session = await signIn(t.app, { setupToken: tokenOf(created.json.url) });
    expect(session.body.tenantId).toBe(globex.tenantId);

    const listed = await cli('setup-links', 'list', globex.tenantId);
    expect(listed.json.setupLinks.map((l: { id: string }) => l.id)).toContain(created.json.id);
    expect((await cli('setup-links', 'revoke', globex.tenantId, created.json.id)).json).toEqual({
      revoked: created.json.id,
    });
    expect((await withSession(t.app, session, 'GET', '/console/api/session')).statusCode).toBe(401);
    expect((await cli('setup-links', 'create', globex.tenantId, '--expires-at', 'soon')).code).toBe(2);
    expect((await cli('setup-links', 'create', globex.tenantId, '--name', 'x')).code).toBe(2);
    expect(err.join('\n')).toContain('--expires-at must be an ISO 8601 date-time');
  });
});

describe('setup links without ADMIN_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({});
  });
  afterAll(() => t?.close());

  it("a link made with the CLI signs the customer's admin in; the operator API works for its tenant only", async () => {
    const tenant = await createTenant(t.app, 'Solo');
    const out: string[] = [];
    const code = await runCli(
      ['setup-links', 'create', tenant.tenantId],
      { LOG_LEVEL: 'silent', DATABASE_URL: t.db.url },
      { out: (text) => out.push(text), err: () => undefined },
    );
    expect(code).toBe(0);
    const session = await signIn(t.app, { setupToken: tokenOf(JSON.parse(out.join('\n')).url) });
    expect(
      (await withSession(t.app, session, 'GET', `/admin/v1/tenants/${tenant.tenantId}/members`)).statusCode,
    ).toBe(200);
    expect((await withSession(t.app, session, 'GET', '/admin/v1/tenants')).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/admin/v1/tenants' })).statusCode).toBe(404);
  });
});

describe('setup links under concurrency', () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    // Refused sign-ins are expected here: the failed-authentication budget must not get in the way.
    t = await startTestApp({ ADMIN_TOKEN, AUTH_FAILURE_BURST: '1000' });
    tenant = await createTenant(t.app, 'Raced');
  });
  afterAll(() => t?.close());

  it('sign-ins racing a revocation never leave a live session behind', async () => {
    for (let round = 0; round < 5; round += 1) {
      const link = (
        await t.app.inject({
          method: 'POST',
          url: `/admin/v1/tenants/${tenant.tenantId}/setup-links`,
          headers: ADMIN,
        })
      ).json();
      const token = tokenOf(link.url);
      const signIns = Array.from({ length: 10 }, () =>
        t.app.inject({ method: 'POST', url: '/console/api/session', payload: { setupToken: token } }),
      );
      const revoke = t.app.inject({
        method: 'DELETE',
        url: `/admin/v1/tenants/${tenant.tenantId}/setup-links/${link.id}`,
        headers: ADMIN,
      });
      const [revoked, ...answers] = await Promise.all([revoke, ...signIns]);
      expect(revoked.statusCode).toBe(204);
      for (const answer of answers) {
        expect([201, 401]).toContain(answer.statusCode);
        if (answer.statusCode !== 201) continue;
        const cookie = /scim_console=[^;]+/.exec(String(answer.headers['set-cookie']))![0];
        const after = await t.app.inject({ method: 'GET', url: '/console/api/session', headers: { cookie } });
        expect(after.statusCode).toBe(401);
      }
      const { rows } = await t.db.client.query(
        'SELECT count(*)::int AS n FROM console_session WHERE setup_link_id = $1',
        [link.id],
      );
      expect(rows[0].n).toBe(0);
    }
  });
});
