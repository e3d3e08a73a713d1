import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { activeChildren, freePort, ourServerEnv, startServer } from './processes.mjs';

/**
 * `npm run bench -- --only bulk-create-1000`: what /Bulk saves, end to end over HTTP, against the same
 * work sent as single requests one after another on one keep-alive connection (as a migration script
 * or an IdP would). Our server alone on its own embedded PostgreSQL (under the system temp directory),
 * no seeded dataset; each measurement runs `ROUNDS` times, interleaved, and the median is reported.
 *
 * - 1,000 user creates: 1,000 sequential POST /Users vs. one Bulk of 1,000 POST operations;
 * - 1,000 members added to a group: one PATCH carrying 1,000 members, one Bulk with that PATCH as its
 *   one operation, and one Bulk of 1,000 PATCH operations adding one member each.
 */
export const BULK_WORKLOAD = 'bulk-create-1000';
const ROUNDS = 3;
const N = 1000;
const DATABASE = 'scim_bench_bulk';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

export async function bulkBench({ buildDir, rootDir }) {
  const dist = (path) => pathToFileURL(join(buildDir, 'src', path)).href;
  const { startEmbeddedPostgres } = await import(dist('database/embedded-postgres.js'));
  const { migrateDatabase } = await import(dist('database/migrate.js'));
  let database;
  let server;
  try {
    database = await startEmbeddedPostgres({
      dataDir: join(tmpdir(), 'scim-bench-bulk-data'),
      database: 'postgres',
    });
    const admin = new pg.Client({ connectionString: database.urlFor('postgres') });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await admin.end();
    }
    const databaseUrl = database.urlFor(DATABASE);
    await migrateDatabase(databaseUrl);
    const port = await freePort();
    const adminToken = randomBytes(24).toString('hex');
    server = await startServer({
      name: 'ours',
      args: [join(buildDir, 'src', 'main.js')],
      cwd: rootDir,
      port,
      readyPath: '/health/ready',
      env: ourServerEnv({ port, databaseUrl, adminToken }),
    });
    const client = scimClient(port);
    const tenant = await client.json('POST', '/admin/v1/tenants', { name: 'bulk bench' }, adminToken);
    client.apiKey = tenant.apiKey;
    // Warm-up: the statements get prepared, the JIT warms, on both paths.
    await sequentialCreates(client, 'warm-seq', 100);
    await bulkCreates(client, 'warm-bulk', 100);

    const times = { sequential: [], bulk: [], patch: [], bulkOnePatch: [], bulkPatches: [] };
    for (let round = 0; round < ROUNDS; round++) {
      times.sequential.push(await sequentialCreates(client, `seq${round}`, N));
      times.bulk.push(await bulkCreates(client, `bulk${round}`, N));
      const members = await memberIds(client, `bulk${round}`);
      times.patch.push(await onePatch(client, `patch${round}`, members));
      times.bulkOnePatch.push(await bulkOnePatch(client, `bulkpatch${round}`, members));
      times.bulkPatches.push(await bulkPatches(client, `bulkpatches${round}`, members));
    }
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const m = Object.fromEntries(Object.entries(times).map(([key, values]) => [key, median(values)]));
    const rows = [
      [`${N} × POST /Users, one after another on one connection`, m.sequential],
      [`one POST /Bulk of ${N} POST /Users operations`, m.bulk],
      [`one PATCH /Groups/{id} adding ${N} members`, m.patch],
      [`one POST /Bulk whose one PATCH adds ${N} members`, m.bulkOnePatch],
      [`one POST /Bulk of ${N} PATCH operations adding one member each`, m.bulkPatches],
    ];
    console.log(`\n${BULK_WORKLOAD}: median of ${ROUNDS} rounds (ms, end to end)`);
    for (const [label, ms] of rows) console.log(`  ${label.padEnd(70)} ${ms.toFixed(0).padStart(7)}`);
    console.log(`  creates: Bulk is ${(m.sequential / m.bulk).toFixed(1)}× faster than sequential POSTs`);
    console.log(
      `  members: Bulk(one PATCH) / PATCH = ${(m.bulkOnePatch / m.patch).toFixed(2)}; ` +
        `Bulk(${N} PATCHes) / PATCH = ${(m.bulkPatches / m.patch).toFixed(1)}`,
    );
    console.log(JSON.stringify({ workload: BULK_WORKLOAD, rounds: ROUNDS, times }));
    return 0;
  } finally {
    if (server) await server.stop();
    for (const child of activeChildren) child.kill('SIGKILL');
    if (database) await database.stop();
  }
}

/** Requests on ONE keep-alive connection (maxSockets 1), as a script sending one after another would. */
function scimClient(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const client = {
    apiKey: undefined,
    request(method, path, body, token = client.apiKey) {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method,
            path,
            agent,
            headers: {
              authorization: `Bearer ${token}`,
              ...(payload ? { 'content-type': 'application/scim+json' } : {}),
            },
          },
          (res) => {
            const chunks = [];
            res.on('data', (chunk) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    async json(method, path, body, token) {
      const res = await client.request(method, path, body, token);
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body.slice(0, 300)}`);
      return res.body ? JSON.parse(res.body) : undefined;
    },
  };
  return client;
}

const user = (name) => ({
  schemas: [USER_SCHEMA],
  userName: `${name}@example.com`,
  name: { givenName: 'Bench', familyName: name },
  emails: [{ primary: true, value: `${name}@example.com`, type: 'work' }],
  active: true,
});

async function timed(work) {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function sequentialCreates(client, prefix, n) {
  return timed(async () => {
    for (let i = 0; i < n; i++) await client.json('POST', '/scim/v2/Users', user(`${prefix}-${i}`));
  });
}

function bulkCreates(client, prefix, n) {
  const body = {
    schemas: [BULK_REQUEST],
    Operations: Array.from({ length: n }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `u${i}`,
      data: user(`${prefix}-${i}`),
    })),
  };
  return timed(async () => expectAll(await client.json('POST', '/scim/v2/Bulk', body), '201', n));
}

function expectAll(answer, status, n) {
  const bad = answer.Operations.filter((op) => op.status !== status);
  if (answer.Operations.length !== n || bad.length > 0)
    throw new Error(
      `Bulk: ${answer.Operations.length} results, ${bad.length} not ${status}: ${JSON.stringify(bad[0])}`,
    );
}

async function memberIds(client, prefix) {
  const filter = encodeURIComponent(`userName sw "${prefix}-"`);
  const page = await client.json('GET', `/scim/v2/Users?filter=${filter}&count=${N}&attributes=id`);
  return page.Resources.map((resource) => resource.id);
}

async function newGroup(client, displayName) {
  return (await client.json('POST', '/scim/v2/Groups', { schemas: [GROUP_SCHEMA], displayName })).id;
}

async function onePatch(client, name, members) {
  const id = await newGroup(client, name);
  const body = {
    schemas: [PATCH_OP],
    Operations: [{ op: 'add', path: 'members', value: members.map((value) => ({ value })) }],
  };
  return timed(() => client.json('PATCH', `/scim/v2/Groups/${id}`, body));
}

async function bulkOnePatch(client, name, members) {
  const id = await newGroup(client, name);
  const body = {
    schemas: [BULK_REQUEST],
    Operations: [
      {
        method: 'PATCH',
        path: `/Groups/${id}`,
        data: {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: members.map((value) => ({ value })) }],
        },
      },
    ],
  };
  return timed(async () => expectAll(await client.json('POST', '/scim/v2/Bulk', body), '200', 1));
}

async function bulkPatches(client, name, members) {
  const id = await newGroup(client, name);
  const body = {
    schemas: [BULK_REQUEST],
    Operations: members.map((value) => ({
      method: 'PATCH',
      path: `/Groups/${id}`,
      data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value }] }] },
    })),
  };
  return timed(async () =>
    expectAll(await client.json('POST', '/scim/v2/Bulk', body), '200', members.length),
  );
}
