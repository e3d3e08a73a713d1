import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  parseRetrySchedule,
  retryDelayMs,
  RETRY_JITTER,
  scheduleSpanSeconds,
} from '../../../src/domain/webhooks/retry-schedule.js';

describe('the webhook retry schedule', () => {
  it('retries nine times over about three days by default (Standard Webhooks-style exponential backoff)', () => {
    expect(DEFAULT_RETRY_SCHEDULE_SECONDS).toHaveLength(9);
    const hours = scheduleSpanSeconds(DEFAULT_RETRY_SCHEDULE_SECONDS) / 3600;
    expect(hours).toBeGreaterThan(66);
    expect(hours).toBeLessThan(78);
    // Never shorter than the delay before it: backoff.
    for (let i = 1; i < DEFAULT_RETRY_SCHEDULE_SECONDS.length; i++) {
      expect(DEFAULT_RETRY_SCHEDULE_SECONDS[i]).toBeGreaterThanOrEqual(DEFAULT_RETRY_SCHEDULE_SECONDS[i - 1]);
    }
  });

  it.each([
    [1, 5_000],
    [2, 300_000],
    [9, 72_000_000],
  ])('after %i failed attempt(s) waits the schedule’s delay (%i ms without jitter)', (failed, ms) => {
    expect(retryDelayMs(DEFAULT_RETRY_SCHEDULE_SECONDS, failed, () => 0.5)).toBe(ms);
  });

  it('gives up once the schedule is spent', () => {
    expect(retryDelayMs(DEFAULT_RETRY_SCHEDULE_SECONDS, 10)).toBeUndefined();
    expect(retryDelayMs([1], 2)).toBeUndefined();
    expect(retryDelayMs([1], 0)).toBeUndefined();
  });

  it(`adds ±${RETRY_JITTER * 100} % of jitter, so retries of many deliveries spread out`, () => {
    expect(retryDelayMs([100], 1, () => 0)).toBe(80_000);
    expect(retryDelayMs([100], 1, () => 0.999999)).toBeCloseTo(120_000, -1);
    for (let i = 0; i < 200; i++) {
      const delay = retryDelayMs([10], 1)!;
      expect(delay).toBeGreaterThanOrEqual(8_000);
      expect(delay).toBeLessThanOrEqual(12_000);
    }
  });

  it.each([
    ['5s,5m,30m,2h', [5, 300, 1800, 7200]],
    ['200ms, 1.5s ,10', [0.2, 1.5, 10]],
  ])('reads WEBHOOK_RETRY_SCHEDULE %s', (text, seconds) => {
    expect(parseRetrySchedule(text)).toEqual(seconds);
  });

  it.each(['', '5s,,5m', '0s', '-1s', '5d', 'soon', '200h', Array(51).fill('1s').join(',')])(
    'refuses the schedule %j',
    (text) => {
      expect(parseRetrySchedule(text)).toBeUndefined();
    },
  );
});
