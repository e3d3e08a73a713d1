import { createServer, type Server } from 'node:net';
import { loadConfig } from '../../src/config/config.js';
import { freePort } from '../../src/database/embedded-postgres.js';
import { observeStatement } from '../../src/metrics/statement-timing.js';
import { ApiKeysService } from '../../src/modules/auth/api-keys.service.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { validateEveryResponse } from '../support/contract.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  type PrometheusFamily,
  parsePrometheusText,
  sampleValue as value,
} from '../support/prometheus-text.js';
import { newUser, scimAs } from '../support/scim-requests.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

/** The server as main.ts runs it (startServer), on a test database, with its metrics on METRICS_PORT. */
async function start(db: TestDatabase, env: Record<string, string>): Promise<RunningServer> {
  const config = loadConfig({
    DATABASE_URL: db.url,
    MIGRATE_ON_START: 'false',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  return startServer(config);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Listening TCP handles of this process; a closed listener's handle goes a moment after close(). */
function tcpListeners(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;
}

/** The listener count once it equals `expected`, or after a bounded wait whatever it is then. */
async function tcpListenersReaching(expected: number): Promise<number> {
  for (let i = 0; i < 100 && tcpListeners() !== expected; i += 1) await sleep(20);
  return tcpListeners();
}

describe('Prometheus metrics on their own port', () => {
  let db: TestDatabase;
  let server: RunningServer;
  let acme: TestTenant;
  let text: string;

  async function scrape(): Promise<Map<string, PrometheusFamily>> {
    const response = await fetch(server.metricsUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    text = await response.text();
    return parsePrometheusText(text);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await start(db, {
      METRICS_PORT: String(await freePort()),
      // A small failed-authentication budget, so that the test can exhaust it; it barely refills.
      AUTH_FAILURE_BURST: '6',
      AUTH_FAILURE_RPS: '0.001',
      RATE_LIMIT_BURST: '20',
      RATE_LIMIT_RPS: '1',
    });
    validateEveryResponse(server.app);
    acme = await createTenant(server.app, 'Acme');
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('serves GET /metrics on METRICS_PORT, and the public port does not expose it', async () => {
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const publicPort = await fetch(`${server.baseUrl}/metrics`);
    expect(publicPort.status).toBe(404);
    await publicPort.arrayBuffer();
    const elsewhere = await fetch(new URL('/scim/v2/Users', server.metricsUrl));
    expect(elsewhere.status).toBe(404);
    await elsewhere.arrayBuffer();

    const families = await scrape();
    // collectDefaultMetrics: the process' own metrics.
    expect(families.get('process_cpu_user_seconds_total')?.type).toBe('COUNTER');
    expect(families.get('nodejs_heap_size_used_bytes')?.type).toBe('GAUGE');
  });

  it('counts SCIM requests by route template, method and status, never by id or tenant', async () => {
    const scim = scimAs(server.app, acme.apiKey);
    const created = await scim.post('Users', newUser('ada@example.com'));
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    expect((await scim.get(`Users/${id}`)).statusCode).toBe(200);
    expect((await scim.get(`Users/${id}`)).statusCode).toBe(200);
    expect((await scim.get('Users/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await scim.get('Users?filter=userName eq "ada@example.com"')).statusCode).toBe(200);

    const families = await scrape();
    const requests = 'http_requests_total';
    expect(families.get(requests)?.type).toBe('COUNTER');
    expect(value(families, requests, { route: '/scim/v2/Users', method: 'POST', status: '201' })).toBe(1);
    expect(value(families, requests, { route: '/scim/v2/Users/:id', method: 'GET', status: '200' })).toBe(2);
    expect(value(families, requests, { route: '/scim/v2/Users/:id', method: 'GET', status: '404' })).toBe(1);
    expect(value(families, requests, { route: '/scim/v2/Users', method: 'GET', status: '200' })).toBe(1);

    expect(families.get('http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    // The parser folds the series of a labelled histogram into one; the series are read from the text.
    const series = '{method="GET",route="/scim/v2/Users/:id",status_class="2xx"';
    expect(text).toContain(`\nhttp_request_duration_seconds_count${series}} 2\n`);
    expect(text).toContain(`\nhttp_request_duration_seconds_bucket${series},le="+Inf"} 2\n`);
    expect(text).toContain(
      '\nhttp_request_duration_seconds_count{method="GET",route="/scim/v2/Users/:id",status_class="4xx"} 1\n',
    );

    // No label carries a value taken from a request: no id, tenant, key or query.
    for (const secret of [id, acme.tenantId, acme.apiKeyId, 'ada@example.com']) {
      expect(text).not.toContain(secret);
    }
    const routes = new Set(families.get(requests)?.metrics.map((m) => m.labels?.route));
    expect([...routes].every((route) => route === 'unmatched' || /^\/[\w/:.-]*$/.test(route ?? ''))).toBe(
      true,
    );
  });

  it('counts 401s by reason', async () => {
    const keys = server.app.get(ApiKeysService, { strict: false });
    const revoked = await keys.create(acme.tenantId, { name: 'revoked' });
    await keys.revoke(acme.tenantId, revoked.id);
    const attempts: [Record<string, string>, string][] = [
      [{}, 'missing_credentials'],
      [{ authorization: 'Basic YWRtaW46YWRtaW4=' }, 'malformed_credentials'],
      [{ authorization: 'Bearer scim_nosuchkey_secret' }, 'unknown_key'],
      [{ authorization: `Bearer ${revoked.apiKey}` }, 'revoked_key'],
    ];
    for (const [headers] of attempts) {
      const response = await server.app.inject({ method: 'GET', url: '/scim/v2/Users', headers });
      expect(response.statusCode).toBe(401);
    }
    const families = await scrape();
    for (const [, reason] of attempts) {
      expect(value(families, 'scim_auth_failures_total', { reason })).toBe(1);
    }
    expect(
      value(families, 'http_requests_total', { route: '/scim/v2/Users', method: 'GET', status: '401' }),
    ).toBe(4);
  });

  it('counts 429s by the limiter that refused them', async () => {
    // The tenant's budget (20 at once, 1 a second) runs out within a bounded burst.
    const globex = await createTenant(server.app, 'Globex');
    const scim = scimAs(server.app, globex.apiKey);
    let tenantRefusals = 0;
    for (let i = 0; i < 100 && tenantRefusals === 0; i += 1) {
      if ((await scim.get('Users')).statusCode === 429) tenantRefusals += 1;
    }
    expect(tenantRefusals).toBe(1);
    // This address' failed-authentication budget (6) has 4 spent above: spend the rest until refused.
    let addressRefusals = 0;
    for (let i = 0; i < 10 && addressRefusals === 0; i += 1) {
      const response = await server.app.inject({ method: 'GET', url: '/scim/v2/Users' });
      if (response.statusCode === 429) addressRefusals += 1;
    }
    expect(addressRefusals).toBe(1);
    const families = await scrape();
    expect(value(families, 'scim_rate_limited_total', { reason: 'tenant_rate_limit' })).toBe(1);
    expect(value(families, 'scim_rate_limited_total', { reason: 'auth_failure_limit' })).toBe(1);
  });

  it('reads the database pool when scraped, and counts statement latencies reported to it', async () => {
    const before = await scrape();
    const statements = Number(before.get('db_statement_duration_seconds')?.metrics[0]?.count);
    observeStatement(0.002);
    const families = await scrape();
    expect(families.get('db_pool_connections')?.type).toBe('GAUGE');
    expect(value(families, 'db_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(0);
    expect(families.get('db_pool_waiting_requests')?.metrics[0]?.value).toBe('0');
    expect(Number(families.get('db_statement_duration_seconds')?.metrics[0]?.count)).toBeGreaterThanOrEqual(
      statements + 1,
    );
  });
});

describe('METRICS_PORT', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  // The listeners of other tests of this file are closed by now.
  let before: number;
  beforeEach(async () => {
    before = await tcpListenersReaching(0);
  });

  it('0 starts no metrics listener', async () => {
    const server = await start(db, { METRICS_PORT: '0' });
    try {
      expect(server.metricsUrl).toBeUndefined();
      // Only the public listener was added.
      expect(tcpListeners()).toBe(before + 1);
    } finally {
      await server.stop();
    }
    expect(await tcpListenersReaching(before)).toBe(before);
  });

  it('stops its listener with the server', async () => {
    const server = await start(db, { METRICS_PORT: String(await freePort()) });
    expect(tcpListeners()).toBe(before + 2);
    const url = server.metricsUrl!;
    await server.stop();
    await expect(fetch(url)).rejects.toThrow();
    expect(await tcpListenersReaching(before)).toBe(before);
  });

  it('fails the start, naming METRICS_PORT, when the port is taken', async () => {
    const taken: Server = createServer();
    const port = await new Promise<number>((done) =>
      taken.listen(0, '127.0.0.1', () => done((taken.address() as { port: number }).port)),
    );
    try {
      await expect(start(db, { METRICS_PORT: String(port) })).rejects.toThrow(/METRICS_PORT/);
      // The public listener it had opened is closed again.
      expect(await tcpListenersReaching(before + 1)).toBe(before + 1);
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });
});
