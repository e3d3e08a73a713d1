import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { type TakeResult, TokenBuckets } from './token-bucket.js';

/** The per-tenant request budget of this process (RATE_LIMIT_RPS sustained, RATE_LIMIT_BURST at once). */
@Injectable()
export class TenantRateLimiter {
  private readonly buckets: TokenBuckets;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.buckets = new TokenBuckets(config.rateLimitRps, config.rateLimitBurst);
  }

  take(tenantId: string): TakeResult {
    return this.buckets.take(tenantId);
  }
}
