import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run bench -- [options]
  --quick              10k users, groups of 10 / 1k / 10k, 2 s per run, 1 round; does not touch docs/
  --rounds <n>         interleaved rounds per workload and server (default 3; quick 1)
  --duration <s>       seconds per run (default 8; quick 2); some workloads run half as long
  --only <a,b>         only these workloads (names as in the table)
  --profile <a,b>      afterwards, run these workloads on fresh instances of all three servers under
                       node --cpu-prof and print where each spends its CPU per request
  --check              only the smoke check: start the servers, compare one cycle of every workload's
                       answers, stop (no load, no results written)
  --write-docs         write docs/benchmarks.md even in quick mode
  --no-docs            do not write docs/benchmarks.md
  --no-build           reuse the last build (under the system temp directory)
  --limiter            only the shared rate limit's cost: filter-eq over 32 tenants, blocks of 10 vs
                       (almost) no counter writes (bench/lib/limiter-bench.mjs)
  --outbox             only the outbox's cost: post-user, patch-10 and patch-10-lanes (a group per
                       connection), EVENTS_ENABLED=true vs false (bench/lib/outbox-bench.mjs), then
                       one backend's CPU per member add + remove pair, events off vs on
                       (bench/lib/event-cost.mjs)`;

export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      only: { type: 'string' },
      profile: { type: 'string' },
      'write-docs': { type: 'boolean', default: false },
      'no-docs': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      limiter: { type: 'boolean', default: false },
      outbox: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const positive = (name, raw, fallback) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || value > 600)
      throw new Error(`--${name} must be a number in (0, 600]`);
    return value;
  };
  return {
    help: values.help,
    quick: values.quick,
    check: values.check,
    rounds: Math.round(positive('rounds', values.rounds, values.quick ? 1 : 3)),
    duration: positive('duration', values.duration, values.quick ? 2 : 8),
    only: values.only ? values.only.split(',').map((s) => s.trim()) : undefined,
    profile: values.profile ? values.profile.split(',').map((s) => s.trim()) : [],
    limiter: values.limiter,
    outbox: values.outbox,
    writeDocs: !values['no-docs'] && (!values.quick || values['write-docs']),
  };
}
