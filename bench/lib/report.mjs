import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Medians over the rounds of one workload on one server. */
export function summarize(runs) {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpu: median(runs.map((r) => r.cpuPerRequest)),
    rounds: runs.length,
    bad: runs.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
  };
}

const fmt = {
  rps: (v) => (v == null ? '–' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1)),
  ms: (v) =>
    v == null ? '–' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v >= 10 ? 1 : 2),
  ratio: (v) => (v == null ? '–' : v.toFixed(2)),
  mib: (v) => (v == null ? '–' : `${Math.round(v / 1024 / 1024)} MiB`),
  s: (ms) => `${(ms / 1000).toFixed(1)} s`,
};

/** The targets of issue 7, evaluated on the medians. */
export function evaluateTargets(summary, rss, groupSizes) {
  const ours = (name) => summary.find((row) => row.name === name)?.ours;
  const floor = (name) => summary.find((row) => row.name === name)?.floor;
  const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b);
  const small = `patch-${label(groupSizes[0])}`;
  const large = `patch-${label(groupSizes[groupSizes.length - 1])}`;
  const targets = [
    {
      what: 'filter userName eq, 32 connections: our rps / floor rps',
      value: ratio(ours('filter-eq')?.rps, floor('filter-eq')?.rps),
      op: '≥',
      limit: 0.5,
    },
    {
      what: 'POST /Users: our rps / floor rps',
      value: ratio(ours('post-user')?.rps, floor('post-user')?.rps),
      op: '≥',
      limit: 0.4,
    },
    {
      what: `PATCH add+remove 1 member: our p50 at ${label(groupSizes.at(-1))} members / at ${label(groupSizes[0])}`,
      value: ratio(ours(large)?.p50, ours(small)?.p50),
      op: '≤',
      limit: 1.5,
    },
    {
      what: 'list page at the end / at the start (cursor): our p50',
      value: ratio(ours('list-end-cursor')?.p50, ours('list-start-cursor')?.p50),
      op: '≤',
      limit: 1.5,
    },
    {
      what: 'peak RSS: ours / floor',
      value: ratio(rss.ours, rss.floor),
      op: '≤',
      limit: 1.5,
    },
  ];
  for (const target of targets) {
    target.pass =
      target.value == null
        ? null
        : target.op === '≥'
          ? target.value >= target.limit
          : target.value <= target.limit;
  }
  return targets;
}

function label(size) {
  return size >= 1000 ? `${size / 1000}k` : String(size);
}

function markdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** The results as Markdown: workload table, targets, memory, seeding. */
export function renderResults(run) {
  const workloadRows = run.summary.map((row) => [
    `\`${row.name}\``,
    row.label.replace(/\|/g, '\\|'),
    row.connections,
    fmt.rps(row.ours.rps),
    fmt.rps(row.floor.rps),
    fmt.ratio(row.ours.rps != null && row.floor.rps ? row.ours.rps / row.floor.rps : null),
    `${fmt.ms(row.ours.p50)} / ${fmt.ms(row.ours.p99)}`,
    `${fmt.ms(row.floor.p50)} / ${fmt.ms(row.floor.p99)}`,
    `${fmt.ms(row.ours.cpu)} / ${fmt.ms(row.floor.cpu)}`,
    row.ours.bad + row.floor.bad,
  ]);
  const targetRows = run.targets.map((t) => [
    t.what,
    fmt.ratio(t.value),
    `${t.op} ${t.limit}`,
    t.pass == null ? 'n/a' : t.pass ? 'pass' : '**FAIL**',
  ]);
  return [
    `Run of ${run.date} (${run.mode}: ${run.dataset.users.toLocaleString('en-US')} users, groups of ` +
      `${run.dataset.groupSizes.map((s) => s.toLocaleString('en-US')).join(' / ')} members; ` +
      `${run.rounds} rounds of ${run.duration} s per workload and server, interleaved; medians).`,
    '',
    `Machine: ${run.machine.cpus} × ${run.machine.cpuModel}, ${fmt.mib(run.machine.memory)} memory, ` +
      `Linux ${run.machine.kernel}, Node.js ${run.machine.node}, ${run.machine.postgres}. ` +
      `Load average ${run.machine.loadBefore} before, ${run.machine.loadAfter} after.`,
    '',
    markdownTable(
      [
        'workload',
        'request',
        'conns',
        'ours rps',
        'floor rps',
        'ours/floor',
        'ours p50 / p99 ms',
        'floor p50 / p99 ms',
        'CPU ms/req ours / floor',
        'non-2xx',
      ],
      workloadRows,
    ),
    '',
    markdownTable(['target', 'measured', 'limit', 'result'], targetRows),
    '',
    `Peak RSS (VmHWM): ours ${fmt.mib(run.rss.ours)}, floor ${fmt.mib(run.rss.floor)}` +
      (run.rss.beforeLargeGet
        ? `; before the first full GET of the largest group (the polled peak over the other workloads): ` +
          `ours ${fmt.mib(run.rss.beforeLargeGet.ours)}, floor ${fmt.mib(run.rss.beforeLargeGet.floor)} ` +
          `(ratio ${fmt.ratio(run.rss.beforeLargeGet.ours / run.rss.beforeLargeGet.floor)})`
        : '') +
      `. Highest polled RSS (every 250 ms) per workload in the first round, in run order, ours / floor: ` +
      Object.entries(run.rss.byWorkload ?? {})
        .map(([name, peak]) => `${name} ${fmt.mib(peak.ours)} / ${fmt.mib(peak.floor)}`)
        .join(', ') +
      '.',
    '',
    `Seeding ${run.seed.rows.toLocaleString('en-US')} rows by SQL: users ${fmt.s(run.seed.users)}, groups and ` +
      `memberships ${fmt.s(run.seed.groups)}, VACUUM ANALYZE ${fmt.s(run.seed.analyze)}; total ${fmt.s(run.seed.total)}.`,
  ].join('\n');
}

export const RESULTS_START = '<!-- bench:results:start (written by npm run bench) -->';
export const RESULTS_END = '<!-- bench:results:end -->';

/** Replaces the generated block of docs/benchmarks.md, keeping the hand-written text around it. */
export function writeDocs(path, markdown, template) {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : template;
  const start = current.indexOf(RESULTS_START);
  const end = current.indexOf(RESULTS_END);
  if (start < 0 || end < start)
    throw new Error(`${path} lacks the ${RESULTS_START} … ${RESULTS_END} markers`);
  writeFileSync(
    path,
    `${current.slice(0, start + RESULTS_START.length)}\n\n${markdown}\n\n${current.slice(end)}`,
  );
}
