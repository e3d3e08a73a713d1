/** Outcome of one request against a bucket. */
export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * One token bucket per key (a client address, for the failed-authentication limit): `ratePerSecond`
 * tokens flow in, at most `burst` are held, each attempt takes one. In memory, per process: N
 * instances allow N times the rate (the tenant rate limit is shared instead: shared-rate-limit.ts).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(key: string): TakeResult {
    const now = this.now();
    const bucket = this.refill(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return this.refusal(bucket);
  }

  /** What take() would answer, without spending a token (an unknown key stays unknown). */
  peek(key: string): TakeResult {
    const bucket = this.buckets.get(key);
    if (!bucket) return { allowed: true };
    const tokens = Math.min(
      this.burst,
      bucket.tokens + (Math.max(0, this.now() - bucket.updatedAt) / 1000) * this.ratePerSecond,
    );
    return tokens >= 1 ? { allowed: true } : this.refusal({ tokens, updatedAt: bucket.updatedAt });
  }

  private refusal(bucket: Bucket): TakeResult {
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond)),
    };
  }

  /** Forgets a key (e.g. a deleted tenant). */
  forget(key: string): void {
    this.buckets.delete(key);
  }

  private refill(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= 10_000) this.sweep(now);
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsedSeconds = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsedSeconds * this.ratePerSecond);
    bucket.updatedAt = now;
    return bucket;
  }

  /** A bucket that has refilled completely is indistinguishable from a new one: drop it. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const full = bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.ratePerSecond >= this.burst;
      if (full) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
