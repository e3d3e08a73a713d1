import { TokenBuckets } from '../../../src/modules/auth/token-bucket.js';

describe('TokenBuckets (per-tenant rate limit)', () => {
  function buckets(rate: number, burst: number) {
    let now = 0;
    const limiter = new TokenBuckets(rate, burst, () => now);
    return { limiter, advance: (ms: number) => (now += ms) };
  }

  it('lets a burst through at once, then refuses with the seconds until the next token', () => {
    const { limiter } = buckets(2, 5);
    const results = Array.from({ length: 6 }, () => limiter.take('acme'));
    expect(results.slice(0, 5)).toEqual(Array(5).fill({ allowed: true }));
    expect(results[5]).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('refills at the sustained rate, never above the burst', () => {
    const { limiter, advance } = buckets(10, 3);
    for (let i = 0; i < 3; i++) limiter.take('acme');
    expect(limiter.take('acme').allowed).toBe(false);
    advance(100); // one token at 10/s
    expect(limiter.take('acme').allowed).toBe(true);
    expect(limiter.take('acme').allowed).toBe(false);
    advance(60_000);
    const afterIdle = Array.from({ length: 4 }, () => limiter.take('acme').allowed);
    expect(afterIdle).toEqual([true, true, true, false]);
  });

  it('rounds Retry-After up to whole seconds for slow rates', () => {
    const { limiter, advance } = buckets(0.25, 1);
    limiter.take('acme');
    expect(limiter.take('acme')).toEqual({ allowed: false, retryAfterSeconds: 4 });
    advance(3_000);
    expect(limiter.take('acme')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('keeps one bucket per tenant', () => {
    const { limiter } = buckets(1, 1);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('forgets full buckets when many tenants have been seen, so memory stays bounded', () => {
    const { limiter, advance } = buckets(100, 10);
    for (let i = 0; i < 10_000; i++) limiter.take(`t${i}`);
    expect(limiter.size).toBe(10_000);
    advance(1_000);
    limiter.take('newcomer');
    expect(limiter.size).toBe(1);
  });
});
