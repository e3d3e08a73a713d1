/**
 * Webhook delivery with real processes on a private PostgreSQL cluster (docs/events.md, "Webhooks"):
 * three worker processes (`node dist/src/worker.js`) on one database deliver each event once per
 * endpoint, also a long chain whose heads fail now and then (handed from one worker to another); a
 * server killed with SIGKILL mid-delivery loses nothing (the claim's lease runs out and
 * another process sends again); a worker stops cleanly on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { briefOf, type ReceivedWebhook, WebhookReceiver } from '../support/webhook-receiver.js';
import { Cluster } from './support/cluster.js';
import { ScimClient, Traffic, createTenant, newUser, patchOp, send, uniqueName } from './support/http.js';
import {
  ADMIN_TOKEN,
  REPO_ROOT,
  type ServerProcess,
  sleep,
  startServerProcess,
  stopAllServers,
} from './support/server-process.js';

const WORKER_ENTRY = resolve(REPO_ROOT, 'dist/src/worker.js');
const WEBHOOK_ENV = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_MS: '20',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,400ms,800ms,1s,1s,1s,1s',
};

/** A worker process of its own, from the same build as the server. */
class WorkerProcess {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
    const keep = (chunk: Buffer) => this.output.push(...String(chunk).split('\n').filter(Boolean));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(databaseUrl: string): Promise<WorkerProcess> {
    const worker = new WorkerProcess(
      spawn(process.execPath, [WORKER_ENTRY], {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          DATABASE_URL: databaseUrl,
          LOG_LEVEL: 'warn',
          ...WEBHOOK_ENV,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    for (let i = 0; i < 600 && !worker.output.some((line) => line.includes('webhook worker started')); i++) {
      if (worker.child.exitCode !== null) break;
      await sleep(50);
    }
    if (!worker.output.some((line) => line.includes('webhook worker started'))) {
      worker.child.kill('SIGKILL');
      throw new Error(`the worker did not start:\n${worker.output.join('\n')}`);
    }
    return worker;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) process.kill(this.child.pid!, signal);
  }
}

const workers: WorkerProcess[] = [];

async function admin(server: ServerProcess, method: string, path: string, body?: unknown) {
  const answer = await send(new Traffic(), server.baseUrl, method, `/admin/v1/${path}`, {
    body,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
  });
  if (answer.status >= 300) throw new Error(`${method} ${path} → ${answer.status} ${answer.text}`);
  return answer.json;
}

/** Every event of the tenant's feed, oldest first. */
async function feed(server: ServerProcess, tenantId: string): Promise<ReceivedWebhook['event'][]> {
  const events = [];
  let after: string | undefined;
  for (let page = 0; page < 100; page++) {
    const body = await admin(
      server,
      'GET',
      `tenants/${tenantId}/events?limit=1000${after ? `&after=${after}` : ''}`,
    );
    events.push(...body.events);
    after = body.nextCursor;
    if (body.events.length < 1000) return events;
  }
  throw new Error('more than 100 pages');
}

/** Per resource, the feed's order: the receiver's first arrival of each event, in that order. */
function expectInOrderPerResource(feedEvents: ReceivedWebhook['event'][], got: ReceivedWebhook[]) {
  const firstArrivals: string[] = [];
  const seen = new Set<string>();
  for (const entry of got) {
    if (!seen.has(entry.event.id)) {
      seen.add(entry.event.id);
      firstArrivals.push(briefOf(entry.event));
    }
  }
  const resourceOf = (line: string) => line.split(' ')[1];
  const resources = new Set(feedEvents.map((event) => resourceOf(briefOf(event))));
  for (const resource of resources) {
    const expected = feedEvents.map(briefOf).filter((line) => resourceOf(line) === resource);
    expect(firstArrivals.filter((line) => resourceOf(line) === resource)).toEqual(expected);
  }
}

describe('webhook delivery across processes', () => {
  const traffic = new Traffic();
  let cluster: Cluster;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    cluster = await Cluster.start();
    receiver = await WebhookReceiver.start();
  }, 120_000);
  afterAll(async () => {
    for (const worker of workers) worker.signal('SIGKILL');
    await Promise.all(workers.map((worker) => worker.exited));
    await stopAllServers();
    await receiver?.close();
    await cluster?.stop();
  }, 120_000);

  it('three worker processes on one database deliver each event exactly once per endpoint, in order per resource', async () => {
    const databaseUrl = await cluster.createDatabase('scim_webhooks_three');
    const server = await startServerProcess({ databaseUrl, env: { WEBHOOK_WORKER: 'off', ...WEBHOOK_ENV } });
    const tenant = await createTenant(traffic, server.baseUrl, ADMIN_TOKEN, 'Three workers');
    const mine = await admin(server, 'POST', `tenants/${tenant.id}/webhook-endpoints`, {
      url: receiver.url('/three-tenant'),
    });
    const everyone = await admin(server, 'POST', 'webhook-endpoints', { url: receiver.url('/three-all') });
    for (let i = 0; i < 3; i++) workers.push(await WorkerProcess.start(databaseUrl));

    const client = new ScimClient(traffic, server.baseUrl, tenant.apiKey);
    const users: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 15; i++) {
          const created = await client.post('Users', newUser(uniqueName('three')));
          expect(created.status).toBe(201);
          users.push(created.json.id);
          const deactivated = await client.patch(
            `Users/${created.json.id}`,
            patchOp({ op: 'replace', value: { active: false } }),
          );
          expect(deactivated.status).toBe(200);
        }
      }),
    );
    const group = await client.post('Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Three',
      members: users.map((value) => ({ value })),
    });
    expect(group.status).toBe(201);

    const events = await feed(server, tenant.id);
    expect(events.length).toBe(60 * 3 + 1 + 60);
    await receiver.waitFor(
      (r) =>
        r.acceptedAt(mine.url).length >= events.length && r.acceptedAt(everyone.url).length >= events.length,
      `${events.length} deliveries to each endpoint`,
      120_000,
    );
    // Nothing is left to send (no delivery pending or leased): no duplicate can still come.
    await cluster.sql('scim_webhooks_three', async (sql) => {
      for (let i = 0; i < 200; i++) {
        const { rows } = await sql.query(
          `SELECT count(*)::int AS n FROM webhook_delivery WHERE state = 'pending'`,
        );
        if (rows[0].n === 0) return;
        await sleep(50);
      }
      throw new Error('deliveries still pending');
    });
    for (const endpoint of [mine, everyone]) {
      const got = receiver.acceptedAt(endpoint.url);
      const ids = got.map((entry) => entry.event.id);
      expect(new Set(ids).size).toBe(ids.length); // once each
      expect([...ids].sort()).toEqual(events.map((event) => event.id).sort());
      expectInOrderPerResource(events, got);
    }
    // Every request the receiver saw was answered 2xx: no double sending hides behind a failure.
    expect(receiver.received.filter((entry) => entry.path.startsWith('/three')).length).toBe(
      2 * events.length,
    );

    // SIGTERM: each worker stops claiming, finishes what is in flight and exits 0.
    for (const worker of workers.splice(0)) {
      worker.signal('SIGTERM');
      expect(await worker.exited).toEqual({ code: 0, signal: null });
      expect(worker.output.join('\n')).toContain('stopped');
    }
  }, 240_000);

  it('three worker processes hand a long chain to one another through failed heads: each event accepted once, in order', async () => {
    const databaseUrl = await cluster.createDatabase('scim_webhooks_chain');
    const server = await startServerProcess({ databaseUrl, env: { WEBHOOK_WORKER: 'off', ...WEBHOOK_ENV } });
    const tenant = await createTenant(traffic, server.baseUrl, ADMIN_TOKEN, 'Long chain');
    const endpoint = await admin(server, 'POST', `tenants/${tenant.id}/webhook-endpoints`, {
      url: receiver.url('/chain'),
    });
    // Every fifth event's first attempt fails: its chain waits for the retry (100 ms), which any of
    // the three workers may claim, behind it the rest of the chain.
    const failed = new Set<string>();
    let seen = 0;
    receiver.answer = ({ path, event }) => {
      if (path !== '/chain' || failed.has(event.id)) return 200;
      if (++seen % 5 === 0) {
        failed.add(event.id);
        return 503;
      }
      return 200;
    };
    try {
      for (let i = 0; i < 3; i++) workers.push(await WorkerProcess.start(databaseUrl));
      const client = new ScimClient(traffic, server.baseUrl, tenant.apiKey);
      const users: string[] = [];
      for (let i = 0; i < 40; i++) {
        const created = await client.post('Users', newUser(uniqueName('chain')));
        expect(created.status).toBe(201);
        users.push(created.json.id);
      }
      const group = await client.post('Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Chain',
      });
      expect(group.status).toBe(201);
      // The group's chain: group.created, then 40 member events in four PATCHes, then a removal each.
      for (let from = 0; from < users.length; from += 10) {
        const patched = await client.patch(
          `Groups/${group.json.id}`,
          patchOp({
            op: 'add',
            path: 'members',
            value: users.slice(from, from + 10).map((value) => ({ value })),
          }),
        );
        expect(patched.status).toBe(200);
      }
      for (const user of users.slice(0, 10)) {
        const patched = await client.patch(
          `Groups/${group.json.id}`,
          patchOp({ op: 'remove', path: `members[value eq "${user}"]` }),
        );
        expect(patched.status).toBe(200);
      }
      const events = await feed(server, tenant.id);
      expect(events).toHaveLength(40 + 1 + 40 + 10);
      await receiver.waitFor(
        (r) => r.acceptedAt(endpoint.url).length >= events.length,
        `${events.length} deliveries`,
        120_000,
      );
      const got = receiver.acceptedAt(endpoint.url);
      const ids = got.map((entry) => entry.event.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(events.map((event) => event.id).sort());
      expectInOrderPerResource(events, got);
      expect(failed.size).toBeGreaterThanOrEqual(Math.floor(events.length / 5) - 1);
      for (const worker of workers.splice(0)) {
        worker.signal('SIGTERM');
        expect(await worker.exited).toEqual({ code: 0, signal: null });
      }
    } finally {
      receiver.answer = () => 200;
    }
  }, 240_000);

  it('SIGKILL of the server mid-delivery loses nothing: another server sends what was in flight', async () => {
    const databaseUrl = await cluster.createDatabase('scim_webhooks_kill');
    let server = await startServerProcess({ databaseUrl, env: WEBHOOK_ENV });
    const port = server.port;
    const tenant = await createTenant(traffic, server.baseUrl, ADMIN_TOKEN, 'Killed server');
    const endpoint = await admin(server, 'POST', `tenants/${tenant.id}/webhook-endpoints`, {
      url: receiver.url('/killed'),
    });
    // A slow receiver: deliveries are in flight when the server dies.
    receiver.delayMs = 150;
    try {
      const client = new ScimClient(traffic, server.baseUrl, tenant.apiKey);
      for (let i = 0; i < 30; i++) {
        const created = await client.post('Users', newUser(uniqueName('kill')));
        expect(created.status).toBe(201);
        await client.patch(`Users/${created.json.id}`, patchOp({ op: 'replace', value: { active: false } }));
      }
      const events = await feed(server, tenant.id);
      expect(events).toHaveLength(90);
      const arrivedAt = () => receiver.received.filter((entry) => entry.path === '/killed').length;
      await receiver.waitFor(() => arrivedAt() >= 10, 'the first deliveries');
      await server.kill9();
      const beforeRestart = arrivedAt();
      expect(beforeRestart).toBeLessThan(events.length);

      server = await startServerProcess({ databaseUrl, port, env: WEBHOOK_ENV });
      await receiver.waitFor(
        (r) => new Set(r.acceptedAt(endpoint.url).map((entry) => entry.event.id)).size >= events.length,
        'every event after the restart',
        120_000,
      );
      const got = receiver.acceptedAt(endpoint.url);
      expect([...new Set(got.map((entry) => entry.event.id))].sort()).toEqual(
        events.map((event) => event.id).sort(),
      );
      expectInOrderPerResource(events, got);
    } finally {
      receiver.delayMs = 0;
    }
  }, 240_000);
});
