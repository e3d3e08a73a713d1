/**
 * Webhooks as the server runs them (startServer, as main.ts does): the worker runs inside the server
 * by default and stops with it; the outbox depth and delivery lag are Prometheus metrics without a
 * tenant label; the CLI manages endpoints.
 */
import { runCli } from '../../src/cli/cli.js';
import { loadConfig } from '../../src/config/config.js';
import { freePort } from '../../src/database/embedded-postgres.js';
import { WebhookWorker } from '../../src/modules/webhooks/webhook-worker.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { validateEveryResponse } from '../support/contract.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { parsePrometheusText } from '../support/prometheus-text.js';
import { newUser, scimAs } from '../support/scim-requests.js';
import { createTenant } from '../support/tenants.js';
import { until } from '../support/until.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

describe('webhooks in the server process', () => {
  let db: TestDatabase;
  let server: RunningServer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await WebhookReceiver.start();
    server = await startServer(
      loadConfig({
        DATABASE_URL: db.url,
        MIGRATE_ON_START: 'false',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        METRICS_PORT: String(await freePort()),
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_POLL_MS: '50',
      }),
    );
    validateEveryResponse(server.app);
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    await db?.drop();
  });

  it('delivers with the worker the server runs by default, and reports outbox depth and lag without tenant labels', async () => {
    expect(server.app.get(WebhookWorker).started).toBe(true);
    const tenant = await createTenant(server.app, 'Metrics');
    const created = await runCli(
      ['webhooks', 'create', receiver.url('/cli'), '--tenant', tenant.tenantId, '--types', 'user.created'],
      { DATABASE_URL: db.url, LOG_LEVEL: 'silent', MIGRATE_ON_START: 'false', WEBHOOK_ALLOW_PRIVATE: 'true' },
      { out: (text) => outputs.push(text), err: (text) => outputs.push(text) },
    );
    expect({ created, outputs }).toEqual({ created: 0, outputs: [expect.stringContaining('whsec_')] });
    const endpoint = JSON.parse(outputs[0]);
    expect(endpoint).toMatchObject({ tenantId: tenant.tenantId, eventTypes: ['user.created'] });

    const scim = scimAs(server.app, tenant.apiKey);
    const user = await scim.post('Users', newUser('metrics@example.com'));
    expect(user.statusCode).toBe(201);
    await receiver.waitForAccepted(1);
    expect(receiver.accepted[0].event).toMatchObject({ type: 'user.created', tenantId: tenant.tenantId });

    // The worker counts an attempt once it has recorded it, which is a moment after the receiver has it:
    // read the metrics again until the delivered attempt is counted (bounded: 10 s).
    const text = await until(
      async () => (await fetch(server.metricsUrl!)).text(),
      (read) =>
        (parsePrometheusText(read).get('scim_webhook_attempts_total')?.metrics ?? []).some(
          (m) => m.labels?.outcome === 'delivered',
        ),
      { intervalMs: 100 },
    );
    const families = parsePrometheusText(text);
    const depth = families.get('scim_webhook_outbox_depth')!;
    expect(
      depth.metrics.map((m) => m.labels).sort((a, b) => String(a?.stage).localeCompare(String(b?.stage))),
    ).toEqual([{ stage: 'delivery' }, { stage: 'fanout' }]);
    expect(families.get('scim_webhook_delivery_lag_seconds')?.metrics).toHaveLength(1);
    expect(families.get('scim_webhook_attempts_total')?.metrics).toEqual(
      expect.arrayContaining([expect.objectContaining({ labels: { outcome: 'delivered' } })]),
    );
    expect(text).not.toContain(tenant.tenantId);
    expect(text).not.toContain(endpoint.id);
  });

  it('manages endpoints with the CLI: list, rotate, test, delete', async () => {
    const env = {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
      MIGRATE_ON_START: 'false',
      WEBHOOK_ALLOW_PRIVATE: 'true',
    };
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(argv, env, { out: (t) => out.push(t), err: (t) => err.push(t) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const created = await run(
      'webhooks',
      'create',
      receiver.url('/cli-all'),
      '--description',
      'every tenant',
    );
    expect(created.code).toBe(0);
    const endpoint = JSON.parse(created.out);
    expect(endpoint).toMatchObject({
      tenantId: null,
      description: 'every tenant',
      secret: expect.stringMatching(/^whsec_/),
    });
    const listed = await run('webhooks', 'list');
    expect(JSON.parse(listed.out).endpoints.map((e: { id: string }) => e.id)).toContain(endpoint.id);
    expect(listed.out).not.toContain('whsec_');
    const rotated = await run('webhooks', 'rotate', endpoint.id);
    expect(JSON.parse(rotated.out)).toMatchObject({
      id: endpoint.id,
      secret: expect.stringMatching(/^whsec_/),
    });
    const tested = await run('webhooks', 'test', endpoint.id);
    expect(JSON.parse(tested.out)).toMatchObject({ eventType: 'webhook.test', status: 200 });
    expect(await run('webhooks', 'delete', endpoint.id)).toMatchObject({ code: 0 });
    expect(await run('webhooks', 'delete', endpoint.id)).toMatchObject({
      code: 1,
      err: expect.stringContaining('not found'),
    });
    expect(await run('webhooks', 'create', 'ftp://x')).toMatchObject({
      code: 1,
      err: expect.stringContaining('url'),
    });
    expect(await run('webhooks', 'create')).toMatchObject({ code: 2 });
  });

  it('stops the worker when the server stops', async () => {
    const worker = server.app.get(WebhookWorker);
    await server.stop();
    expect(worker.started).toBe(true);
    await expect(worker.stop()).resolves.toBeUndefined();
    server = undefined as unknown as RunningServer;
  });
});

const outputs: string[] = [];
