import { SharedTokenBudgets, type WindowCount } from '../../../src/modules/auth/shared-rate-limit.js';
import { rateLimitWindow } from '../../../src/modules/auth/tenant-rate-limiter.js';
import type { TakeResult } from '../../../src/modules/auth/token-bucket.js';

/** The fixed-window counters of RateLimiterPostgres, in memory: what N processes share. */
class FakeCounters {
  now = 1_000_000;
  writes = 0;
  down = false;
  /** While set, an addition waits for it before it counts (a reservation still in flight). */
  gate: Promise<void> | undefined;
  /** Turns of the event loop an addition takes before it counts (a database round trip). */
  latencyTicks = 0;
  private readonly rows = new Map<string, { points: number; expire: number }>();

  constructor(private readonly windowMs: number) {}

  async add(key: string, points: number): Promise<WindowCount> {
    this.writes += 1;
    if (this.gate) await this.gate;
    for (let i = 0; i < this.latencyTicks; i++) await new Promise((done) => setImmediate(done));
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    let row = this.rows.get(key);
    if (!row || row.expire <= this.now) {
      row = { points: 0, expire: this.now + this.windowMs };
      this.rows.set(key, row);
    }
    row.points += points;
    return { consumed: row.points, msBeforeNext: row.expire - this.now };
  }
}

/**
 * One process's budgets. `lowWater` 0 (the default here) reserves only when nothing is left, which the
 * tests of the reservation itself assume; the top-up tests pass 'default' (⌊blockSize / 2⌋, as in production).
 */
function instance(
  counters: FakeCounters,
  windowPoints: number,
  blockSize: number,
  lowWater: number | 'default' = 0,
) {
  const events: string[] = [];
  const budgets = new SharedTokenBudgets({
    windowPoints,
    blockSize,
    lowWater: lowWater === 'default' ? undefined : lowWater,
    reserve: (key, points) => counters.add(key, points),
    onStoreDown: () => events.push('down'),
    onStoreUp: () => events.push('up'),
    retryAfterFailureMs: 1_000,
    now: () => counters.now,
  });
  return { budgets, events };
}

const allowedCount = (results: TakeResult[]) => results.filter((result) => result.allowed).length;
/** Lets reservations in flight answer. */
const settle = () => new Promise((done) => setImmediate(done));

describe('SharedTokenBudgets (one rate limit for every instance)', () => {
  it.each([
    ['only when nothing is left', 0],
    ['with top-ups at the default low-water mark', 'default' as const],
  ])(
    'counts the window of every instance together, within the blocks left unspent (reserving %s)',
    async (_, lowWater) => {
      const counters = new FakeCounters(10_000);
      const instances = [0, 1, 2].map(() => instance(counters, 200, 10, lowWater).budgets);
      // 450 requests, spread over the three instances (each alone would allow 200).
      const results = await Promise.all(Array.from({ length: 450 }, (_, i) => instances[i % 3].take('acme')));
      const allowed = allowedCount(results);
      // At most one request per instance over: the one that went ahead of the reservation that found
      // the window used up.
      expect(allowed).toBeLessThanOrEqual(200 + 3);
      expect(allowed).toBeGreaterThanOrEqual(200 - 3 * 9);
      // One write per block, not per request; refusals cost no write once the window is known to be used up.
      expect(counters.writes).toBeLessThanOrEqual(200 / 10 + 2 * 3);
      const refused = results.find((result) => !result.allowed);
      expect(refused).toEqual({ allowed: false, retryAfterSeconds: 10 });
    },
  );

  it('spends reserved requests from memory: only a request arriving while a reservation is in flight waits', async () => {
    const counters = new FakeCounters(1_000);
    const { budgets } = instance(counters, 100, 5);
    // The first goes ahead and starts a reservation of 5 (itself included).
    expect(budgets.take('acme')).toEqual({ allowed: true });
    expect(counters.writes).toBe(1);
    const second = budgets.take('acme');
    expect(second).toBeInstanceOf(Promise);
    expect(await second).toEqual({ allowed: true });
    for (let i = 0; i < 3; i++) expect(budgets.take('acme')).toEqual({ allowed: true });
    expect(counters.writes).toBe(1);
    // The block is spent: the next one goes ahead again, with the next reservation.
    expect(budgets.take('acme')).toEqual({ allowed: true });
    expect(counters.writes).toBe(2);
  });

  it('gives the last reservation of a window what is left of it, then refuses from memory', async () => {
    const counters = new FakeCounters(1_000);
    const a = instance(counters, 10, 4).budgets;
    const b = instance(counters, 10, 4).budgets;
    expect(a.take('acme')).toEqual({ allowed: true }); // a reserves 4 (4 in the window), 3 left
    expect(b.take('acme')).toEqual({ allowed: true }); // b reserves 4 (8), 3 left
    await settle();
    for (let i = 0; i < 3; i++) expect(a.take('acme')).toEqual({ allowed: true });
    expect(a.take('acme')).toEqual({ allowed: true }); // a reserves 4 (12): 2 were left, 1 now
    await settle();
    expect(a.take('acme')).toEqual({ allowed: true });
    const writes = counters.writes;
    expect(a.take('acme')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(counters.writes).toBe(writes);
    // b still spends what it reserved.
    for (let i = 0; i < 3; i++) expect(b.take('acme')).toEqual({ allowed: true });
    // The next window.
    counters.now += 1_000;
    expect(await a.take('acme')).toEqual({ allowed: true });
  });

  it.each([
    ['tops up in the background: waits for the store only at the very start', 'default' as const, [1]],
    // What top-ups avoid: the request after the one that started each reservation waits for it.
    ['without top-ups waits once per block', 0, [1, 11, 21, 31, 41, 51, 61, 71, 81, 91]],
  ])('a client sending one request at a time %s', async (_, lowWater, expected) => {
    const counters = new FakeCounters(60_000);
    // A reservation takes as long as three of the client's requests (a commit against a read).
    counters.latencyTicks = 3;
    const { budgets } = instance(counters, 1_000, 10, lowWater);
    const waited: number[] = [];
    for (let i = 0; i < 100; i++) {
      const result = budgets.take('acme');
      if (result instanceof Promise) waited.push(i);
      expect(await result).toEqual({ allowed: true });
      await settle();
    }
    expect(waited).toEqual(expected);
    // Still about one write per block.
    expect(counters.writes).toBeLessThanOrEqual(100 / 10 + 1);
  });

  it('lets the tokens of an ended window lapse, also when a top-up was in flight', async () => {
    const counters = new FakeCounters(1_000);
    const { budgets } = instance(counters, 100, 10, 'default');
    expect(budgets.take('acme')).toEqual({ allowed: true }); // reserves 10, 9 left
    await settle();
    let release = () => {};
    counters.gate = new Promise((done) => (release = done));
    for (let i = 0; i < 5; i++) expect(budgets.take('acme')).toEqual({ allowed: true });
    expect(counters.writes).toBe(2); // 4 left: the top-up is in flight
    // The window ends before the top-up is counted: it opens the next window, 10 in it.
    counters.now += 1_000;
    counters.gate = undefined;
    release();
    await settle();
    // The 4 of the ended window lapsed: the next top-up comes after 6 requests, not 10.
    for (let i = 0; i < 5; i++) expect(budgets.take('acme')).toEqual({ allowed: true });
    expect(counters.writes).toBe(2);
    expect(budgets.take('acme')).toEqual({ allowed: true });
    expect(counters.writes).toBe(3);
  });

  it('keeps tenants apart', async () => {
    const counters = new FakeCounters(1_000);
    const { budgets } = instance(counters, 2, 1);
    for (let i = 0; i < 2; i++) expect(await budgets.take('busy')).toEqual({ allowed: true });
    expect((await budgets.take('busy')).allowed).toBe(false);
    expect(await budgets.take('calm')).toEqual({ allowed: true });
  });

  it('fails open while the store fails, tells once, probes it off the request path and recovers', async () => {
    const counters = new FakeCounters(1_000);
    const { budgets, events } = instance(counters, 1, 1);
    expect(await budgets.take('acme')).toEqual({ allowed: true });
    expect((await budgets.take('acme')).allowed).toBe(false);

    counters.down = true;
    counters.now += 1_000;
    const during = await Promise.all(Array.from({ length: 20 }, () => budgets.take('acme')));
    expect(during.every((result) => result.allowed)).toBe(true);
    expect(events).toEqual(['down']);
    // No request waits for the store now, and it is left alone until the retry delay has passed.
    const writes = counters.writes;
    expect(budgets.take('acme')).toEqual({ allowed: true });
    expect(counters.writes).toBe(writes);

    counters.down = false;
    counters.now += 1_000;
    expect(budgets.take('acme')).toEqual({ allowed: true }); // starts the probe, allowed meanwhile
    await new Promise((done) => setImmediate(done));
    expect(events).toEqual(['down', 'up']);
    // The probe reserved the window's only request: enforced again.
    expect(budgets.take('acme')).toEqual({ allowed: true });
    expect((await budgets.take('acme')).allowed).toBe(false);
  });
});

describe('rateLimitWindow (RATE_LIMIT_RPS and RATE_LIMIT_BURST as a fixed window)', () => {
  it.each([
    [50, 200, { seconds: 4, points: 200, block: 10 }],
    [20, 200, { seconds: 10, points: 200, block: 10 }],
    [1, 3, { seconds: 3, points: 3, block: 1 }],
    [50, 10, { seconds: 1, points: 50, block: 2 }],
    [1_000_000, 1_000_000, { seconds: 1, points: 1_000_000, block: 50_000 }],
  ])('rps %i, burst %i', (rps, burst, expected) => {
    const window = rateLimitWindow(rps, burst);
    expect(window).toEqual(expected);
    // Never below the configured rate or the burst.
    expect(window.points / window.seconds).toBe(rps);
    expect(window.points).toBeGreaterThanOrEqual(burst);
  });
});
