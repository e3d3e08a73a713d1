import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jest } from '@jest/globals';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/config.js';
import { rateLimitWindow } from '../../src/modules/auth/tenant-rate-limiter.js';
import { RateLimitCounters } from '../../src/storage/rate-limit-counters.js';
import { databaseEnv } from '../support/app.js';
import { validateEveryResponse } from '../support/contract.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

/** Collects the JSON log lines of an app. */
function logSink(lines: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
}

async function startInstances(
  db: TestDatabase,
  count: number,
  env: Record<string, string>,
  logs?: Record<string, unknown>[],
): Promise<NestFastifyApplication[]> {
  const config = loadConfig({
    LOG_LEVEL: logs ? 'info' : 'silent',
    METRICS_PORT: '0',
    ...databaseEnv(db),
    ...env,
  });
  const apps: NestFastifyApplication[] = [];
  for (let i = 0; i < count; i++) {
    const app = await createApp({ config, databaseUrl: db.url, logDestination: logs && logSink(logs) });
    validateEveryResponse(app);
    apps.push(app);
  }
  return apps;
}

const get = (app: NestFastifyApplication, tenant: TestTenant) =>
  app.inject({
    method: 'GET',
    url: '/scim/v2/ServiceProviderConfig',
    headers: { authorization: `Bearer ${tenant.apiKey}` },
  });

/**
 * The counters unreachable (their table gone: the database answers, the limiter's statements fail)
 * is no reason to refuse a tenant: requests are allowed, the server says so once, and the limit is
 * enforced again once the counters answer. (First in this file: Nest's logger is process-wide, and the
 * silent instances below would take it over.)
 */
describe('the shared rate limit fails open', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  const logs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    [app] = await startInstances(db, 1, { RATE_LIMIT_RPS: '1', RATE_LIMIT_BURST: '2' }, logs);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('allows every request while the counters fail, logs it once, and enforces the limit again after', async () => {
    const tenant = await createTenant(app, 'Unlimited meanwhile');
    expect((await get(app, tenant)).statusCode).toBe(200);
    await db.client.query('ALTER TABLE rate_limit RENAME TO rate_limit_away');
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await get(app, tenant)).statusCode);
      expect(statuses).toEqual(Array(10).fill(200));
    } finally {
      await db.client.query('ALTER TABLE rate_limit_away RENAME TO rate_limit');
    }
    // Log lines reach the sink asynchronously.
    const unreachable = () =>
      logs.filter((line) => String(line.msg).startsWith('rate limit counters unreachable'));
    for (let i = 0; i < 50 && unreachable().length === 0; i++)
      await new Promise((done) => setTimeout(done, 20));
    const warnings = unreachable();
    expect(warnings).toHaveLength(1);

    // A probe a second after the failure finds the counters back; then 2 requests per 2 s again.
    let status = 200;
    for (let attempt = 0; attempt < 60 && status !== 429; attempt++) {
      status = (await get(app, tenant)).statusCode;
      if (status !== 429) await new Promise((done) => setTimeout(done, 100));
    }
    expect(status).toBe(429);
    const answering = () =>
      logs.some((line) => String(line.msg).startsWith('rate limit counters answer again'));
    for (let i = 0; i < 50 && !answering(); i++) await new Promise((done) => setTimeout(done, 20));
    expect(answering()).toBe(true);
    expect(unreachable()).toHaveLength(1);
  });
});

/**
 * The per-tenant rate limit belongs to the deployment, not to a process: three instances on one
 * database together allow what one would.
 */
describe('one rate limit for every instance', () => {
  // A window of 300 / 10 = 30 seconds of 300 requests: the burst below fits in one window even on a
  // slow machine; each instance alone would allow all of its 200 requests.
  const RPS = 10;
  const BURST = 300;
  const PER_INSTANCE = 200;
  let db: TestDatabase;
  let apps: NestFastifyApplication[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    apps = await startInstances(db, 3, { RATE_LIMIT_RPS: String(RPS), RATE_LIMIT_BURST: String(BURST) });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
  });

  it('three instances together allow the configured limit (within 20 %), not three times it', async () => {
    const window = rateLimitWindow(RPS, BURST);
    const tenant = await createTenant(apps[0], 'Shared');
    const reservations = apps.map((app) => jest.spyOn(app.get(RateLimitCounters), 'add'));

    // 600 requests, 10 in flight per instance at a time, as fast as the instances answer.
    const statuses: number[][] = [[], [], []];
    const started = Date.now();
    await Promise.all(
      apps.flatMap((app, i) =>
        Array.from({ length: 10 }, async () => {
          while (statuses[i].length < PER_INSTANCE) {
            statuses[i].push(-1);
            const at = statuses[i].length - 1;
            statuses[i][at] = (await get(app, tenant)).statusCode;
          }
        }),
      ),
    );
    const elapsed = Date.now() - started;

    const all = statuses.flat();
    const allowed = all.filter((status) => status === 200).length;
    const refused = all.filter((status) => status === 429).length;
    const requests = all.length;
    const writes = reservations.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    console.log(
      `[shared rate limit] requests=${requests} allowed=${allowed} refused=${refused} ` +
        `limit=${window.points}/${window.seconds}s elapsed=${elapsed}ms counter writes=${writes} ` +
        `(${(writes / requests).toFixed(3)} per request)`,
    );
    expect(allowed + refused).toBe(requests);
    // A window starts at the first reservation: a run slower than a window may see a second one.
    const windows = Math.floor(elapsed / (window.seconds * 1000)) + 1;
    expect(allowed).toBeLessThanOrEqual(Math.floor(1.2 * window.points * windows));
    expect(allowed).toBeGreaterThanOrEqual(Math.ceil(0.8 * window.points));
    // Every instance spent from the same budget (none was refused before it allowed anything).
    for (const own of statuses) expect(own.filter((status) => status === 200).length).toBeGreaterThan(0);
    // Reservations in blocks: far fewer writes than requests (the refusals cost none).
    expect(writes).toBeLessThan(requests / 5);
  });

  it('keeps its counters in an unlogged table: a reservation commits without waiting for a WAL flush', async () => {
    const { rows } = await db.client.query<{ relpersistence: string }>(
      `SELECT relpersistence FROM pg_class WHERE oid = 'rate_limit'::regclass`,
    );
    expect(rows).toEqual([{ relpersistence: 'u' }]);
  });
});
