import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/config.js';
import { ApiKeysService } from '../../src/modules/auth/api-keys.service.js';
import { ApiKeyInvalidations } from '../../src/storage/api-key-invalidations.js';
import { sqlObservers, type SqlEvent } from '../../src/storage/sql.js';
import { databaseEnv, startTestApp, type TestApp } from '../support/app.js';
import { validateEveryResponse } from '../support/contract.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

const ADMIN_TOKEN = 'operator-token-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
/**
 * Far longer than any test here: a key refused in time was evicted by a notification (or, for
 * expiry, checked at the request), never by the TTL running out.
 */
const LONG_TTL = { AUTH_CACHE_TTL_MS: '600000' };
/** How long another instance may keep accepting a revoked key; polled in bounded 25 ms steps. */
const PROPAGATION_BOUND_MS = 1_000;
const STEP_MS = 25;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A second server process on the same database as `first`: its own pool, cache and listener. */
async function startSecondInstance(
  first: TestApp,
  env: Record<string, string>,
): Promise<NestFastifyApplication> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...databaseEnv(first.db), ...env });
  const app = await createApp({ config, databaseUrl: first.db.url });
  validateEveryResponse(app);
  return app;
}

function scim(app: NestFastifyApplication, apiKey: string) {
  return app.inject({
    method: 'GET',
    url: '/scim/v2/Users?count=1',
    headers: { authorization: `Bearer ${apiKey}` },
  });
}

/** Asks `app` until it refuses `apiKey`, for at most PROPAGATION_BOUND_MS; the last answer. */
async function untilRefused(app: NestFastifyApplication, apiKey: string) {
  const deadline = Date.now() + PROPAGATION_BOUND_MS;
  for (let attempt = 0; attempt < PROPAGATION_BOUND_MS / STEP_MS + 1; attempt++) {
    const res = await scim(app, apiKey);
    if (res.statusCode !== 200 || Date.now() >= deadline) return res;
    await sleep(STEP_MS);
  }
  return scim(app, apiKey);
}

/** Counts the statements that read api_key while `work` runs. */
async function apiKeyReads(work: () => Promise<unknown>): Promise<number> {
  let reads = 0;
  const observe = (event: SqlEvent) => {
    if (/^\s*select\b[\s\S]*\bapi_key\b/i.test(event.text)) reads += 1;
  };
  sqlObservers.add(observe);
  try {
    await work();
  } finally {
    sqlObservers.delete(observe);
  }
  return reads;
}

describe('API key cache across instances (LISTEN/NOTIFY invalidation)', () => {
  let a: TestApp;
  let b: NestFastifyApplication;

  beforeAll(async () => {
    a = await startTestApp({ ADMIN_TOKEN, ...LONG_TTL });
    b = await startSecondInstance(a, LONG_TTL);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  async function cachedOnBoth(tenant: TestTenant): Promise<void> {
    for (const app of [a.app, b, a.app, b]) expect((await scim(app, tenant.apiKey)).statusCode).toBe(200);
  }

  it('serves a verified key from memory: the second request reads no api_key row', async () => {
    const tenant = await createTenant(a.app, 'Cached');
    expect((await scim(b, tenant.apiKey)).statusCode).toBe(200);
    expect(await apiKeyReads(async () => expect((await scim(b, tenant.apiKey)).statusCode).toBe(200))).toBe(
      0,
    );
  });

  it('a key revoked through instance A is refused by instance B within a second', async () => {
    const tenant = await createTenant(a.app, 'Revoked elsewhere');
    await cachedOnBoth(tenant);
    const revoke = await a.app.inject({
      method: 'DELETE',
      url: `/admin/v1/tenants/${tenant.tenantId}/api-keys/${tenant.apiKeyId}`,
      headers: ADMIN,
    });
    expect(revoke.statusCode).toBe(204);
    // The revoking instance evicts its own entry without waiting for the notification.
    expect((await scim(a.app, tenant.apiKey)).statusCode).toBe(401);
    const res = await untilRefused(b, tenant.apiKey);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBe('API key has been revoked');
  });

  it('a tenant deleted through instance A has its keys refused by instance B within a second', async () => {
    const tenant = await createTenant(a.app, 'Deleted elsewhere');
    await cachedOnBoth(tenant);
    const res = await a.app.inject({
      method: 'DELETE',
      url: `/admin/v1/tenants/${tenant.tenantId}`,
      headers: ADMIN,
    });
    expect(res.statusCode).toBe(204);
    // The deleting instance evicts the tenant's keys without waiting for the notifications.
    expect((await scim(a.app, tenant.apiKey)).statusCode).toBe(401);
    for (const app of [a.app, b]) {
      const refused = await untilRefused(app, tenant.apiKey);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().detail).toBe('Invalid API key');
    }
  });

  it('a key revoked directly in the database (as the CLI does) is refused by both instances within a second', async () => {
    const tenant = await createTenant(a.app, 'Revoked by SQL');
    await cachedOnBoth(tenant);
    await a.db.client.query('UPDATE api_key SET revoked_at = now() WHERE id = $1', [tenant.apiKeyId]);
    for (const app of [a.app, b]) expect((await untilRefused(app, tenant.apiKey)).statusCode).toBe(401);
  });

  it('a key created on instance A works at once on instance B', async () => {
    const tenant = await createTenant(a.app, 'New key');
    await cachedOnBoth(tenant);
    const created = await a.app.inject({
      method: 'POST',
      url: `/admin/v1/tenants/${tenant.tenantId}/api-keys`,
      headers: ADMIN,
      payload: { name: 'second' },
    });
    expect(created.statusCode).toBe(201);
    expect((await scim(b, created.json().apiKey)).statusCode).toBe(200);
  });

  it('when the listener loses its connection the cache is dropped and bypassed until it reconnects', async () => {
    const tenant = await createTenant(a.app, 'Listener lost');
    await cachedOnBoth(tenant);
    const invalidations = b.get(ApiKeyInvalidations);
    /** `live` at each "forget every key": the loss, then the reconnection. */
    const liveAtReset: boolean[] = [];
    const unsubscribe = invalidations.subscribe((keyId) => {
      if (keyId === null) liveAtReset.push(invalidations.live);
    });
    try {
      const terminated = await a.db.client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'scim-api-key-listener'`,
      );
      expect(terminated.rowCount).toBe(2);
      for (let attempt = 0; attempt < 200 && liveAtReset.length === 0; attempt++) await sleep(5);
      expect(liveAtReset[0]).toBe(false);
      // Without the listener nothing is trusted from memory: a revocation whose notification nobody
      // hears still takes effect on the next request.
      await a.db.client.query('UPDATE api_key SET revoked_at = now() WHERE id = $1', [tenant.apiKeyId]);
      if (!invalidations.live) expect((await scim(b, tenant.apiKey)).statusCode).toBe(401);
    } finally {
      unsubscribe();
    }
    // It reconnects by itself (bounded poll, 25 ms steps, at most 5 s) and caches again.
    const other = await createTenant(a.app, 'After reconnection');
    let readsPerRequest = 1;
    for (let attempt = 0; attempt < 200 && readsPerRequest > 0; attempt++) {
      await sleep(STEP_MS);
      await scim(b, other.apiKey);
      readsPerRequest = await apiKeyReads(async () =>
        expect((await scim(b, other.apiKey)).statusCode).toBe(200),
      );
    }
    expect(readsPerRequest).toBe(0);
    expect(invalidations.live).toBe(true);
    await a.db.client.query('UPDATE api_key SET revoked_at = now() WHERE id = $1', [other.apiKeyId]);
    expect((await untilRefused(b, other.apiKey)).statusCode).toBe(401);
  });

  it('an expired key is refused at its expiry, cached or not, without waiting for the TTL', async () => {
    const tenant = await createTenant(a.app, 'Expiring');
    const expiresAt = new Date(Date.now() + 2_000);
    const key = await a.app.get(ApiKeysService).create(tenant.tenantId, { name: 'short-lived', expiresAt });
    expect((await scim(b, key.apiKey)).statusCode).toBe(200);
    await sleep(expiresAt.getTime() - Date.now() + 10);
    const reads = await apiKeyReads(async () => {
      const res = await scim(b, key.apiKey);
      expect(res.statusCode).toBe(401);
      expect(res.json().detail).toBe('API key has expired');
    });
    // Refused from the cached entry: expiry needs no notification and no read.
    expect(reads).toBe(0);
  });
});

describe('API key cache turned off (AUTH_CACHE_TTL_MS=0)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ AUTH_CACHE_TTL_MS: '0' });
  });
  afterAll(() => t?.close());

  it('reads the key on every request', async () => {
    const tenant = await createTenant(t.app, 'Uncached');
    expect((await scim(t.app, tenant.apiKey)).statusCode).toBe(200);
    expect(
      await apiKeyReads(async () => expect((await scim(t.app, tenant.apiKey)).statusCode).toBe(200)),
    ).toBe(1);
  });
});

describe('no invalidation listener (DATABASE_LISTEN_URL=none, e.g. behind a transaction-pooling PgBouncer)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ DATABASE_LISTEN_URL: 'none', ...LONG_TTL });
  });
  afterAll(() => t?.close());

  it('trusts a verified key for AUTH_CACHE_TTL_MS alone, and opens no listener connection', async () => {
    const tenant = await createTenant(t.app, 'TTL only');
    expect((await scim(t.app, tenant.apiKey)).statusCode).toBe(200);
    expect(
      await apiKeyReads(async () => expect((await scim(t.app, tenant.apiKey)).statusCode).toBe(200)),
    ).toBe(0);
    const listeners = await t.db.client.query(
      `SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'scim-api-key-listener'`,
    );
    expect(listeners.rowCount).toBe(0);
    // A revocation through this instance still takes effect here at once.
    await t.app.get(ApiKeysService).revoke(tenant.tenantId, tenant.apiKeyId);
    expect((await scim(t.app, tenant.apiKey)).statusCode).toBe(401);
  });
});
