import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/config.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { migrateDatabase } from '../../src/database/migrate.js';
import { validateEveryResponse } from '../support/contract.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

const ADMIN_TOKEN = 'outage-test-operator-token';

/** The postmaster of a cluster this test started (postmaster.pid) and its backends and workers. */
function clusterPids(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8')
    .split(' ')
    .filter(Boolean)
    .map(Number);
  return [postmaster, ...children];
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // A backend that ended meanwhile.
    }
  }
}

/**
 * PostgreSQL down, restarting or frozen is a temporary state: SCIM and operator routes answer a SCIM
 * 503 with Retry-After within the configured timeouts, and the server recovers by itself.
 */
describe('database outages', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-outage-'));
  let database: EmbeddedDatabase;
  let app: NestFastifyApplication;
  let port: number;
  let tenant: TestTenant;

  beforeAll(async () => {
    database = await startEmbeddedPostgres({ dataDir });
    port = Number(new URL(database.url).port);
    await migrateDatabase(database.url);
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN,
      DB_STATEMENT_TIMEOUT_MS: '2000',
      DB_ACQUIRE_TIMEOUT_MS: '2000',
    });
    app = await createApp({ config, databaseUrl: database.url });
    // Every answer, the 503s included, is checked against the OpenAPI document.
    validateEveryResponse(app);
    tenant = await createTenant(app);
  });
  afterAll(async () => {
    await app?.close();
    await database?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const listUsers = () =>
    app.inject({
      method: 'GET',
      url: '/scim/v2/Users',
      headers: { authorization: `Bearer ${tenant.apiKey}` },
    });
  const listTenants = () =>
    app.inject({
      method: 'GET',
      url: '/admin/v1/tenants',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });

  async function expectRecovery(): Promise<void> {
    let status = 0;
    for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
      status = (await listUsers()).statusCode;
      if (status !== 200) await new Promise((done) => setTimeout(done, 250));
    }
    expect(status).toBe(200);
  }

  function expectUnavailable(response: Awaited<ReturnType<typeof listUsers>>): void {
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(response.json()).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '503',
    });
  }

  it('answers 503 with Retry-After while PostgreSQL is stopped, and recovers once it is back', async () => {
    expect((await listUsers()).statusCode).toBe(200);

    await database.stop();
    expectUnavailable(await listUsers());
    expectUnavailable(await listTenants());

    database = await startEmbeddedPostgres({ dataDir, port });
    // The pool discards the connections the restart broke and opens new ones: no server restart.
    await expectRecovery();
    expect((await listTenants()).statusCode).toBe(200);
  });

  it('answers 503 within the timeouts while PostgreSQL is frozen, and recovers after SIGCONT', async () => {
    expect((await listUsers()).statusCode).toBe(200);

    const pids = clusterPids(dataDir);
    signalAll(pids, 'SIGSTOP');
    try {
      // Neither a pooled connection (no answer to its query) nor a new one (no answer to the
      // startup message) may hang the request: jest's timeout would fail the test.
      const [users, tenants] = await Promise.all([listUsers(), listTenants()]);
      expectUnavailable(users);
      expectUnavailable(tenants);
      expectUnavailable(await listUsers());
    } finally {
      signalAll(pids, 'SIGCONT');
    }
    await expectRecovery();
  });
});
