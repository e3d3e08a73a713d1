/**
 * The ChainHeads migration on a database that already has deliveries (docs/events.md, "How delivery
 * works"): run down to the previous schema, deliveries written as the worker of that schema wrote
 * them, then up again: every delivery gets its place in its chain, and each chain's head is its first
 * pending delivery, due when that one was.
 */
import { Migration20261201201407_ChainHeads as M } from '../../src/database/migrations/Migration20261201201407_ChainHeads.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

/** The statements of the migration's up or down. */
function sqlOf(run: (m: M) => void): string[] {
  const m = new M({} as never, {} as never);
  run(m);
  return m.getQueries().map((q) => (typeof q === 'string' ? q : String(q)));
}

it('numbers the deliveries of a database that has some (finished first, then pending in feed order) and creates their chains, due when their head was', async () => {
  const c = db.client;
  for (const q of sqlOf((m) => m.down())) await c.query(q);
  const t = (await c.query(`INSERT INTO tenant (id, name) VALUES (gen_random_uuid(), 'm') RETURNING id`))
    .rows[0].id;
  const ep = (
    await c.query(
      `INSERT INTO webhook_endpoint (tenant_id, url, secret) VALUES ($1, 'http://x', 's') RETURNING id`,
      [t],
    )
  ).rows[0].id;
  const r1 = '00000000-0000-0000-0000-000000000001';
  const r2 = '00000000-0000-0000-0000-000000000002';
  // r1: two delivered, a pending head in backoff, two pending followers; r2: all delivered.
  await c.query(
    `INSERT INTO webhook_delivery (endpoint_id, tenant_id, event_id, event_xid, event_seq, resource_id, state, next_attempt_at, lease_until, finished_at) VALUES
    ($1, $2, gen_random_uuid(), '5', 1, $3, 'delivered', now(), null, now()),
    ($1, $2, gen_random_uuid(), '5', 2, $3, 'delivered', now(), null, now()),
    ($1, $2, gen_random_uuid(), '6', 3, $3, 'pending', now() + interval '1 hour', null, null),
    ($1, $2, gen_random_uuid(), '7', 4, $3, 'pending', now(), null, null),
    ($1, $2, gen_random_uuid(), '7', 5, $3, 'pending', now(), null, null),
    ($1, $2, gen_random_uuid(), '5', 6, $4, 'delivered', now(), null, now())`,
    [ep, t, r1, r2],
  );
  for (const q of sqlOf((m) => m.up())) await c.query(q);
  const chains = await c.query(
    `SELECT resource_id, head::int, tail::int, due_at > now() + interval '50 minutes' AS later FROM webhook_chain ORDER BY resource_id`,
  );
  const deliveries = await c.query(
    `SELECT resource_id, event_seq::int, position::int, state FROM webhook_delivery ORDER BY resource_id, position`,
  );
  expect(chains.rows).toEqual([
    { resource_id: r1, head: 3, tail: 5, later: true },
    { resource_id: r2, head: 2, tail: 1, later: false },
  ]);
  expect(deliveries.rows.map((d) => [d.event_seq, d.position])).toEqual([
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 4],
    [5, 5],
    [6, 1],
  ]);
});
