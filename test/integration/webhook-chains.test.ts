/**
 * The webhook queue's chains (docs/events.md, "How delivery works"), through the repository's own
 * statements on a real PostgreSQL: only the head of a chain (endpoint, resource) is ever claimable; a
 * head that is retried keeps its followers back while other chains go on; a redelivery is appended to
 * its chain behind what is pending; a claim whose lease ran out is taken over and the old claim's
 * record changes nothing; and several workers claiming, recording, queuing and redelivering at once
 * (each statement on its own pooled connection) send each delivery once, in chain order, never two
 * workers on one chain at a time.
 */
import { Database, type SystemTx } from '../../src/storage/database.js';
import {
  type ClaimedDelivery,
  type DeliveryOutcome,
  WebhooksRepository,
} from '../../src/storage/webhooks.repository.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENTS_ADMIN_TOKEN } from '../support/events.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const LEASE_SECONDS = 30;

let t: TestApp;
let repo: WebhooksRepository;
let db: Database;

beforeAll(async () => {
  // No worker is started: the tests are the workers.
  t = await startTestApp({ ADMIN_TOKEN: EVENTS_ADMIN_TOKEN, WEBHOOK_ALLOW_PRIVATE: 'true' });
  repo = t.app.get(WebhooksRepository);
  db = t.app.get(Database);
});
afterAll(() => t.close());
// Each test claims only its own chains: the earlier tests' endpoints are disabled (never claimed).
beforeEach(() => t.db.client.query(`UPDATE webhook_endpoint SET disabled = true`));

/** One statement on a connection of the pool, as the worker runs them. */
const statement = <T>(work: (tx: SystemTx) => Promise<T>) => db.systemStatement(work);

async function scim(tenant: TestTenant, method: 'POST' | 'PATCH', url: string, body: unknown) {
  const res = await t.app.inject({
    method,
    url: `/scim/v2/${url}`,
    headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/scim+json' },
    payload: JSON.stringify(body),
  });
  if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode} ${res.body}`);
  return res.json();
}

async function endpoint(tenant: TestTenant | null): Promise<{ id: string }> {
  const res = await t.app.inject({
    method: 'POST',
    url: tenant ? `/admin/v1/tenants/${tenant.tenantId}/webhook-endpoints` : '/admin/v1/webhook-endpoints',
    headers: { authorization: `Bearer ${EVENTS_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ url: 'http://127.0.0.1:9/unused' }),
  });
  expect(res.statusCode).toBe(201);
  return res.json();
}

async function newUser(tenant: TestTenant, name: string): Promise<string> {
  return (await scim(tenant, 'POST', 'Users', { schemas: [USER], userName: `${name}@example.com` })).id;
}

async function rename(tenant: TestTenant, id: string, displayName: string): Promise<void> {
  await scim(tenant, 'PATCH', `Users/${id}`, {
    schemas: [PATCH],
    Operations: [{ op: 'replace', path: 'displayName', value: displayName }],
  });
}

/** Fans out everything committed so far. */
async function fanOutAll(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await statement((tx) => repo.fanOut(tx, 1000))).events === 0) return;
  }
  throw new Error('the fan-out did not catch up');
}

function claim(limit: number, followers: number, leaseSeconds = LEASE_SECONDS) {
  return statement((tx) => repo.claim(tx, limit, followers, leaseSeconds));
}

function attemptOf(delivery: ClaimedDelivery, outcome: DeliveryOutcome) {
  return {
    deliveryId: delivery.id,
    outcome,
    attempt: {
      // Made a minute before it is recorded: the log keeps when it was made.
      attemptedAt: new Date(Date.now() - 60_000),
      endpointId: delivery.endpoint_id,
      tenantId: delivery.tenant_id,
      deliveryId: delivery.id,
      eventId: delivery.event_id,
      eventType: delivery.type ?? 'unknown',
      status: outcome.kind === 'delivered' ? 204 : 503,
      latencyMs: 1,
      responseBody: null,
      error: null,
    },
  };
}

/** Records attempts of one claimed chain from `run[0]` on, in one statement (as the worker does). */
function recordRun(run: [ClaimedDelivery, DeliveryOutcome][], last: boolean, token?: string) {
  const [first] = run[0];
  return statement((tx) =>
    repo.recordAttempts(
      tx,
      {
        endpointId: first.endpoint_id,
        resourceId: first.resource_id,
        leaseToken: token ?? first.lease_token,
        head: first.position,
      },
      run.map(([delivery, outcome]) => attemptOf(delivery, outcome)),
      { seconds: LEASE_SECONDS, last },
    ),
  );
}

function record(delivery: ClaimedDelivery, outcome: DeliveryOutcome, last: boolean, token?: string) {
  return recordRun([[delivery, outcome]], last, token);
}

const DELIVERED: DeliveryOutcome = { kind: 'delivered' };

/** Makes every chain of the resource due now (its retry's backoff over). */
async function dueNow(resourceId: string): Promise<void> {
  await t.db.client.query(`UPDATE webhook_chain SET due_at = now() WHERE resource_id = $1`, [resourceId]);
}

async function chainOf(resourceId: string) {
  const { rows } = await t.db.client.query(
    `SELECT head::int, tail::int, lease_token IS NOT NULL AS leased FROM webhook_chain WHERE resource_id = $1`,
    [resourceId],
  );
  return rows[0];
}

it('claims only the head of each chain; a head being retried keeps its followers back while other chains go on', async () => {
  const tenant = await createTenant(t.app, 'Heads');
  await endpoint(tenant);
  const held = await newUser(tenant, 'held');
  await rename(tenant, held, 'Held 1');
  await rename(tenant, held, 'Held 2');
  const free = await newUser(tenant, 'free');
  await fanOutAll();
  // held: user.created, then user.updated twice; free: user.created.
  expect(await chainOf(held)).toEqual({ head: 1, tail: 3, leased: false });

  const first = await claim(10, 0);
  expect(first.map((d) => [d.resource_id, d.position, d.type]).sort()).toEqual(
    [
      [held, '1', 'user.created'],
      [free, '1', 'user.created'],
    ].sort(),
  );
  // Both chains are claimed: nothing else is claimable (the held chain's followers wait for its head).
  expect(await claim(10, 10)).toEqual([]);

  const heldHead = first.find((d) => d.resource_id === held)!;
  expect(await record(heldHead, { kind: 'retry', delayMs: 60_000 }, true)).toBe(true);
  expect(
    await record(
      first.find((d) => d.resource_id === free)!,
      DELIVERED,
      true,
    ),
  ).toBe(true);
  expect(await chainOf(held)).toEqual({ head: 1, tail: 3, leased: false });

  // The retried head is not due for a minute, and its followers are never claimable on their own.
  expect(await claim(10, 10)).toEqual([]);
  // Another chain goes on meanwhile.
  await rename(tenant, free, 'Free 1');
  await fanOutAll();
  expect((await claim(10, 10)).map((d) => [d.resource_id, d.position, d.type])).toEqual([
    [free, '2', 'user.updated'],
  ]);

  // Once its backoff is over, the held chain is claimed from its head again, followers behind it.
  await dueNow(held);
  const again = await claim(10, 10);
  expect(again.map((d) => [d.position, d.type, d.attempts])).toEqual([
    ['1', 'user.created', 1],
    ['2', 'user.updated', 0],
    ['3', 'user.updated', 0],
  ]);
  expect(new Set(again.map((d) => d.lease_token)).size).toBe(1);
});

it('appends a redelivery to its chain behind the pending deliveries, and reopens an empty chain', async () => {
  const tenant = await createTenant(t.app, 'Redelivery chain');
  const { id: endpointId } = await endpoint(tenant);
  const user = await newUser(tenant, 'again');
  await rename(tenant, user, 'Again 1');
  await fanOutAll();
  const [head] = await claim(10, 0);
  expect(head).toMatchObject({ resource_id: user, position: '1', type: 'user.created' });
  expect(await record(head, { kind: 'retry', delayMs: 60_000 }, true)).toBe(true);

  // Redelivered while its chain's head is being retried: queued behind the chain, not beside it.
  const queued = await statement((tx) =>
    repo.redeliver(
      tx,
      { id: endpointId, tenantId: tenant.tenantId, eventTypes: null },
      { eventId: head.event_id },
    ),
  );
  expect(queued).toBe(1);
  expect(await chainOf(user)).toEqual({ head: 1, tail: 3, leased: false });
  expect(await claim(10, 10)).toEqual([]);

  await dueNow(user);
  const chain = await claim(10, 10);
  expect(chain.map((d) => [d.position, d.type, d.event_id === head.event_id])).toEqual([
    ['1', 'user.created', true],
    ['2', 'user.updated', false],
    ['3', 'user.created', true],
  ]);
  for (const [i, delivery] of chain.entries()) {
    expect(await record(delivery, DELIVERED, i === chain.length - 1)).toBe(true);
  }
  expect(await chainOf(user)).toEqual({ head: 4, tail: 3, leased: false });
  expect(await claim(10, 10)).toEqual([]);

  // Into the empty chain: due at once, at the next position.
  await statement((tx) =>
    repo.redeliver(
      tx,
      { id: endpointId, tenantId: tenant.tenantId, eventTypes: null },
      { eventId: head.event_id },
    ),
  );
  expect((await claim(10, 10)).map((d) => [d.position, d.event_id])).toEqual([['4', head.event_id]]);
});

it('records a run of attempts in one statement: the head moves past its successes and stays at a retry', async () => {
  const tenant = await createTenant(t.app, 'Runs');
  await endpoint(tenant);
  const user = await newUser(tenant, 'runs');
  for (let i = 1; i <= 5; i++) await rename(tenant, user, `Runs ${i}`);
  await fanOutAll();
  const chain = await claim(10, 10);
  expect(chain.map((d) => d.position)).toEqual(['1', '2', '3', '4', '5', '6']);
  // Two successes, recorded together; the claim is kept (the worker goes on).
  expect(
    await recordRun(
      [
        [chain[0], DELIVERED],
        [chain[1], DELIVERED],
      ],
      false,
    ),
  ).toBe(true);
  expect(await chainOf(user)).toEqual({ head: 3, tail: 6, leased: true });
  expect(await claim(10, 10)).toEqual([]);
  // A run recorded from a position that is not the head changes nothing.
  expect(await recordRun([[chain[3], DELIVERED]], false)).toBe(false);
  // Two more successes and a failure: the head stops at the failed one, the chain is given back.
  expect(
    await recordRun(
      [
        [chain[2], DELIVERED],
        [chain[3], { kind: 'expired' }],
        [chain[4], { kind: 'retry', delayMs: 60_000 }],
      ],
      true,
    ),
  ).toBe(true);
  expect(await chainOf(user)).toEqual({ head: 5, tail: 6, leased: false });
  const { rows } = await t.db.client.query(
    `SELECT d.position::int, d.state, d.attempts, count(a.id)::int AS logged,
            coalesce(bool_and(a.attempted_at < now() - interval '30 seconds'), true) AS when_made
       FROM webhook_delivery d LEFT JOIN webhook_attempt a ON a.delivery_id = d.id
      WHERE d.resource_id = $1 GROUP BY d.id ORDER BY d.position`,
    [user],
  );
  expect(rows.every((r) => r.when_made)).toBe(true);
  expect(rows.map((r) => [r.position, r.state, r.attempts, r.logged])).toEqual([
    [1, 'delivered', 1, 1],
    [2, 'delivered', 1, 1],
    [3, 'delivered', 1, 1],
    [4, 'failed', 1, 2],
    [5, 'pending', 1, 1],
    [6, 'pending', 0, 0],
  ]);
  expect(await claim(10, 10)).toEqual([]);
  await dueNow(user);
  expect((await claim(10, 10)).map((d) => [d.position, d.attempts])).toEqual([
    ['5', 1],
    ['6', 0],
  ]);
});

it('moves a chain past a given-up head; the disabled endpoint keeps its chains back until it is enabled', async () => {
  const tenant = await createTenant(t.app, 'Give up');
  const { id: endpointId } = await endpoint(tenant);
  const user = await newUser(tenant, 'given-up');
  await rename(tenant, user, 'Given up 1');
  await fanOutAll();
  const [head] = await claim(10, 0);
  expect(await record(head, { kind: 'give-up', disabledReason: 'gone' }, true)).toBe(true);
  expect(await chainOf(user)).toEqual({ head: 2, tail: 2, leased: false });
  expect(await claim(10, 10)).toEqual([]);
  await t.db.client.query(`UPDATE webhook_endpoint SET disabled = false WHERE id = $1`, [endpointId]);
  expect((await claim(10, 10)).map((d) => [d.position, d.type])).toEqual([['2', 'user.updated']]);
});

it('takes over a chain whose lease ran out; the old claim records its attempt but changes nothing', async () => {
  const tenant = await createTenant(t.app, 'Lease');
  await endpoint(tenant);
  const user = await newUser(tenant, 'lease');
  await rename(tenant, user, 'Lease 1');
  await fanOutAll();
  const stale = await claim(10, 10, 1);
  expect(stale.map((d) => d.position)).toEqual(['1', '2']);
  // The worker holding it stalls past its lease (1 s); another claims the chain from its head.
  let taken: ClaimedDelivery[] = [];
  for (let i = 0; i < 100 && taken.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    taken = await claim(10, 10);
  }
  expect(taken.map((d) => d.position)).toEqual(['1', '2']);
  expect(taken[0].lease_token).not.toBe(stale[0].lease_token);

  expect(await record(stale[0], DELIVERED, false)).toBe(false);
  expect(await chainOf(user)).toEqual({ head: 1, tail: 2, leased: true });
  const { rows } = await t.db.client.query(
    `SELECT d.state, (SELECT count(*)::int FROM webhook_attempt a WHERE a.delivery_id = d.id) AS attempts
       FROM webhook_delivery d WHERE d.id = $1`,
    [stale[0].id],
  );
  expect(rows).toEqual([{ state: 'pending', attempts: 1 }]);

  expect(await record(taken[0], DELIVERED, false)).toBe(true);
  expect(await record(taken[1], DELIVERED, true)).toBe(true);
  expect(await chainOf(user)).toEqual({ head: 3, tail: 2, leased: false });
});

it('four workers claiming and recording while events are queued and redelivered send each delivery once, in chain order, one worker per chain at a time', async () => {
  const tenant = await createTenant(t.app, 'Race');
  const mine = await endpoint(tenant);
  await endpoint(null); // every tenant's: a second chain per resource
  const users: string[] = [];
  for (let i = 0; i < 6; i++) users.push(await newUser(tenant, `race${i}`));
  await fanOutAll();

  const violations: string[] = [];
  /** Per chain: the last position finished (delivered) and the positions sent, in order. */
  const finished = new Map<string, number>();
  const sent = new Map<string, string[]>();
  const inHand = new Set<string>();
  const deliveredTimes = new Map<string, number>();
  let writing = true;
  let notApplied = 0;

  async function worker(n: number): Promise<void> {
    for (let round = 0; round < 3000; round++) {
      const claimed = await claim(2, 5);
      if (claimed.length === 0) {
        if (!writing) {
          await fanOutAll();
          const { rows } = await t.db.client.query(
            `SELECT count(*)::int AS n FROM webhook_chain WHERE head <= tail AND tenant_id = $1`,
            [tenant.tenantId],
          );
          if (rows[0].n === 0) return;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      const chains = new Map<string, ClaimedDelivery[]>();
      for (const d of claimed) chains.set(d.lease_token, [...(chains.get(d.lease_token) ?? []), d]);
      for (const chain of chains.values()) {
        const key = `${chain[0].endpoint_id} ${chain[0].resource_id}`;
        if (inHand.has(key))
          violations.push(`worker ${n}: chain ${key} claimed while another worker holds it`);
        inHand.add(key);
        let run: [ClaimedDelivery, DeliveryOutcome][] = [];
        for (const [i, delivery] of chain.entries()) {
          const position = Number(delivery.position);
          if (position !== (finished.get(key) ?? 0) + 1) {
            violations.push(
              `worker ${n}: sent position ${position} of ${key} after ${finished.get(key) ?? 0}`,
            );
          }
          // A receiver's time, sometimes none.
          if (Math.random() < 0.5) await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
          const retry = Math.random() < 0.1;
          const last = retry || i === chain.length - 1;
          if (last) inHand.delete(key);
          if (!retry) {
            // Noted before the record commits: the next claimer of the chain may run right after it.
            finished.set(key, position);
            sent.set(key, [...(sent.get(key) ?? []), delivery.id]);
            deliveredTimes.set(delivery.id, (deliveredTimes.get(delivery.id) ?? 0) + 1);
          }
          // Recorded in runs of up to three, as the worker records a chain's successes.
          run.push([delivery, retry ? { kind: 'retry', delayMs: 0 } : DELIVERED]);
          if (last || run.length === 3) {
            if (!(await recordRun(run, last))) notApplied += 1;
            run = [];
          }
          if (retry) break;
        }
      }
    }
    violations.push(`worker ${n} did not finish`);
  }

  async function writer(): Promise<void> {
    try {
      for (let i = 0; i < 24; i++) {
        await rename(tenant, users[i % users.length], `Race ${i}`);
        if (i % 3 === 0) await fanOutAll();
        if (i % 4 === 0) {
          // A redelivery of one of the users' first event to the tenant's endpoint: appended to its chain.
          const { rows } = await t.db.client.query(
            `SELECT id FROM change_event WHERE resource_id = $1 ORDER BY seq LIMIT 1`,
            [users[(i / 4) % users.length]],
          );
          await statement((tx) =>
            repo.redeliver(
              tx,
              { id: mine.id, tenantId: tenant.tenantId, eventTypes: null },
              { eventId: rows[0].id },
            ),
          );
        }
      }
      await fanOutAll();
    } finally {
      writing = false;
    }
  }

  await Promise.all([writer(), worker(1), worker(2), worker(3), worker(4)]);

  expect(violations).toEqual([]);
  expect(notApplied).toBe(0);
  // Every delivery delivered exactly once, each chain's in position order 1…tail.
  const { rows: deliveries } = await t.db.client.query(
    `SELECT id::text, endpoint_id || ' ' || resource_id AS key, position::int, state FROM webhook_delivery
      WHERE tenant_id = $1 ORDER BY endpoint_id, resource_id, position`,
    [tenant.tenantId],
  );
  expect(deliveries.length).toBeGreaterThan(2 * (6 + 24));
  expect(deliveries.filter((d) => d.state !== 'delivered')).toEqual([]);
  expect([...deliveredTimes.values()].every((times) => times === 1)).toBe(true);
  expect(deliveredTimes.size).toBe(deliveries.length);
  const byChain = new Map<string, string[]>();
  for (const d of deliveries) byChain.set(d.key, [...(byChain.get(d.key) ?? []), d.id]);
  expect(Object.fromEntries(sent)).toEqual(Object.fromEntries(byChain));
  for (const d of deliveries) expect(d.position).toBe(byChain.get(d.key)!.indexOf(d.id) + 1);
  // The fanned-out deliveries of each chain are in feed order (the redeliveries are appended copies).
  const { rows: order } = await t.db.client.query(
    `SELECT array_agg(event_id ORDER BY position) AS queued, array_agg(event_id ORDER BY event_xid, event_seq) AS feed
       FROM (SELECT d.*, row_number() OVER (PARTITION BY endpoint_id, resource_id, event_id ORDER BY position) = 1
                    AS first FROM webhook_delivery d WHERE tenant_id = $1) d
      WHERE first GROUP BY endpoint_id, resource_id`,
    [tenant.tenantId],
  );
  expect(order.length).toBe(2 * users.length);
  for (const { queued, feed } of order) expect(queued).toEqual(feed);
});
