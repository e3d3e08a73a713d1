// `npm run bench -- --outbox`: what writing change events costs a write (the outbox, docs/events.md):
// POST /Users and the PATCH-member pair on the 10-member group (its 4 connections on that one group, and
// patch-10-lanes: each on a group of its own), on our server with EVENTS_ENABLED=false
// and =true, on the same database, interleaved in one run, compared as a ratio.
import pg from 'pg';
import { compareVariants } from './limiter-bench.mjs';
import { eventCost, renderEventCost } from './event-cost.mjs';
import { GROUP_SCHEMA, LANE_GROUPS, laneGroupId } from './dataset.mjs';
import { median } from './report.mjs';
import { insertGroupSql, insertMembersSql } from './seed.mjs';

export async function outboxBench(context) {
  const names = ['post-user', 'patch-10', 'patch-10-lanes'];
  const workloads = context.workloads.filter((w) => names.includes(w.name));
  await createLaneGroups(context);
  return compareVariants(context, {
    title: 'outbox',
    variants: [
      { label: 'EVENTS_ENABLED=false', env: { EVENTS_ENABLED: 'false' } },
      { label: 'EVENTS_ENABLED=true', env: { EVENTS_ENABLED: 'true' } },
    ],
    workloads,
    // Every run starts from the seeded users. Events are kept, as in a deployment (where they stay for
    // EVENT_RETENTION_DAYS): emptying change_event between runs would leave the planner with the
    // statistics of an empty table while a run appends thousands of events about one group.
    afterRun: async (workload) => {
      const client = new pg.Client({ connectionString: context.databaseUrl });
      await client.connect();
      try {
        if (workload.name === 'post-user') {
          await client.query(`DELETE FROM scim_user WHERE user_name LIKE 'new-%'`);
          await client.query(`DELETE FROM audit_event WHERE operation = 'create'`);
        }
        await client.query('VACUUM (ANALYZE) scim_user, audit_event, change_event, scim_membership');
      } finally {
        await client.end();
      }
    },
  });
}

/**
 * The groups of `patch-10-lanes`: LANE_GROUPS groups of 10 members (the seeded users 1..10), made once per
 * bench database, without events (as the seed makes its groups).
 */
async function createLaneGroups(context) {
  const client = new pg.Client({ connectionString: context.databaseUrl });
  await client.connect();
  try {
    for (let lane = 0; lane < LANE_GROUPS; lane++) {
      const name = `bench-lane-${lane}`;
      const data = { schemas: [GROUP_SCHEMA], displayName: name };
      const { rowCount } = await client.query(insertGroupSql, [
        context.tenant.id,
        laneGroupId(lane),
        name,
        new Date(),
        JSON.stringify(data),
      ]);
      if (rowCount) await client.query(insertMembersSql, [context.tenant.id, laneGroupId(lane), 1, 10]);
    }
    await client.query('VACUUM (ANALYZE) scim_group, scim_membership');
  } finally {
    await client.end();
  }
}

/**
 * The comparison as a Markdown table, for the console and docs/benchmarks.md: per variant the medians
 * of its rounds (throughput, the server's CPU and PostgreSQL's CPU per request), then B / A of those
 * medians, and the median of the rounds' own B / A (each round runs both variants back to back).
 */
export function renderComparison(rows) {
  const lines = [
    '| workload | variant A | rps | cpu ms/req | db cpu ms/req | variant B | rps | cpu ms/req | db cpu ms/req | rps B / A | rps B / A, median of rounds | cpu B / A | db cpu B / A |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const f = (v, digits = 0) => (v == null ? '–' : v.toFixed(digits));
  for (const row of rows) {
    const variant = (label, s) => `${label} | ${f(s.rps)} | ${f(s.cpu, 2)} | ${f(s.databaseCpu, 2)}`;
    lines.push(
      `| ${row.workload} | ${variant(row.variants[0], row.first)} | ${variant(row.variants[1], row.second)} | ` +
        `${f(row.ratio, 2)} | ${f(median(row.roundRatios ?? []), 2)} | ${f(row.cpuRatio, 2)} | ${f(row.databaseCpuRatio, 2)} |`,
    );
  }
  return lines.join('\n');
}

/** `--limiter` and/or `--outbox`: those comparisons alone; the tables on the console and in bench/results. */
export async function runScaleoutBenches(context) {
  const { limiterBench } = await import('./limiter-bench.mjs');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const rows = [
    ...(context.options.limiter ? await limiterBench(context) : []),
    ...(context.options.outbox ? await outboxBench(context) : []),
  ];
  const table = renderComparison(rows);
  console.log(`\n${table}\n`);
  const eventCostResult = context.options.outbox ? await eventCost(context) : undefined;
  if (eventCostResult) console.log(`${renderEventCost(eventCostResult)}\n`);
  const dir = join(context.benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const date = new Date().toISOString();
  writeFileSync(
    join(dir, `${date.replace(/[:.]/g, '-')}-scaleout.json`),
    JSON.stringify({ date, options: context.options, rows, eventCost: eventCostResult }, null, 2),
  );
  return 0;
}
