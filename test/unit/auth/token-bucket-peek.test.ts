import { TokenBuckets } from '../../../src/modules/auth/token-bucket.js';

describe('TokenBuckets.peek (the failed-authentication limit checks before it spends)', () => {
  function buckets(rate: number, burst: number) {
    let now = 0;
    const limiter = new TokenBuckets(rate, burst, () => now);
    return { limiter, advance: (ms: number) => (now += ms) };
  }

  it('allows an unknown key without creating a bucket', () => {
    const { limiter } = buckets(1, 2);
    expect(limiter.peek('10.0.0.1')).toEqual({ allowed: true });
    expect(limiter.size).toBe(0);
  });

  it('refuses once the burst is spent, with the seconds until the next token, and spends nothing', () => {
    const { limiter, advance } = buckets(0.5, 2);
    limiter.take('10.0.0.1');
    expect(limiter.peek('10.0.0.1')).toEqual({ allowed: true });
    limiter.take('10.0.0.1');
    expect(limiter.peek('10.0.0.1')).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect(limiter.peek('10.0.0.1')).toEqual({ allowed: false, retryAfterSeconds: 2 });
    advance(2000);
    expect(limiter.peek('10.0.0.1')).toEqual({ allowed: true });
    expect(limiter.peek('10.0.0.2')).toEqual({ allowed: true });
  });
});
