/**
 * On shutdown (startServer's stop, as SIGTERM runs it) the server answers new requests with the SCIM
 * 503 at once, while its modules' shutdown hooks still run: Nest closes the HTTP server only after
 * them, and the webhook worker's hook lets a delivery in flight finish first (up to
 * WEBHOOK_TIMEOUT_MS). Without draining first, a request arriving meanwhile was served as usual.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../../src/cli/cli.js';
import { loadConfig } from '../../src/config/config.js';
import { freePort } from '../../src/database/embedded-postgres.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { newUser, scimAs } from '../support/scim-requests.js';
import { createTenant } from '../support/tenants.js';

const SLOW_ANSWER_MS = 1_500;

describe('draining on shutdown starts before the shutdown hooks', () => {
  let db: TestDatabase;
  let receiver: Server;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await server?.stop();
    await new Promise((done) => receiver?.close(done));
    await db?.drop();
  });

  it('a request that arrives while a webhook delivery in flight finishes gets the SCIM 503', async () => {
    // A receiver that takes its time to answer: the delivery is in flight when the server stops.
    let arrived!: () => void;
    const inFlight = new Promise<void>((done) => (arrived = done));
    receiver = createServer((request, response) => {
      request.resume();
      arrived();
      setTimeout(() => response.writeHead(200).end('ok'), SLOW_ANSWER_MS);
    });
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const env = {
      DATABASE_URL: db.url,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'silent',
      WEBHOOK_ALLOW_PRIVATE: 'true',
    };
    server = await startServer(
      loadConfig({
        ...env,
        PORT: '0',
        HOST: '127.0.0.1',
        METRICS_PORT: String(await freePort()),
        WEBHOOK_POLL_MS: '50',
      }),
    );
    const tenant = await createTenant(server.app, 'Draining');
    const outputs: string[] = [];
    const created = await runCli(['webhooks', 'create', receiverUrl, '--tenant', tenant.tenantId], env, {
      out: (text) => outputs.push(text),
      err: (text) => outputs.push(text),
    });
    expect({ created, outputs }).toEqual({ created: 0, outputs: [expect.stringContaining('whsec_')] });
    const scim = scimAs(server.app, tenant.apiKey);
    expect((await scim.post('Users', newUser('draining@example.com'))).statusCode).toBe(201);
    await inFlight;

    const stopping = server.stop();
    const stopped = server;
    server = undefined;
    const late = await scim.get('Users');
    expect(late.statusCode).toBe(503);
    expect(late.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(late.headers['retry-after']).toBeDefined();
    expect(late.json()).toMatchObject({ status: '503' });
    await stopping;
    expect(stopped.app.getHttpServer().listening).toBe(false);
  });
});
