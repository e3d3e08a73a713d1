import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { RateLimitCounters } from '../../storage/rate-limit-counters.js';
import { SharedTokenBudgets } from './shared-rate-limit.js';
import type { TakeResult } from './token-bucket.js';

/** How the limit is counted: windows of `seconds`, `points` requests each, reserved `block` at a time. */
export interface RateLimitWindow {
  seconds: number;
  points: number;
  block: number;
}

/**
 * RATE_LIMIT_BURST at once, RATE_LIMIT_RPS on average, as a fixed window: ⌈burst / rps⌉ seconds
 * (at least 1) of rps × seconds requests (so never fewer than the burst). Reservations are a
 * twentieth of a window, so that one write in the store serves 20 requests while reserved tokens
 * left unspent at the end of a window cost at most 5 % of it per instance.
 */
export function rateLimitWindow(rps: number, burst: number): RateLimitWindow {
  const seconds = Math.max(1, Math.ceil(burst / rps));
  const points = rps * seconds;
  return { seconds, points, block: Math.max(1, Math.floor(points / 20)) };
}

/**
 * The per-tenant request budget of the whole deployment: every instance counts in the same
 * PostgreSQL counters (RateLimitCounters), reserving blocks of requests so that most requests do
 * no database work for the limit (SharedTokenBudgets). A database that cannot be reached never
 * turns into 429s: the limit fails open, logged once per outage.
 */
@Injectable()
export class TenantRateLimiter {
  private readonly logger = new Logger(TenantRateLimiter.name);
  private readonly budgets: SharedTokenBudgets;
  private readonly windowPoints: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig, counters: RateLimitCounters) {
    const window = rateLimitWindow(config.rateLimitRps, config.rateLimitBurst);
    this.windowPoints = window.points;
    this.budgets = new SharedTokenBudgets({
      windowPoints: window.points,
      blockSize: window.block,
      reserve: (tenantId, points) => counters.add(`tenant:${tenantId}`, points, window.seconds),
      onStoreDown: (error) =>
        this.logger.warn(
          { err: error },
          'rate limit counters unreachable: the tenant rate limit is not enforced until they answer again',
        ),
      onStoreUp: () => this.logger.log('rate limit counters answer again: the tenant rate limit is enforced'),
    });
  }

  take(tenantId: string): TakeResult | Promise<TakeResult> {
    return this.budgets.take(tenantId);
  }

  /**
   * Spends `count` requests more than the one ApiKeyGuard took (a Bulk request counts as its
   * operations), but never more than a whole window with that one: a Bulk larger than the window can
   * still run, once the window is its alone.
   */
  async takeMore(tenantId: string, count: number): Promise<TakeResult> {
    const wanted = Math.min(count, this.windowPoints - 1);
    for (let spent = 0; spent < wanted; spent++) {
      const taken = this.budgets.take(tenantId);
      const result = taken instanceof Promise ? await taken : taken;
      if (!result.allowed) return result;
    }
    return { allowed: true };
  }
}
