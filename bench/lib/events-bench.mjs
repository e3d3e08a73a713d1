// Webhook delivery workloads (docs/benchmarks.md, "Webhook delivery"): `npm run bench -- --webhooks`.
// 1. Commit-to-receiver latency at a steady 200 changes/s: POST /Users at a fixed rate (open loop), each
//    user.created timed from the 201 (sent after COMMIT) to its arrival at a receiver on 127.0.0.1;
//    with the default poll interval (1 s) and with WEBHOOK_POLL_MS=50.
// 2. The 100,000 group.member_added events of one large PATCH series (100 PATCHes of 1,000 members to
//    one group: one chain, delivered in order): the time from the first PATCH to the last delivery.
// One server with the worker inside (WEBHOOK_WORKER=on), its own embedded cluster, everything bounded.
// EVENTS_BENCH_ONLY=series runs only the second workload (on the server with the defaults).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GROUP_SCHEMA, USER_SCHEMA, userId } from './dataset.mjs';
import { freePort, ourServerEnv, startServer } from './processes.mjs';
import { seed } from './seed.mjs';

const RATE = 200;
const STEADY_SECONDS = Number(process.env.EVENTS_BENCH_SECONDS ?? 20);
const MEMBERS = Number(process.env.EVENTS_BENCH_MEMBERS ?? 100_000);
const PATCH_SIZE = 1000;
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ONLY_SERIES = process.env.EVENTS_BENCH_ONLY === 'series';

/** The machine's 1-minute load average, with 2 decimals (the bench shares the machine). */
const load = () => Math.round(loadavg()[0] * 100) / 100;

function quantile(sorted, q) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

/** A receiver that answers 204 and notes when each event arrived (by the resource or member it is about). */
async function startReceiver() {
  const arrivals = new Map();
  let count = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const now = performance.now();
      const event = JSON.parse(body);
      count += 1;
      const key = event.data.member?.value ?? event.data.resource?.id;
      if (!arrivals.has(key)) arrivals.set(key, now);
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    arrivals,
    get count() {
      return count;
    },
    url: (path) => `http://127.0.0.1:${server.address().port}${path}`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

async function call(port, token, method, path, body) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

async function waitUntil(done, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function runEventsBench({ rootDir, buildDir }) {
  const dist = (path) => pathToFileURL(join(buildDir, 'src', path)).href;
  const { startEmbeddedPostgres } = await import(dist('database/embedded-postgres.js'));
  const { migrateDatabase } = await import(dist('database/migrate.js'));
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-events-bench-'));
  const database = await startEmbeddedPostgres({ dataDir, database: 'postgres' });
  const receiver = await startReceiver();
  const servers = [];
  const results = {};
  // Ctrl-C: stop our server and PostgreSQL (embedded-postgres would otherwise exit without stopping them).
  const { takeOverShutdownSignals } = await import(dist('database/embedded-postgres.js'));
  takeOverShutdownSignals();
  const onSignal = () => {
    for (const server of servers) server.stop(0).catch(() => undefined);
    database.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const [label, pollMs] of [
      ['WEBHOOK_POLL_MS=50', '50'],
      ['defaults (poll 1 s)', undefined],
    ]) {
      if (ONLY_SERIES && pollMs) continue;
      const name = `scim_events_${randomBytes(4).toString('hex')}`;
      const admin = await import('pg').then(
        ({ default: pg }) => new pg.Client({ connectionString: database.urlFor('postgres') }),
      );
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const databaseUrl = database.urlFor(name);
      await migrateDatabase(databaseUrl);
      const port = await freePort();
      const adminToken = randomBytes(24).toString('hex');
      const server = await startServer({
        name: 'ours',
        args: [join(buildDir, 'src', 'main.js')],
        cwd: rootDir,
        port,
        readyPath: '/health/ready',
        env: {
          ...ourServerEnv({ port, databaseUrl, adminToken }),
          WEBHOOK_ALLOW_PRIVATE: 'true',
          ...(pollMs ? { WEBHOOK_POLL_MS: pollMs } : {}),
        },
      });
      servers.push(server);
      const tenant = await call(port, adminToken, 'POST', '/admin/v1/tenants', { name: 'events bench' });
      await call(port, adminToken, 'POST', `/admin/v1/tenants/${tenant.id}/webhook-endpoints`, {
        url: receiver.url(`/${name}`),
        eventTypes: ['user.created', 'group.member_added'],
      });

      // 1. Steady rate.
      if (!ONLY_SERIES) {
        console.log(`events bench (${label}): ${RATE} POST /Users per second for ${STEADY_SECONDS} s`);
        const acked = new Map();
        const pending = [];
        let failed = 0;
        const started = performance.now();
        const total = RATE * STEADY_SECONDS;
        for (let i = 0; i < total; i++) {
          const due = started + (i * 1000) / RATE;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          pending.push(
            call(port, tenant.apiKey, 'POST', '/scim/v2/Users', {
              schemas: [USER_SCHEMA],
              userName: `steady-${name}-${i}@example.com`,
            }).then(
              (user) => acked.set(user.id, performance.now()),
              () => (failed += 1),
            ),
          );
        }
        await Promise.all(pending);
        await waitUntil(
          () => [...acked.keys()].every((id) => receiver.arrivals.has(id)),
          'every delivery',
          120_000,
        );
        const latencies = [...acked].map(([id, at]) => receiver.arrivals.get(id) - at).sort((a, b) => a - b);
        results[label] = {
          writes: total,
          failedWrites: failed,
          achievedRate: Math.round(total / ((Math.max(...acked.values()) - started) / 1000)),
          p50: quantile(latencies, 0.5),
          p99: quantile(latencies, 0.99),
          max: latencies.at(-1),
        };
        console.log(`  ${JSON.stringify(results[label])}`);
      }

      // 2. One large PATCH series (once, on the server with the defaults).
      if (!pollMs) {
        console.log(`events bench: ${MEMBERS} group.member_added events of one PATCH series`);
        const before = receiver.count;
        await seed(databaseUrl, tenant.id, { users: MEMBERS, groupSizes: [] });
        const group = await call(port, tenant.apiKey, 'POST', '/scim/v2/Groups', {
          schemas: [GROUP_SCHEMA],
          displayName: 'Everyone',
        });
        const first = performance.now();
        const loadAtStart = load();
        for (let from = 1; from <= MEMBERS; from += PATCH_SIZE) {
          const value = [];
          for (let n = from; n < from + PATCH_SIZE && n <= MEMBERS; n++) value.push({ value: userId(n) });
          await call(port, tenant.apiKey, 'PATCH', `/scim/v2/Groups/${group.id}`, {
            schemas: [PATCH],
            Operations: [{ op: 'add', path: 'members', value }],
          });
        }
        const patched = performance.now();
        const progress = setInterval(() => {
          const seconds = (performance.now() - first) / 1000;
          console.log(
            `  ${receiver.count - before} delivered after ${Math.round(seconds)} s (load average ${load()})`,
          );
        }, 30_000);
        await waitUntil(() => receiver.count - before >= MEMBERS, `${MEMBERS} deliveries`, 1_800_000).finally(
          () => clearInterval(progress),
        );
        const done = performance.now();
        results.series = {
          members: MEMBERS,
          patchSeconds: Math.round((patched - first) / 100) / 10,
          deliveredSeconds: Math.round((done - first) / 100) / 10,
          deliveriesPerSecond: Math.round(MEMBERS / ((done - first) / 1000)),
          loadAverage: { atStart: loadAtStart, atEnd: load() },
        };
        console.log(`  ${JSON.stringify(results.series)}`);
      }
      await server.stop();
    }
    console.log(JSON.stringify(results, null, 2));
    return 0;
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
    await receiver.close();
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
