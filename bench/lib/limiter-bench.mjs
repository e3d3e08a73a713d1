// `npm run bench -- --limiter` (with --outbox: both; --quick: the small data set): the cost of the
// shared rate limit (docs/scale-out.md) on filter-eq, two variants of our server on the same database,
// interleaved in one run, compared as a ratio. Nothing else runs (no floors, no other workloads).
import { join } from 'node:path';
import { summarize } from './report.mjs';
import { freePort, runNode, startServer } from './processes.mjs';

/** How many tenants the limiter variant spreads filter-eq over: one per connection of the workload. */
const TENANTS = 32;

/**
 * Runs `workloads` on two variants of our server (each started with `ourEnv` plus the variant's
 * environment, both on the run's database), `rounds` rounds, the first variant first in even rounds
 * and second in odd ones, each run preceded by a warm-up in the first round. Returns per workload the
 * medians of each variant and the ratio second / first of their rps.
 */
export async function compareVariants(context, { title, variants, workloads, apiKeys, afterRun }) {
  const { options, benchDir, rootDir, serverMain, databaseUrl, adminToken, ourEnv, servers } = context;
  const targets = [];
  for (const variant of variants) {
    const port = await freePort();
    const server = await startServer({
      name: `ours (${variant.label})`,
      args: [serverMain],
      cwd: rootDir,
      port,
      readyPath: '/health/ready',
      env: { ...ourEnv(port, await freePort(), databaseUrl, adminToken), ...variant.env },
    });
    servers.push(server);
    targets.push({ ...variant, server, port });
    console.log(`${title}: ${variant.label}: pid ${server.pid}, port ${port}`);
  }
  const runs = Object.fromEntries(workloads.map((w) => [w.name, targets.map(() => [])]));
  for (let round = 0; round < options.rounds; round++) {
    for (const workload of workloads) {
      const duration = Math.max(1, Math.round(options.duration * (workload.durationFactor ?? 1)));
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const index of order) {
        const target = targets[index];
        const spec = { port: target.port, workload, apiKeys, duration };
        if (round === 0) {
          await runLoad(benchDir, context, { ...spec, duration: Math.max(1, Math.round(duration / 4)) });
          await afterRun?.(workload);
        }
        const cpuBefore = target.server.cpuMs();
        const databaseBefore = context.databaseCpuMs?.();
        const result = await runLoad(benchDir, context, spec);
        result.cpuPerRequest = result.ok ? (target.server.cpuMs() - cpuBefore) / result.ok : null;
        // PostgreSQL's CPU in the run (all of the cluster's processes; the other variant's server idles).
        const databaseAfter = context.databaseCpuMs?.();
        result.databaseCpuPerRequest =
          result.ok && databaseBefore !== undefined && databaseAfter !== undefined
            ? (databaseAfter - databaseBefore) / result.ok
            : null;
        await afterRun?.(workload);
        runs[workload.name][index].push(result);
        console.log(
          `${title} round ${round + 1} ${workload.name.padEnd(10)} ${target.label.padEnd(22)} ` +
            `${result.rps.toFixed(0).padStart(6)} rps  p50 ${result.p50?.toFixed(2) ?? '–'} ms  ` +
            `cpu ${result.cpuPerRequest?.toFixed(2) ?? '–'} ms/req  ` +
            `db cpu ${result.databaseCpuPerRequest?.toFixed(2) ?? '–'} ms/req` +
            (result.non2xx + result.errors + result.timeouts
              ? `  (${result.non2xx} non-2xx: ${JSON.stringify(result.statusCodes)}, ${result.errors} errors)`
              : ''),
        );
      }
    }
  }
  for (const target of targets) await target.server.stop();
  return workloads.map((workload) => {
    const [first, second] = runs[workload.name].map((list) => summarize(list));
    return {
      workload: workload.name,
      variants: targets.map((t) => t.label),
      first,
      second,
      ratio: first.rps ? second.rps / first.rps : null,
      cpuRatio: first.cpu && second.cpu ? second.cpu / first.cpu : null,
      databaseCpuRatio:
        first.databaseCpu && second.databaseCpu ? second.databaseCpu / first.databaseCpu : null,
      // Each round runs both variants back to back: the median of its ratios cancels what drifts
      // between rounds (the machine's other load), which the ratio of the medians does not.
      roundRatios: runs[workload.name][0].map((a, i) => {
        const b = runs[workload.name][1][i];
        return a.rps && b?.rps ? b.rps / a.rps : null;
      }),
    };
  });
}

async function runLoad(benchDir, context, { port, workload, apiKeys, duration }) {
  const spec = {
    url: `http://127.0.0.1:${port}`,
    apiKey: context.tenant.apiKey,
    apiKeys,
    workload: workload.name,
    dataset: context.dataset,
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
 * filter-eq spread over 32 tenants (one per connection; the bench tenant's seeded users answer for
 * one of them, the others find none), on two instances of our server:
 *
 * - "limiter rarely writes": RATE_LIMIT_RPS = RATE_LIMIT_BURST = 1,000,000, the rest of the bench's
 *   setting: a window of 1 s and blocks of 50,000, so the counters see about one upsert per second and
 *   tenant: the in-memory front alone, the floor of what the limiter costs;
 * - "limiter, blocks of 10": RATE_LIMIT_RPS = RATE_LIMIT_BURST = 200: a window of 1 s, blocks of 10
 *   requests, as with the defaults (50 / 200: blocks of 10), so every tenant reserves a block in
 *   PostgreSQL every 10 requests (0.1 upserts per request), and no tenant reaches its limit at the
 *   rates this machine serves (32 tenants, 200 each a second).
 */
export async function limiterBench(context) {
  const workload = context.workloads.find((w) => w.name === 'filter-eq');
  const apiKeys = [context.tenant.apiKey];
  for (let i = 1; i < TENANTS; i++) apiKeys.push((await context.createTenant(`limiter-${i}`)).apiKey);
  return compareVariants(context, {
    title: 'limiter',
    variants: [
      { label: 'limiter rarely writes', env: { RATE_LIMIT_RPS: '1000000', RATE_LIMIT_BURST: '1000000' } },
      { label: 'limiter, blocks of 10', env: { RATE_LIMIT_RPS: '200', RATE_LIMIT_BURST: '200' } },
    ],
    workloads: [workload],
    apiKeys,
  });
}
