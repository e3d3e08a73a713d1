/**
 * examples/webhook-receiver.mjs, the receiver docs/events.md shows, really runs: started as a process
 * with an endpoint's secret, it gets the server's deliveries, verifies them and logs each event once;
 * a forged request is refused.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '../../src/database/embedded-postgres.js';
import { WebhookWorker } from '../../src/modules/webhooks/webhook-worker.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENTS_ADMIN_TOKEN } from '../support/events.js';
import { createTenant } from '../support/tenants.js';

const EXAMPLE = resolve(import.meta.dirname, '../../examples/webhook-receiver.mjs');

describe('examples/webhook-receiver.mjs', () => {
  let t: TestApp;
  let child: ChildProcess | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_TOKEN: EVENTS_ADMIN_TOKEN,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_MS: '50',
    });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    await t.close();
  });

  it('verifies and logs the events the server delivers, and refuses a forged one', async () => {
    const tenant = await createTenant(t.app, 'Example receiver');
    const port = await freePort();
    const created = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/tenants/${tenant.tenantId}/webhook-endpoints`,
      headers: { authorization: `Bearer ${EVENTS_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ url: `http://127.0.0.1:${port}/events` }),
    });
    expect(created.statusCode).toBe(201);
    child = spawn(process.execPath, [EXAMPLE], {
      env: { ...process.env, WEBHOOK_SECRET: created.json().secret, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => lines.push(...String(chunk).split('\n').filter(Boolean)));
    child.stderr!.on('data', (chunk: Buffer) => lines.push(...String(chunk).split('\n').filter(Boolean)));
    // Listening: a forged request (no signature) is answered 401.
    let forged = 0;
    for (let i = 0; i < 200 && forged === 0; i++) {
      forged = await fetch(`http://127.0.0.1:${port}/events`, { method: 'POST', body: '{"id":"x"}' }).then(
        (res) => res.status,
        () => 0,
      );
      if (forged === 0) await new Promise((done) => setTimeout(done, 50));
    }
    expect(forged).toBe(401);

    const user = await t.app.inject({
      method: 'POST',
      url: '/scim/v2/Users',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/scim+json' },
      payload: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'ex@example.com',
      }),
    });
    expect(user.statusCode).toBe(201);
    t.app.get(WebhookWorker).start();
    for (let i = 0; i < 600 && !lines.some((line) => line.includes('user.created')); i++) {
      await new Promise((done) => setTimeout(done, 50));
    }
    const logged = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    expect(logged).toEqual([{ id: expect.any(String), type: 'user.created', tenantId: tenant.tenantId }]);
    const attempts = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/webhook-endpoints/${created.json().id}/attempts`,
      headers: { authorization: `Bearer ${EVENTS_ADMIN_TOKEN}` },
    });
    expect(attempts.json().attempts.map((a: { status: number }) => a.status)).toEqual([204]);
  });
});
