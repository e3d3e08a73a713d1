import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { RateLimiterPostgres, type RateLimiterRes } from 'rate-limiter-flexible';

/** What one addition to a shared counter answers: its total in the current window, and the window's rest. */
export interface CounterState {
  /** Points counted in the current window, this addition included. */
  consumed: number;
  /** Milliseconds until the window ends (and the counter starts again from zero). */
  msBeforeNext: number;
}

/** The migration RateLimit creates it; the library must not (`tableCreated: true`). */
const TABLE = 'rate_limit';
/** Expired rows are deleted this often by each process (an idempotent DELETE: harmless from N of them). */
const CLEANUP_INTERVAL_MS = 5 * 60_000;
/** A row is deleted an hour after its window ended (as the library itself would). */
const CLEANUP_AGE_MS = 60 * 60_000;

/**
 * Fixed-window counters shared by every server process, in PostgreSQL: rate-limiter-flexible's
 * RateLimiterPostgres on the application's connection pool. One `add` is one upsert (one round trip,
 * outside any transaction, as the connecting role): it adds points to the key's counter, starting a
 * new window when the last one has ended, and answers the total and the window's rest.
 *
 * The library names its prepared statements; PgBouncer in transaction pooling mode cannot keep a
 * named statement from one transaction to the next, so the pool is handed to it through an adapter
 * that drops the names (every statement is sent unnamed, as the rest of the server's are).
 */
@Injectable()
export class RateLimitCounters implements OnModuleDestroy {
  private readonly limiters = new Map<number, RateLimiterPostgres>();
  private cleanupTimer: NodeJS.Timeout | undefined;
  private pool: Promise<pg.Pool> | undefined;

  constructor(private readonly orm: MikroORM) {}

  /** Adds `points` to `key`'s counter of windows of `windowSeconds`. Rejects when PostgreSQL does. */
  async add(key: string, points: number, windowSeconds: number): Promise<CounterState> {
    const limiter = await this.limiter(windowSeconds);
    const res: RateLimiterRes = await limiter.penalty(key, points);
    return { consumed: res.consumedPoints, msBeforeNext: res.msBeforeNext };
  }

  onModuleDestroy(): void {
    clearInterval(this.cleanupTimer);
  }

  private async limiter(windowSeconds: number): Promise<RateLimiterPostgres> {
    const known = this.limiters.get(windowSeconds);
    if (known) return known;
    const pool = await this.nativePool();
    const limiter =
      this.limiters.get(windowSeconds) ??
      new RateLimiterPostgres({
        storeClient: unnamedStatements(pool),
        storeType: 'pool',
        tableName: TABLE,
        tableCreated: true,
        // Our own timer below, stopped with the application (the library's cannot be).
        clearExpiredByTimeout: false,
        keyPrefix: '',
        // Unused: `penalty` never refuses; the caller compares the total with its own limit.
        points: 1,
        duration: windowSeconds,
      });
    this.limiters.set(windowSeconds, limiter);
    this.startCleanup(limiter);
    return limiter;
  }

  private startCleanup(limiter: RateLimiterPostgres): void {
    if (this.cleanupTimer) return;
    this.cleanupTimer = setInterval(() => {
      // Public in the library, missing from its types; never rejects (a failure waits for next time).
      void (limiter as unknown as Cleanable).clearExpired(Date.now() - CLEANUP_AGE_MS);
    }, CLEANUP_INTERVAL_MS);
    this.cleanupTimer.unref();
  }

  private nativePool(): Promise<pg.Pool> {
    this.pool ??= Promise.resolve(this.orm.em.getConnection().getNativeClient() as Promise<pg.Pool>);
    return this.pool;
  }
}

interface Cleanable {
  clearExpired(expiredBefore: number): Promise<void>;
}

/** The pool as the library uses it (`query(config)`), with every statement sent unnamed. */
function unnamedStatements(pool: pg.Pool): { query(config: pg.QueryConfig): Promise<pg.QueryResult> } {
  return { query: ({ text, values }) => pool.query({ text, values }) };
}
