// The cost of row-level security, measured on PostgreSQL alone: the same request-shaped transactions
// run as the table owner with a tenant predicate only ("owner", what the floor does), and scoped like a
// request (TENANT_SCOPE_SQL first: SET LOCAL of the tenant and the switch to the application role, then
// the same statements under the policies: "rls"). Interleaved rounds on one embedded PostgreSQL
// (bench/.data/rls, its own cluster), 127.0.0.1 only, every run bounded in time and in transactions.
//
//   npm run build && node bench/rls.mjs [--users 20000] [--seconds 5] [--rounds 3] [--connections 8]
//
// The HTTP benchmark (npm run bench) measures our server, which runs every tenant-scoped transaction
// this way, against the floor, which does not: this script isolates the database's share of that gap.
import { randomInt } from 'node:crypto';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const benchDir = dirname(fileURLToPath(import.meta.url));
const dist = (path) => pathToFileURL(join(benchDir, '..', 'dist', 'src', path)).href;

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
  },
});
const bounded = (name, max) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    console.error(`--${name} must be an integer in [1, ${max}]`);
    process.exit(2);
  }
  return value;
};
const USERS = bounded('users', 1_000_000);
const SECONDS = bounded('seconds', 120);
const ROUNDS = bounded('rounds', 20);
const CONNECTIONS = bounded('connections', 64);
/** A run also stops after this many transactions per connection, whatever the time. */
const MAX_PER_CONNECTION = 200_000;

const { startEmbeddedPostgres } = await import(dist('database/embedded-postgres.js'));
const { migrateDatabase } = await import(dist('database/migrate.js'));
const { TENANT_SCOPE_SQL, tenantScopeParams } = await import(dist('storage/tenant-scope.js'));

const TENANTS = ['00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000b2'];
const userId = (tenant, n) => `${tenant.slice(0, 24)}${n.toString(16).padStart(12, '0')}`;

/** Request-shaped transactions: what a filter, a page and a write issue, with their tenant predicate. */
const WORKLOADS = {
  // What our filter compiler sends for userName eq: the stored lowercase copy (a generated column) and
  // its index (tenant_id, user_name_lower).
  'filter-eq': async (client, tenant) => {
    const n = randomInt(1, USERS + 1);
    await client.query(
      'SELECT id, version, data FROM scim_user WHERE tenant_id = $1 AND user_name_lower = lower($2)',
      [tenant, `user${n}@bench.example`],
    );
  },
  // The same lookup on a plain column: its index stays usable under the policies (see the note at the end).
  'filter-ext': async (client, tenant) => {
    const n = randomInt(1, USERS + 1);
    await client.query('SELECT id, version, data FROM scim_user WHERE tenant_id = $1 AND external_id = $2', [
      tenant,
      `ext${n}`,
    ]);
  },
  'list-100': async (client, tenant) => {
    await client.query(
      'SELECT id, version, data FROM scim_user WHERE tenant_id = $1 ORDER BY created_at, id LIMIT 100',
      [tenant],
    );
  },
  write: async (client, tenant) => {
    const id = userId(tenant, randomInt(1, USERS + 1));
    await client.query('SELECT 1 FROM tenant WHERE id = $1 FOR KEY SHARE', [tenant]);
    await client.query('SELECT version FROM scim_user WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [
      tenant,
      id,
    ]);
    await client.query(
      'UPDATE scim_user SET version = version + 1, last_modified = now() WHERE tenant_id = $1 AND id = $2',
      [tenant, id],
    );
  },
};

async function seed(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const [index, tenant] of TENANTS.entries()) {
      await client.query('INSERT INTO tenant (id, name) VALUES ($1, $2)', [tenant, `bench ${index}`]);
      await client.query(
        `INSERT INTO scim_user (tenant_id, id, user_name, external_id, created_at, last_modified, data)
         SELECT $1, ($3 || lpad(to_hex(n), 12, '0'))::uuid, 'user' || n || '@bench.example', 'ext' || n,
                timestamptz '2026-01-01' + n * interval '1 ms', timestamptz '2026-01-01' + n * interval '1 ms',
                jsonb_build_object('userName', 'user' || n || '@bench.example', 'active', true)
           FROM generate_series(1, $2::int) AS n`,
        [tenant, USERS, tenant.slice(0, 24)],
      );
    }
    await client.query('VACUUM (ANALYZE)');
  } finally {
    await client.end();
  }
}

/** CONNECTIONS loops of one workload for SECONDS; the latency of every transaction, in ms. */
async function run(pool, workload, scoped) {
  const deadline = performance.now() + SECONDS * 1000;
  const latencies = [];
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, worker) => {
      const client = await pool.connect();
      try {
        const tenant = TENANTS[worker % TENANTS.length];
        for (let i = 0; i < MAX_PER_CONNECTION && performance.now() < deadline; i++) {
          const start = performance.now();
          await client.query('BEGIN');
          try {
            if (scoped) await client.query(TENANT_SCOPE_SQL, tenantScopeParams(tenant));
            await WORKLOADS[workload](client, tenant);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
          latencies.push(performance.now() - start);
        }
      } finally {
        client.release();
      }
    }),
  );
  return latencies;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const database = await startEmbeddedPostgres({
  dataDir: join(benchDir, '.data', 'rls'),
  database: 'postgres',
});
let pool;
try {
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS scim_bench_rls WITH (FORCE)');
  await admin.query('CREATE DATABASE scim_bench_rls');
  await admin.end();
  const url = database.urlFor('scim_bench_rls');
  await migrateDatabase(url);
  console.log(`seeding ${TENANTS.length} tenants × ${USERS} users`);
  await seed(url);
  pool = new pg.Pool({ connectionString: url, max: CONNECTIONS });
  // An idle connection's error (the server closed it) must end the run with a reason, not a client dump.
  pool.on('error', (error) => console.error(`connection error: ${error.message}`));

  const results = {};
  for (const workload of Object.keys(WORKLOADS)) {
    results[workload] = { owner: [], rls: [] };
    await run(pool, workload, true); // warm-up, both plans cached
    await run(pool, workload, false);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const workload of Object.keys(WORKLOADS)) {
      // Alternate which variant goes first, so drift (autovacuum, the machine) does not favour one.
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const scoped of order) {
        const latencies = await run(pool, workload, scoped);
        results[workload][scoped ? 'rls' : 'owner'].push(...latencies);
      }
    }
  }

  console.log(
    `\n${CONNECTIONS} connections, ${ROUNDS} round(s) × ${SECONDS} s per variant, ${USERS} users per tenant\n`,
  );
  console.log('| workload   | variant | tx/s   | p50 ms | p99 ms | tx/s vs owner |');
  console.log('| ---------- | ------- | ------ | ------ | ------ | ------------- |');
  for (const [workload, variants] of Object.entries(results)) {
    const ownerRate = variants.owner.length / (ROUNDS * SECONDS);
    for (const [variant, latencies] of Object.entries(variants)) {
      const sorted = latencies.sort((a, b) => a - b);
      const rate = latencies.length / (ROUNDS * SECONDS);
      console.log(
        `| ${workload.padEnd(10)} | ${variant.padEnd(7)} | ${rate.toFixed(0).padStart(6)} | ${percentile(
          sorted,
          50,
        )
          .toFixed(2)
          .padStart(
            6,
          )} | ${percentile(sorted, 99).toFixed(2).padStart(6)} | ${`${((rate / ownerRate) * 100).toFixed(0)} %`.padStart(13)} |`,
      );
    }
  }
  console.log(
    '\nUnder row-level security PostgreSQL evaluates the policy before any condition that calls a function\n' +
      'not marked LEAKPROOF on a column, and such a condition cannot be an index condition: hence the stored\n' +
      'generated user_name_lower that filter-eq compares (lower() of a parameter leaks nothing), an index\n' +
      'condition like external_id = $2 (filter-ext). See docs/storage-model.md, "Tenant isolation".',
  );
} catch (error) {
  console.error(`bench/rls.mjs failed: ${error.code ? `${error.code} ` : ''}${error.message}`);
  process.exitCode = 1;
} finally {
  await pool?.end();
  await database.stop();
}
process.exit(process.exitCode ?? 0);
