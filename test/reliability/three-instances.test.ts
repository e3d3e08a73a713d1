import { Cluster } from './support/cluster.js';
import { type Answer, ScimClient, Traffic, createTenant, send } from './support/http.js';
import {
  ADMIN_TOKEN,
  type ServerProcess,
  sleep,
  startServerProcess,
  stopAllServers,
} from './support/server-process.js';

/**
 * Three server processes (`node dist/src/main.js`) on one database, as compose.yaml runs them: what
 * one instance holds for a tenant, the others must see. The rate limit is one for the deployment, and
 * a key revoked through one instance is refused by all three. (Concurrent member adds and removes
 * through three instances are in multi-instance-races.test.ts.)
 */
describe('three instances on one database', () => {
  const traffic = new Traffic();
  const DATABASE = 'scim_three';
  /** The shared limit: a window of ⌈burst / rps⌉ = 300 s of rps × 300 = 300 requests per tenant. */
  const RPS = 1;
  const BURST = 300;
  const WINDOW_REQUESTS = 300;
  let cluster: Cluster;
  const servers: ServerProcess[] = [];
  const figures: Record<string, number> = {};

  const admin = (server: ServerProcess, method: string, path: string, body?: unknown) =>
    send(traffic, server.baseUrl, method, path, {
      body,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
    });

  beforeAll(async () => {
    cluster = await Cluster.start();
    const databaseUrl = await cluster.createDatabase(DATABASE);
    const env = {
      RATE_LIMIT_RPS: String(RPS),
      RATE_LIMIT_BURST: String(BURST),
      // A verified key is trusted from memory for 10 minutes: only the invalidation (LISTEN/NOTIFY)
      // can make the other instances refuse a revoked key within the test's bounded poll.
      AUTH_CACHE_TTL_MS: '600000',
    };
    // The first migrates; the other two find nothing pending (compose.yaml migrates as a step).
    servers.push(await startServerProcess({ databaseUrl, env }));
    const others = [1, 2].map(() =>
      startServerProcess({ databaseUrl, env: { ...env, MIGRATE_ON_START: 'false' } }),
    );
    servers.push(...(await Promise.all(others)));
  }, 180_000);

  afterAll(async () => {
    console.log(traffic.summary('three instances', figures));
    const logged = servers.flatMap((server) => server.errors(3));
    if (logged.length) console.log(`[reliability] server errors logged:\n${logged.join('\n')}`);
    await stopAllServers();
    await cluster?.stop();
  }, 120_000);

  it('the per-tenant rate limit holds across the three within 20 %, not three times over', async () => {
    const tenant = await createTenant(traffic, servers[0].baseUrl, ADMIN_TOKEN, 'Rate limited');
    const clients = servers.map((server) => new ScimClient(traffic, server.baseUrl, tenant.apiKey));
    // Twice the window's requests, a third through each instance, 10 in flight on each: each
    // instance alone would allow all of its 200.
    const PER_INSTANCE = (2 * WINDOW_REQUESTS) / 3;
    const byInstance: Answer[][] = clients.map(() => []);
    await Promise.all(
      clients.map(async (client, instance) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            while (next < PER_INSTANCE) {
              next++;
              byInstance[instance].push(await client.get('ServiceProviderConfig'));
            }
          }),
        );
      }),
    );
    const answers = byInstance.flat();
    const allowed = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(allowed.length + refused.length).toBe(2 * WINDOW_REQUESTS);
    figures['rate limit allowed'] = allowed.length;
    figures['rate limit refused'] = refused.length;
    expect(allowed.length).toBeGreaterThanOrEqual(WINDOW_REQUESTS * 0.8);
    expect(allowed.length).toBeLessThanOrEqual(WINDOW_REQUESTS * 1.2);
    // Every instance refused some: none allowed its third on its own count.
    const refusedBy = byInstance.map((mine) => mine.filter((answer) => answer.status === 429).length);
    for (const count of refusedBy) expect(count).toBeGreaterThan(0);
    for (const answer of refused) expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    // The counters are in PostgreSQL, one row for the tenant.
    const rows = await cluster.sql(DATABASE, (client) =>
      client.query<{ points: number }>('SELECT points FROM rate_limit WHERE key = $1', [
        `tenant:${tenant.id}`,
      ]),
    );
    expect(rows.rows).toHaveLength(1);
  }, 120_000);

  it('a key revoked through one instance is refused by all three, without waiting for the cache TTL', async () => {
    const tenant = await createTenant(traffic, servers[0].baseUrl, ADMIN_TOKEN, 'Revoked');
    const keys = await admin(servers[0], 'GET', `/admin/v1/tenants/${tenant.id}/api-keys`);
    expect(keys.status).toBe(200);
    const keyId: string = keys.json[0].id;
    const clients = servers.map((server) => new ScimClient(traffic, server.baseUrl, tenant.apiKey));
    // Every instance has verified the key and trusts it from memory now.
    for (const client of clients) expect((await client.get('ServiceProviderConfig')).status).toBe(200);

    const revoked = await admin(servers[1], 'DELETE', `/admin/v1/tenants/${tenant.id}/api-keys/${keyId}`);
    expect(revoked.status).toBe(204);
    // The instance that revoked refuses the next request.
    expect((await clients[1].get('ServiceProviderConfig')).status).toBe(401);

    // The others learn it from PostgreSQL's NOTIFY, a moment after the commit: poll each, bounded
    // (200 tries, 10 ms apart: 2 s at most, 300 times less than the cache's TTL).
    const triesUntilRefused: number[] = [];
    for (const client of clients) {
      let tries = 0;
      let status = 0;
      while (tries < 200) {
        tries++;
        status = (await client.get('ServiceProviderConfig')).status;
        if (status !== 200) break;
        await sleep(10);
      }
      expect([client.baseUrl, status]).toEqual([client.baseUrl, 401]);
      triesUntilRefused.push(tries);
      // And it stays refused.
      for (let i = 0; i < 3; i++) expect((await client.get('ServiceProviderConfig')).status).toBe(401);
    }
    figures['revocation tries until refused (max)'] = Math.max(...triesUntilRefused);
    // A new key of the tenant works everywhere at once (unknown key ids are never cached).
    const created = await admin(servers[2], 'POST', `/admin/v1/tenants/${tenant.id}/api-keys`, {
      name: 'rotated',
    });
    expect(created.status).toBe(201);
    for (const client of clients) {
      expect((await new ScimClient(traffic, client.baseUrl, created.json.apiKey).get('Users')).status).toBe(
        200,
      );
    }
  }, 120_000);

  it('no instance answered 5xx, and every answer matched the OpenAPI document', () => {
    expect(traffic.serverErrors).toEqual([]);
    expect(traffic.contractViolations).toEqual([]);
  });
});
