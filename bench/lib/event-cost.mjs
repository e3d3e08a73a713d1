// `npm run bench -- --outbox` also measures what a member event costs PostgreSQL itself, a figure with
// less noise than a throughput ratio on a shared machine: the CPU of one backend adding and removing
// one member of the 10-member group, in transactions as the server sends them (the tenant scope with
// generic plans, the MembershipsRepository statement of the build being measured, COMMIT), events off
// on one connection and on on another, the two interleaved in blocks so that what drifts affects both.
// No server in between: the server's own CPU for an event is in the throughput comparison.
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { groupId, spareUserNumber, userId, SPARE_USERS } from './dataset.mjs';
import { processCpuMs } from './processes.mjs';
import { median } from './report.mjs';

/**
 * The spare users this measurement adds and removes: the last ones, taken out of the group first (a run
 * stopped halfway may have left one in).
 */
const MEMBERS = 100;

/**
 * Backend CPU per add + remove pair with events off and on (medians of `blocks` blocks of `pairs`
 * pairs each, alternating which variant goes first), and their difference: what the events of one
 * member-add and one member-remove statement cost PostgreSQL.
 */
export async function eventCost(context, { blocks = 16, pairs = 200 } = {}) {
  const build = dirname(context.serverMain);
  const load = (path) => import(pathToFileURL(join(build, path)).href);
  const { EventsRepository } = await load('storage/events.repository.js');
  const { MembershipsRepository } = await load('storage/memberships.repository.js');
  const { tenantScopeSql } = await load('storage/tenant-scope.js');
  const { tenant, dataset } = context;
  const group = groupId(10);
  const members = Array.from({ length: MEMBERS }, (_, i) =>
    userId(spareUserNumber(dataset.users, SPARE_USERS - MEMBERS + 1 + i)),
  );
  const cause = { requestId: 'bench-event-cost', apiKeyId: tenant.apiKeyId };
  const scope = tenantScopeSql({ genericPlans: true }, false);
  const lanes = [];
  try {
    for (const eventsEnabled of [false, true]) {
      const client = new pg.Client({ connectionString: context.databaseUrl });
      lanes.push({ eventsEnabled, client, samples: [] });
      await client.connect();
      const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
      const names = new Map();
      const sql = (text, values) => {
        if (!names.has(text)) names.set(text, `event_cost_${names.size}`);
        return client.query({ name: names.get(text), text, values });
      };
      Object.assign(lanes.at(-1), {
        pid: rows[0].pid,
        sql,
        repository: new MembershipsRepository({}, new EventsRepository({ eventsEnabled })),
      });
    }
    const [first] = lanes;
    await first.client.query(
      'DELETE FROM scim_membership WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3::uuid[])',
      [tenant.id, group, members],
    );
    let next = 0;
    const run = async (lane, count) => {
      const tx = { tenantId: tenant.id, sql: lane.sql };
      for (let i = 0; i < count; i++) {
        const member = members[next++ % members.length];
        for (const add of [true, false]) {
          await lane.client.query('BEGIN');
          await lane.sql(scope, [tenant.id]);
          if (add) await lane.repository.insert(tx, group, [{ id: member, type: 'User' }], cause);
          else await lane.repository.remove(tx, group, [member], cause);
          await lane.client.query('COMMIT');
        }
      }
    };
    // Warm-up: prepared statements, generic plans, caches.
    for (const lane of lanes) await run(lane, pairs);
    for (let block = 0; block < blocks; block++) {
      for (const lane of block % 2 === 0 ? lanes : [...lanes].reverse()) {
        const before = processCpuMs(lane.pid);
        await run(lane, pairs);
        lane.samples.push((processCpuMs(lane.pid) - before) / pairs);
      }
    }
  } finally {
    await Promise.all(lanes.map((lane) => lane.client.end().catch(() => undefined)));
  }
  const [off, on] = lanes.map((lane) => median(lane.samples));
  return { blocks, pairs, offMsPerPair: off, onMsPerPair: on, eventMsPerPair: on - off, ratio: on / off };
}

export function renderEventCost(cost) {
  const f = (v) => v.toFixed(3);
  return (
    `backend CPU per member add + remove pair (one connection, ${cost.blocks} interleaved blocks of ${cost.pairs} pairs, medians): ` +
    `events off ${f(cost.offMsPerPair)} ms, on ${f(cost.onMsPerPair)} ms; the two events ${f(cost.eventMsPerPair)} ms (on / off ${cost.ratio.toFixed(2)})`
  );
}
