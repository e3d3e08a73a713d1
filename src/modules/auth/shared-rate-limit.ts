import type { TakeResult } from './token-bucket.js';

/** What the shared store answers to a reservation of `points` for a key. */
export interface WindowCount {
  /** Points counted in the key's current window, the reservation included. */
  consumed: number;
  /** Milliseconds until that window ends. */
  msBeforeNext: number;
}

export interface SharedBudgetOptions {
  /** Requests one key may make per window, all processes together. */
  windowPoints: number;
  /** Points reserved from the shared store at once (at least 1, at most windowPoints). */
  blockSize: number;
  /**
   * When a process has fewer reserved requests left than this, it reserves the next block in the
   * background, so that a client sending one request at a time does not wait for the store at the end
   * of every block. Default ⌊blockSize / 2⌋; 0 reserves only when nothing is left.
   */
  lowWater?: number;
  /** Adds `points` to the key's shared counter (one database round trip). */
  reserve(key: string, points: number): Promise<WindowCount>;
  /** The shared store failed: requests are allowed (fail open) until it answers again. */
  onStoreDown(error: unknown): void;
  onStoreUp(): void;
  /** How long after a failure the store is left alone before one request tries again, in ms. */
  retryAfterFailureMs?: number;
  now?: () => number;
}

interface Budget {
  /** Requests this process has reserved in the key's current window and not spent yet. */
  tokens: number;
  /** When the window of those tokens ends (local clock, epoch ms); they lapse with it. */
  windowEndsAt: number;
  /** The window has nothing left for anyone: refuse until it ends, without asking the store. */
  exhausted: boolean;
  /** Requests waiting for the reservation in flight. */
  waiting: number;
  pending: Promise<void> | undefined;
}

const ALLOWED: TakeResult = { allowed: true };
const MAX_BUDGETS = 10_000;

/**
 * A per-key request limit shared by every process through a store of fixed-window counters
 * (RateLimitCounters: `windowPoints` per window, all processes together), without a round trip per
 * request: each process reserves `blockSize` requests at once and spends them from memory, so the
 * store sees one write per `blockSize` requests. A reservation that finds less than a block left in
 * the window gets what is left (the counter's total tells exactly how much), and the window is then
 * known to be used up: every request refused until it ends is refused from memory too.
 *
 * A request that finds no reserved token and no reservation in flight goes ahead and starts one
 * (it is counted in it); only requests arriving while a reservation is in flight with nothing left
 * in memory wait for it (one reservation per key and process at a time). A process whose reserved
 * requests fall below `lowWater` reserves the next block in the background (a top-up): a client
 * sending one request at a time then waits for the store once per window instead of once per block
 * (each wait is a write's commit, often longer than a read request; docs/benchmarks.md). A store that fails is not
 * a reason to refuse anyone: requests are allowed (fail open, `onStoreDown` once) and, while it keeps
 * failing, one request per `retryAfterFailureMs` probes it in the background, never on a request's
 * path.
 *
 * Precision: per window, all processes together allow at most windowPoints + N (each process's one
 * request that went ahead of the reservation that found the window used up), and at least
 * windowPoints − N × (blockSize + lowWater − 2) under load (tokens reserved and not spent lapse with
 * the window; a top-up may land on top of lowWater − 1 unspent ones).
 */
export class SharedTokenBudgets {
  private readonly budgets = new Map<string, Budget>();
  private readonly now: () => number;
  private readonly retryAfterFailureMs: number;
  private readonly lowWater: number;
  /** Failing open: set while the store fails, with the time of the next probe. */
  private storeDownUntil: number | undefined;
  private probing = false;

  constructor(private readonly options: SharedBudgetOptions) {
    this.now = options.now ?? Date.now;
    this.retryAfterFailureMs = options.retryAfterFailureMs ?? 1_000;
    this.lowWater = Math.min(options.lowWater ?? Math.floor(options.blockSize / 2), options.blockSize);
  }

  /** Spends one request of `key`; a promise only when it must wait for the reservation in flight. */
  take(key: string): TakeResult | Promise<TakeResult> {
    const now = this.now();
    if (this.storeDownUntil !== undefined) {
      this.probe(key, now);
      return ALLOWED;
    }
    const budget = this.budget(key, now);
    if (budget.tokens > 0) {
      budget.tokens -= 1;
      if (budget.tokens < this.lowWater && !budget.pending && !budget.exhausted) this.topUp(key, budget);
      return ALLOWED;
    }
    if (budget.exhausted) return refusal(budget.windowEndsAt - now);
    if (!budget.pending) {
      // Nothing reserved and nothing on its way: this request goes ahead and is counted in the
      // reservation it starts, so that no request waits for the store unless one is in flight.
      budget.pending = this.reserve(key, budget, 1).finally(() => {
        budget.pending = undefined;
      });
      return ALLOWED;
    }
    return this.waitForReservation(key, budget);
  }

  /** Keys with local state (for tests). */
  get size(): number {
    return this.budgets.size;
  }

  private async waitForReservation(key: string, budget: Budget): Promise<TakeResult> {
    budget.waiting += 1;
    await budget.pending;
    budget.waiting -= 1;
    // The reservation was sized for the waiters it knew of; the others start or wait for the next.
    return this.take(key);
  }

  /** Reserves the next block while some of the current one is left, off the request's path. */
  private topUp(key: string, budget: Budget): void {
    budget.pending = this.reserve(key, budget, 0).finally(() => {
      budget.pending = undefined;
    });
  }

  /** Reserves a block (more when requests already wait), `spent` of it by the request that asked. */
  private async reserve(key: string, budget: Budget, spent: number): Promise<void> {
    const points = Math.min(
      this.options.windowPoints,
      Math.max(this.options.blockSize, spent + budget.waiting),
    );
    let count: WindowCount;
    try {
      count = await this.options.reserve(key, points);
    } catch (error) {
      this.storeFailed(error);
      return;
    }
    this.storeAnswered();
    this.apply(budget, points, count, spent);
  }

  /**
   * Takes a reservation's answer into the budget: what was left of the window, up to `points`, less
   * what the requests that went ahead of it spent, added to the tokens still held (a top-up) while
   * their window runs; those of a window that has ended lapse (as do a probe's tokens of the window
   * before an outage).
   */
  private apply(budget: Budget, points: number, count: WindowCount, spent: number, keep = true): void {
    const before = count.consumed - points;
    const granted = Math.max(0, Math.min(points, this.options.windowPoints - before));
    const held = keep && budget.windowEndsAt > this.now() ? budget.tokens : 0;
    budget.tokens = held + Math.max(0, granted - spent);
    budget.windowEndsAt = this.now() + Math.max(0, count.msBeforeNext);
    budget.exhausted = count.consumed >= this.options.windowPoints;
  }

  /** While failing open: one reservation now and then, off the request path, to see the store back. */
  private probe(key: string, now: number): void {
    if (this.probing || now < (this.storeDownUntil ?? 0)) return;
    this.probing = true;
    const budget = this.budget(key, now);
    const points = Math.min(this.options.windowPoints, this.options.blockSize);
    this.options
      .reserve(key, points)
      .then(
        (count) => {
          this.storeAnswered();
          this.apply(budget, points, count, 0, false);
        },
        (error: unknown) => this.storeFailed(error),
      )
      .finally(() => {
        this.probing = false;
      });
  }

  private storeFailed(error: unknown): void {
    const wasUp = this.storeDownUntil === undefined;
    this.storeDownUntil = this.now() + this.retryAfterFailureMs;
    if (wasUp) this.options.onStoreDown(error);
  }

  private storeAnswered(): void {
    if (this.storeDownUntil === undefined) return;
    this.storeDownUntil = undefined;
    this.options.onStoreUp();
  }

  private budget(key: string, now: number): Budget {
    let budget = this.budgets.get(key);
    if (!budget) {
      if (this.budgets.size >= MAX_BUDGETS) this.sweep(now);
      budget = { tokens: 0, windowEndsAt: 0, exhausted: false, waiting: 0, pending: undefined };
      this.budgets.set(key, budget);
    } else if (budget.windowEndsAt <= now) {
      // The window has ended: what was reserved in it lapses (a top-up in flight then answers for
      // the next window, and apply does not add these to it).
      budget.tokens = 0;
      budget.exhausted = false;
    }
    return budget;
  }

  /** A budget whose window has ended holds nothing: forget it. */
  private sweep(now: number): void {
    for (const [key, budget] of this.budgets) {
      if (budget.windowEndsAt <= now && !budget.pending) this.budgets.delete(key);
    }
  }
}

function refusal(msLeft: number): TakeResult {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)) };
}
