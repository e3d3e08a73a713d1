/**
 * Webhooks (docs/events.md, "Webhooks"): endpoint management in the operator API (every answer
 * checked against the OpenAPI document), and deliveries to a real receiver on 127.0.0.1 made by the
 * delivery worker: signed per Standard Webhooks, in order, retried, disabled after the retry schedule,
 * redelivered on demand, with every attempt logged.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook } from '../../clients/typescript/index.js';
import { WebhookWorker } from '../../src/modules/webhooks/webhook-worker.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { brief, EVENTS_ADMIN_TOKEN, feedReader } from '../support/events.js';
import { createTenant, type TestTenant } from '../support/tenants.js';
import { briefOf, WebhookReceiver } from '../support/webhook-receiver.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Short enough for tests, long enough for five retries: about 1.5 s in all. */
const RETRY_SCHEDULE = '50ms,100ms,200ms,400ms,800ms';
const RETRIES = 5;

function admin(app: NestFastifyApplication) {
  return async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url: `/admin/v1/${url}`,
      headers: {
        authorization: `Bearer ${EVENTS_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
}

function scim(app: NestFastifyApplication, tenant: TestTenant) {
  return async (method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url: `/scim/v2/${url}`,
      headers: {
        authorization: `Bearer ${tenant.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode} ${res.body}`);
    return res.statusCode === 204 ? undefined : res.json();
  };
}

const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

describe('webhook endpoints in the operator API', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let call: ReturnType<typeof admin>;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN: EVENTS_ADMIN_TOKEN, WEBHOOK_ALLOW_PRIVATE: 'true' });
    tenant = await createTenant(t.app, 'Acme');
    call = admin(t.app);
  });
  afterAll(() => t.close());

  it('creates, lists, reads, updates and deletes a tenant endpoint; the whsec_ secret is shown once', async () => {
    const created = await call('POST', `tenants/${tenant.tenantId}/webhook-endpoints`, {
      url: 'http://127.0.0.1:9/hooks',
      eventTypes: ['user.deactivated', 'user.created', 'user.created'],
      description: 'Access service',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      tenantId: tenant.tenantId,
      url: 'http://127.0.0.1:9/hooks',
      eventTypes: ['user.created', 'user.deactivated'],
      description: 'Access service',
      disabled: false,
      disabledReason: null,
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = created.body.id as string;

    const listed = await call('GET', `tenants/${tenant.tenantId}/webhook-endpoints`);
    expect(listed.status).toBe(200);
    expect(listed.body.endpoints.map((e: { id: string }) => e.id)).toEqual([id]);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');

    const one = await call('GET', `webhook-endpoints/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.secret).toBeUndefined();

    const updated = await call('PATCH', `webhook-endpoints/${id}`, {
      url: 'https://hooks.example.com/new',
      eventTypes: null,
      description: null,
      disabled: true,
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      url: 'https://hooks.example.com/new',
      eventTypes: null,
      description: null,
      disabled: true,
      disabledReason: 'disabled by the operator',
    });
    const enabled = await call('PATCH', `webhook-endpoints/${id}`, { disabled: false });
    expect(enabled.body).toMatchObject({ disabled: false, disabledReason: null });

    expect((await call('DELETE', `webhook-endpoints/${id}`)).status).toBe(204);
    expect((await call('GET', `webhook-endpoints/${id}`)).status).toBe(404);
    expect((await call('DELETE', `webhook-endpoints/${id}`)).status).toBe(404);
  });

  it("lists every endpoint at /admin/v1/webhook-endpoints: every tenant's (tenantId null) and each tenant's", async () => {
    const global = await call('POST', 'webhook-endpoints', { url: 'https://hooks.example.com/all' });
    expect(global.status).toBe(201);
    expect(global.body).toMatchObject({ tenantId: null, eventTypes: null, description: null });
    const mine = await call('POST', `tenants/${tenant.tenantId}/webhook-endpoints`, {
      url: 'https://hooks.example.com/acme',
    });
    const all = await call('GET', 'webhook-endpoints');
    expect(all.status).toBe(200);
    const ids = all.body.endpoints.map((e: { id: string }) => e.id);
    expect(ids).toEqual(expect.arrayContaining([global.body.id, mine.body.id]));
    const tenantOnly = await call('GET', `tenants/${tenant.tenantId}/webhook-endpoints`);
    expect(tenantOnly.body.endpoints.map((e: { id: string }) => e.id)).toEqual([mine.body.id]);
  });

  it.each([
    ['no url', {}],
    ['a url that is not one', { url: 'not a url' }],
    ['an ftp url', { url: 'ftp://hooks.example.com/' }],
    ['credentials in the url', { url: 'https://user:pw@hooks.example.com/' }],
    ['a fragment', { url: 'https://hooks.example.com/#x' }],
    ['a url too long', { url: `https://hooks.example.com/${'a'.repeat(2100)}` }],
    ['an unknown event type', { url: 'https://hooks.example.com/', eventTypes: ['user.exploded'] }],
    ['no event type', { url: 'https://hooks.example.com/', eventTypes: [] }],
    ['event types as a string', { url: 'https://hooks.example.com/', eventTypes: 'user.created' }],
    ['a description that is a number', { url: 'https://hooks.example.com/', description: 5 }],
    ['an unknown field', { url: 'https://hooks.example.com/', secret: 'whsec_mine' }],
    ['an array body', [{ url: 'https://hooks.example.com/' }]],
    ['a string body', '"https://hooks.example.com/"'],
  ])('refuses a create with %s: SCIM 400 invalidValue, nothing created', async (_what, body) => {
    const before = (await call('GET', 'webhook-endpoints')).body.endpoints.length;
    const res = await call('POST', `tenants/${tenant.tenantId}/webhook-endpoints`, body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await call('GET', 'webhook-endpoints')).body.endpoints.length).toBe(before);
  });

  it('answers bad input and unknown ids with SCIM errors, never a 5xx', async () => {
    const { body: endpoint } = await call('POST', 'webhook-endpoints', {
      url: 'https://hooks.example.com/x',
    });
    const id = endpoint.id as string;
    const cases: [string, string, unknown, number][] = [
      ['POST', 'tenants/not-a-uuid/webhook-endpoints', { url: 'https://a.example/' }, 404],
      ['POST', `tenants/${crypto.randomUUID()}/webhook-endpoints`, { url: 'https://a.example/' }, 404],
      ['GET', `tenants/${crypto.randomUUID()}/webhook-endpoints`, undefined, 404],
      ['GET', 'webhook-endpoints/not-a-uuid', undefined, 404],
      ['GET', `webhook-endpoints/${crypto.randomUUID()}`, undefined, 404],
      ['PATCH', `webhook-endpoints/${crypto.randomUUID()}`, { disabled: true }, 404],
      ['PATCH', `webhook-endpoints/${id}`, { disabled: 'yes' }, 400],
      ['PATCH', `webhook-endpoints/${id}`, { url: 'gopher://x' }, 400],
      ['PATCH', `webhook-endpoints/${id}`, { secret: 'x' }, 400],
      ['POST', `webhook-endpoints/${id}/rotate-secret`, { gracePeriodSeconds: -1 }, 400],
      ['POST', `webhook-endpoints/${id}/rotate-secret`, { gracePeriodSeconds: 1.5 }, 400],
      ['POST', `webhook-endpoints/${id}/rotate-secret`, { gracePeriodSeconds: 99999999 }, 400],
      ['POST', `webhook-endpoints/${crypto.randomUUID()}/rotate-secret`, {}, 404],
      ['POST', `webhook-endpoints/${id}/redeliver`, {}, 400],
      ['POST', `webhook-endpoints/${id}/redeliver`, { eventId: 'x' }, 400],
      ['POST', `webhook-endpoints/${id}/redeliver`, { since: 'yesterday' }, 400],
      ['POST', `webhook-endpoints/${id}/redeliver`, { since: '2999-01-01T00:00:00Z' }, 400],
      [
        'POST',
        `webhook-endpoints/${id}/redeliver`,
        { eventId: crypto.randomUUID(), since: '2020-01-01T00:00:00Z' },
        400,
      ],
      ['POST', `webhook-endpoints/${id}/redeliver`, { eventId: crypto.randomUUID() }, 404],
      ['GET', `webhook-endpoints/${id}/attempts?limit=0`, undefined, 400],
      ['GET', `webhook-endpoints/${id}/attempts?limit=abc`, undefined, 400],
      ['GET', `webhook-endpoints/${id}/attempts?before=x`, undefined, 400],
      ['GET', `webhook-endpoints/${id}/attempts?foo=1`, undefined, 400],
      ['GET', `webhook-endpoints/${crypto.randomUUID()}/attempts`, undefined, 404],
      ['POST', `webhook-endpoints/${crypto.randomUUID()}/test`, undefined, 404],
    ];
    for (const [method, url, body, status] of cases) {
      const res = await call(method as 'GET', url, body);
      expect({ method, url, status: res.status }).toEqual({ method, url, status });
      expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    }
  });

  it('refuses the operator API without the operator token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/v1/webhook-endpoints' });
    expect(res.statusCode).toBe(401);
  });
});

describe('webhook deliveries', () => {
  let t: TestApp;
  let call: ReturnType<typeof admin>;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_TOKEN: EVENTS_ADMIN_TOKEN,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_SCHEDULE: RETRY_SCHEDULE,
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '2000',
      // One chain at a time.
      WEBHOOK_CONCURRENCY: '1',
    });
    call = admin(t.app);
    receiver = await WebhookReceiver.start();
    t.app.get(WebhookWorker).start();
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  async function endpointFor(tenant: TestTenant | null, body: Record<string, unknown> = {}) {
    const res = await call(
      'POST',
      tenant ? `tenants/${tenant.tenantId}/webhook-endpoints` : 'webhook-endpoints',
      { url: receiver.url(`/${crypto.randomUUID()}`), ...body },
    );
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string; url: string };
  }

  it('the Okta conversation reaches the receiver as exactly the feed’s events, in order per resource, signed', async () => {
    const tenant = await createTenant(t.app, 'Okta tenant');
    const endpoint = await endpointFor(tenant);
    const send = scim(t.app, tenant);
    const feed = feedReader(t.app, tenant.tenantId);
    await feed.poll();

    const user = await send('POST', 'Users', {
      schemas: [USER],
      userName: 'dana@okta.example',
      name: { givenName: 'Dana', familyName: 'Scully' },
      emails: [{ value: 'dana@okta.example', primary: true, type: 'work' }],
      active: true,
      externalId: '00u1okta',
    });
    const other = await send('POST', 'Users', {
      schemas: [USER],
      userName: 'fox@okta.example',
      active: true,
    });
    const group = await send('POST', 'Groups', {
      schemas: [GROUP],
      displayName: 'X-Files',
      members: [{ value: user.id, display: 'dana@okta.example' }],
    });
    // okta-group-membership-remove-and-add.json
    await send(
      'PATCH',
      `Groups/${group.id}`,
      patchOp(
        { op: 'remove', path: `members[value eq "${user.id}"]` },
        { op: 'add', path: 'members', value: [{ value: other.id, display: 'fox@okta.example' }] },
      ),
    );
    // okta-group-rename-with-id.json: the same name appends nothing, a new one group.updated
    await send(
      'PATCH',
      `Groups/${group.id}`,
      patchOp({ op: 'replace', value: { id: group.id, displayName: 'X-Files' } }),
    );
    await send(
      'PATCH',
      `Groups/${group.id}`,
      patchOp({ op: 'replace', value: { id: group.id, displayName: 'Basement' } }),
    );
    // okta-deactivate-user.json, okta-reactivate-user.json
    await send('PATCH', `Users/${user.id}`, patchOp({ op: 'replace', value: { active: false } }));
    await send('PATCH', `Users/${user.id}`, patchOp({ op: 'replace', value: { active: true } }));
    await send('DELETE', `Users/${other.id}`);

    const expected = [
      `user.created ${user.id}`,
      `user.created ${other.id}`,
      `group.created ${group.id}`,
      `group.member_added ${group.id} ${user.id}`,
      // One PATCH: its member additions are written before its removals.
      `group.member_added ${group.id} ${other.id}`,
      `group.member_removed ${group.id} ${user.id}`,
      `group.updated ${group.id}`,
      `user.updated ${user.id}`,
      `user.deactivated ${user.id}`,
      `user.updated ${user.id}`,
      `user.reactivated ${user.id}`,
      `group.member_removed ${group.id} ${other.id}`,
      `user.deleted ${other.id}`,
    ];
    const events = await feed.poll();
    expect(events.map(brief)).toEqual(expected);

    const mine = () => receiver.acceptedAt(endpoint.url);
    await receiver.waitFor(() => mine().length >= expected.length, 'the Okta conversation');
    // Per resource, exactly the feed's sequence (events of different resources may interleave).
    const got = mine().map((entry) => briefOf(entry.event));
    expect(byResource(got)).toEqual(byResource(expected));
    expect(got).toHaveLength(expected.length);
    // The body is the event exactly as the events API returns it; webhook-id is the event id.
    const bodies = new Map(mine().map((entry) => [entry.event.id, JSON.parse(entry.body)]));
    expect(events.map((event) => bodies.get(event.id))).toEqual(events);
    for (const entry of mine()) {
      expect(entry.headers['webhook-id']).toBe(entry.event.id);
      expect(entry.headers['content-type']).toBe('application/json');
      const headers = {
        'webhook-id': String(entry.headers['webhook-id']),
        'webhook-timestamp': String(entry.headers['webhook-timestamp']),
        'webhook-signature': String(entry.headers['webhook-signature']),
      };
      // Verified with the Standard Webhooks library itself and with the client's verifyWebhook.
      expect(new Webhook(endpoint.secret).verify(entry.body, headers)).toEqual(JSON.parse(entry.body));
      expect(verifyWebhook(entry.body, entry.headers as Record<string, string>, endpoint.secret).id).toBe(
        entry.event.id,
      );
      expect(() =>
        verifyWebhook(entry.body.replace('"version":1', '"version":2'), headers, endpoint.secret),
      ).toThrow();
      expect(() =>
        new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(entry.body, headers),
      ).toThrow();
    }
    const attempts = await call('GET', `webhook-endpoints/${endpoint.id}/attempts?limit=500`);
    expect(attempts.status).toBe(200);
    expect(attempts.body.attempts).toHaveLength(expected.length);
    expect(attempts.body.attempts[0]).toMatchObject({ status: 200, responseBody: 'ok', error: null });
  });

  it('the Entra conversation reaches an endpoint of every tenant, filtered by type, in order per resource', async () => {
    const tenant = await createTenant(t.app, 'Entra tenant');
    const endpoint = await endpointFor(null, {
      eventTypes: [
        'user.created',
        'user.deactivated',
        'group.created',
        'group.member_added',
        'group.member_removed',
        'group.updated',
      ],
    });
    const send = scim(t.app, tenant);
    const user = await send('POST', 'Users', {
      schemas: [USER],
      externalId: 'e1',
      userName: 'adele@contoso.example',
      active: true,
      displayName: 'Adele Vance',
      name: { givenName: 'Adele', familyName: 'Vance' },
    });
    const second = await send('POST', 'Users', {
      schemas: [USER],
      userName: 'alex@contoso.example',
      active: true,
    });
    // entra-update-user-aadoptscim062020.json style, then entra-disable-user-string-boolean.json
    await send(
      'PATCH',
      `Users/${user.id}`,
      patchOp({ op: 'Replace', path: 'displayName', value: 'Adele V.' }),
    );
    await send('PATCH', `Users/${user.id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' }));
    const group = await send('POST', 'Groups', { schemas: [GROUP], displayName: 'Sales', externalId: 'g1' });
    // entra-group-add-members.json, entra-group-remove-members-by-value.json, entra-group-rename.json
    await send(
      'PATCH',
      `Groups/${group.id}`,
      patchOp({ op: 'Add', path: 'members', value: [{ value: user.id }, { value: second.id }] }),
    );
    await send(
      'PATCH',
      `Groups/${group.id}`,
      patchOp({ op: 'Remove', path: 'members', value: [{ value: user.id }] }),
    );
    await send(
      'PATCH',
      `Groups/${group.id}`,
      patchOp({ op: 'Replace', path: 'displayName', value: 'Sales EMEA' }),
    );

    const added = [user.id, second.id].sort().map((id) => `group.member_added ${group.id} ${id}`);
    const expected = [
      `user.created ${user.id}`,
      `user.created ${second.id}`,
      // user.updated is filtered out by eventTypes
      `user.deactivated ${user.id}`,
      `group.created ${group.id}`,
      ...added,
      `group.member_removed ${group.id} ${user.id}`,
      `group.updated ${group.id}`,
    ];
    const mine = () =>
      receiver.acceptedAt(endpoint.url).filter((entry) => entry.event.tenantId === tenant.tenantId);
    await receiver.waitFor(() => mine().length >= expected.length, 'the Entra conversation');
    const got = mine().map((entry) => briefOf(entry.event));
    expect(byResource(got)).toEqual(byResource(expected));
    expect(got).toHaveLength(expected.length);
  });

  it('a receiver that is down for a while gets everything, in order per resource, once it is back', async () => {
    const tenant = await createTenant(t.app, 'Flaky receiver');
    const endpoint = await endpointFor(tenant);
    const send = scim(t.app, tenant);
    // Down: its first four requests are answered 503 (within the five retries of the schedule).
    let refused = 0;
    receiver.answer = ({ path }) => {
      if (path === new URL(endpoint.url).pathname && refused < 4) {
        refused += 1;
        return 503;
      }
      return 200;
    };
    try {
      const users = [];
      for (let i = 0; i < 3; i++) {
        users.push(
          await send('POST', 'Users', { schemas: [USER], userName: `flaky${i}@example.com`, active: true }),
        );
      }
      for (const user of users) {
        await send('PATCH', `Users/${user.id}`, patchOp({ op: 'replace', value: { active: false } }));
      }
      const expected = (await feedReader(t.app, tenant.tenantId).poll()).map(brief);
      expect(expected).toHaveLength(9);
      const mine = () => receiver.acceptedAt(endpoint.url);
      await receiver.waitFor(() => mine().length >= expected.length, 'delivery after the outage');
      const got = mine().map((entry) => briefOf(entry.event));
      // Everything, once each (the receiver answered 2xx once per event) ...
      expect([...got].sort()).toEqual([...expected].sort());
      // ... and per resource in the feed's order.
      for (const user of users) {
        const ofUser = (lines: string[]) => lines.filter((line) => line.includes(user.id));
        expect(ofUser(got)).toEqual(ofUser(expected));
      }
      expect(refused).toBe(4);
      const attempts = (await call('GET', `webhook-endpoints/${endpoint.id}/attempts?limit=500`)).body
        .attempts;
      const failed = attempts.filter((a: { status: number }) => a.status === 503);
      expect(failed).toHaveLength(4);
      expect(failed[0]).toMatchObject({ responseBody: 'status 503', error: null });
      const after = await call('GET', `webhook-endpoints/${endpoint.id}`);
      expect(after.body).toMatchObject({ disabled: false, failingSince: null });
    } finally {
      receiver.answer = () => 200;
    }
  });

  it('while an event is retried, the later events of its resource wait; other resources go on', async () => {
    const tenant = await createTenant(t.app, 'Head of line');
    const endpoint = await endpointFor(tenant);
    const path = new URL(endpoint.url).pathname;
    const send = scim(t.app, tenant);
    const blocked = await send('POST', 'Users', {
      schemas: [USER],
      userName: 'blocked@example.com',
      active: true,
    });
    // The first attempt of this user's user.created fails; it is retried after the schedule's first delay.
    let failedOnce = false;
    receiver.answer = ({ path: at, event }) => {
      if (
        at === path &&
        !failedOnce &&
        event.type === 'user.created' &&
        event.data.resource.id === blocked.id
      ) {
        failedOnce = true;
        return 503;
      }
      return 200;
    };
    try {
      await send('PATCH', `Users/${blocked.id}`, patchOp({ op: 'replace', value: { active: false } }));
      await send('PATCH', `Users/${blocked.id}`, patchOp({ op: 'replace', value: { active: true } }));
      const other = await send('POST', 'Users', {
        schemas: [USER],
        userName: 'free@example.com',
        active: true,
      });
      await receiver.waitFor(() => receiver.acceptedAt(endpoint.url).length >= 6, 'six deliveries');
      expect(failedOnce).toBe(true);
      const sent = receiver.received
        .filter((entry) => entry.path === path)
        .map((entry) => `${briefOf(entry.event)} ${entry.status}`);
      // Nothing of the blocked user was sent before its user.created got through ...
      expect(sent.filter((line) => line.includes(blocked.id))).toEqual([
        `user.created ${blocked.id} 503`,
        `user.created ${blocked.id} 200`,
        `user.updated ${blocked.id} 200`,
        `user.deactivated ${blocked.id} 200`,
        `user.updated ${blocked.id} 200`,
        `user.reactivated ${blocked.id} 200`,
      ]);
      expect(sent).toContain(`user.created ${other.id} 200`);
    } finally {
      receiver.answer = () => 200;
    }
  });

  it('an endpoint failing for the whole retry schedule is disabled, with the reason in the operator API', async () => {
    const tenant = await createTenant(t.app, 'Dead receiver');
    const endpoint = await endpointFor(tenant);
    receiver.answer = ({ event }) => (event.tenantId === tenant.tenantId ? 500 : 200);
    try {
      const user = await scim(t.app, tenant)('POST', 'Users', {
        schemas: [USER],
        userName: 'gone@example.com',
      });
      let state: { disabled: boolean; disabledReason: string | null } = {
        disabled: false,
        disabledReason: null,
      };
      for (let i = 0; i < 600 && !state.disabled; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        state = (await call('GET', `webhook-endpoints/${endpoint.id}`)).body;
      }
      expect(state.disabled).toBe(true);
      expect(state.disabledReason).toContain(`in ${RETRIES + 1} attempts`);
      expect(state.disabledReason).toContain('HTTP 500');
      const attempts = (await call('GET', `webhook-endpoints/${endpoint.id}/attempts`)).body.attempts;
      expect(attempts).toHaveLength(RETRIES + 1);
      expect(attempts.every((a: { status: number }) => a.status === 500)).toBe(true);
      await scim(t.app, tenant)(
        'PATCH',
        `Users/${user.id}`,
        patchOp({ op: 'replace', value: { active: false } }),
      );
      // Fanned out while the endpoint is disabled: not queued for it.
      const worker = t.app.get(WebhookWorker);
      for (let i = 0; i < 600 && (await worker.queueStats()).eventsNotFannedOut > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Enabled again and redelivered since before the user was created: both events arrive.
      receiver.answer = () => 200;
      expect((await call('PATCH', `webhook-endpoints/${endpoint.id}`, { disabled: false })).status).toBe(200);
      const since = new Date(Date.now() - 60_000).toISOString();
      const redelivered = await call('POST', `webhook-endpoints/${endpoint.id}/redeliver`, { since });
      // The user's creation, and its deactivation (user.updated + user.deactivated) made while disabled.
      expect(redelivered).toEqual({ status: 202, body: { queued: 3 } });
      const mine = () => receiver.acceptedAt(endpoint.url);
      await receiver.waitFor(() => mine().length >= 3, 'redelivery after enabling');
      expect(mine().map((entry) => entry.event.type)).toEqual([
        'user.created',
        'user.updated',
        'user.deactivated',
      ]);
    } finally {
      receiver.answer = () => 200;
    }
  });

  it('redelivers one event by id, with the same webhook-id', async () => {
    const tenant = await createTenant(t.app, 'Redelivery');
    const endpoint = await endpointFor(tenant);
    await scim(t.app, tenant)('POST', 'Users', { schemas: [USER], userName: 'again@example.com' });
    const mine = () => receiver.acceptedAt(endpoint.url);
    await receiver.waitFor(() => mine().length >= 1, 'the first delivery');
    const eventId = mine()[0].event.id;
    const res = await call('POST', `webhook-endpoints/${endpoint.id}/redeliver`, { eventId });
    expect(res).toEqual({ status: 202, body: { queued: 1 } });
    await receiver.waitFor(() => mine().length >= 2, 'the redelivery');
    expect(mine().map((entry) => entry.headers['webhook-id'])).toEqual([eventId, eventId]);
  });

  it('rotating the secret signs with the new and the old one during the grace period, then the new one only', async () => {
    const tenant = await createTenant(t.app, 'Rotation');
    const endpoint = await endpointFor(tenant);
    const rotated = await call('POST', `webhook-endpoints/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const graceEnds = Date.parse(rotated.body.previousSecretExpiresAt);
    expect(graceEnds).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect((await call('GET', `webhook-endpoints/${endpoint.id}`)).body.previousSecretExpiresAt).toBe(
      rotated.body.previousSecretExpiresAt,
    );

    const test = await call('POST', `webhook-endpoints/${endpoint.id}/test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({
      eventType: 'webhook.test',
      status: 200,
      deliveryId: null,
      error: null,
    });
    const sent = receiver.received.find((entry) => entry.event.id === test.body.eventId)!;
    expect(sent.event).toMatchObject({ type: 'webhook.test', tenantId: tenant.tenantId });
    expect(String(sent.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(sent, endpoint.secret)).toBe(true);
    expect(verifies(sent, rotated.body.secret)).toBe(true);

    const again = await call('POST', `webhook-endpoints/${endpoint.id}/rotate-secret`, {
      gracePeriodSeconds: 0,
    });
    expect(again.body.previousSecretExpiresAt).toBeNull();
    const test2 = await call('POST', `webhook-endpoints/${endpoint.id}/test`);
    const sent2 = receiver.received.find((entry) => entry.event.id === test2.body.eventId)!;
    expect(String(sent2.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(sent2, again.body.secret)).toBe(true);
    expect(verifies(sent2, rotated.body.secret)).toBe(false);
  });

  it('logs a failed test send with its error (a closed port), never a 5xx', async () => {
    const endpoint = (
      await call('POST', 'webhook-endpoints', {
        url: 'http://127.0.0.1:9/closed',
        eventTypes: ['user.deleted'],
      })
    ).body;
    const test = await call('POST', `webhook-endpoints/${endpoint.id}/test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ status: null, responseBody: null });
    expect(test.body.error).toMatch(/ECONNREFUSED/);
    await call('DELETE', `webhook-endpoints/${endpoint.id}`);
  });
});

describe('the SSRF guard (WEBHOOK_ALLOW_PRIVATE off)', () => {
  let t: TestApp;
  let call: ReturnType<typeof admin>;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN: EVENTS_ADMIN_TOKEN, WEBHOOK_TIMEOUT_MS: '2000' });
    call = admin(t.app);
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it.each([
    'http://127.0.0.1/hooks',
    'http://10.1.2.3/hooks',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/hooks',
    'http://[::ffff:127.0.0.1]/hooks',
    'http://[fd00:ec2::254]/hooks',
    'http://0.0.0.0/hooks',
  ])('refuses an endpoint at %s (a literal internal address): 400', async (url) => {
    const res = await call('POST', 'webhook-endpoints', { url });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/refused/);
  });

  it('refuses to send to a host name that resolves to loopback, and logs why', async () => {
    const created = await call('POST', 'webhook-endpoints', {
      url: `http://localhost:${receiver.port}/hooks`,
    });
    expect(created.status).toBe(201);
    const test = await call('POST', `webhook-endpoints/${created.body.id}/test`);
    expect(test.status).toBe(200);
    expect(test.body.status).toBeNull();
    expect(test.body.error).toMatch(
      /refused address: localhost resolves to a refused address: .* is loopback/,
    );
    expect(receiver.received).toHaveLength(0);
  });
});

/** The brief lines of each resource (the second word), in their order: the order webhooks guarantee. */
function byResource(lines: string[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const line of lines) (grouped[line.split(' ')[1]] ??= []).push(line);
  return grouped;
}

function verifies(entry: { body: string; headers: Record<string, unknown> }, secret: string): boolean {
  try {
    new Webhook(secret).verify(entry.body, {
      'webhook-id': String(entry.headers['webhook-id']),
      'webhook-timestamp': String(entry.headers['webhook-timestamp']),
      'webhook-signature': String(entry.headers['webhook-signature']),
    });
    return true;
  } catch {
    return false;
  }
}
