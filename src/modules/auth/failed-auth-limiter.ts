import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { type TakeResult, TokenBuckets } from './token-bucket.js';

/**
 * Failed SCIM authentications per client address (AUTH_FAILURE_BURST at once, AUTH_FAILURE_RPS
 * sustained). Each failure spends a token; an address without tokens is refused with 429 before its
 * key is looked up, so guessing keys costs the database nothing. In memory, per process.
 */
@Injectable()
export class FailedAuthLimiter {
  private readonly buckets: TokenBuckets;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.buckets = new TokenBuckets(config.authFailureRps, config.authFailureBurst);
  }

  /** Whether `address` may try to authenticate now (spends nothing). */
  check(address: string): TakeResult {
    return this.buckets.peek(address);
  }

  recordFailure(address: string): void {
    this.buckets.take(address);
  }
}
