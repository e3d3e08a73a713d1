/**
 * When a failed delivery is tried again (docs/events.md, "Retries"): the delays after the first
 * attempt, in seconds. The default spreads nine retries over about three days (71 h 35 min), a
 * receiver down for a deploy gets its events within seconds, one down for a weekend still gets them:
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 20 h. After the last one fails the delivery is
 * given up and its endpoint disabled (it has then been failing for about three days).
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = [
  5,
  5 * 60,
  30 * 60,
  2 * 3600,
  5 * 3600,
  10 * 3600,
  14 * 3600,
  20 * 3600,
  20 * 3600,
];

/** How much a delay varies (± this fraction), so retries of many deliveries do not arrive together. */
export const RETRY_JITTER = 0.2;

/**
 * Reads a schedule written as comma-separated delays, each a number with an optional unit (`ms`, `s`,
 * `m`, `h`; seconds without one): `5s,5m,30m,2h`. Undefined when the text is not one.
 */
export function parseRetrySchedule(text: string): number[] | undefined {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.length > 50) return undefined;
  const seconds: number[] = [];
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(part);
    if (!match) return undefined;
    const value = Number(match[1]) * UNIT_SECONDS[match[2] ?? 's'];
    if (!Number.isFinite(value) || value <= 0 || value > 7 * 24 * 3600) return undefined;
    seconds.push(value);
  }
  return seconds;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * The delay before the next attempt of a delivery that has failed `failedAttempts` times (1 after the
 * first attempt), in ms, with ±RETRY_JITTER of jitter drawn from `random` (0 ≤ random() < 1);
 * undefined when the schedule is spent and the delivery is given up.
 */
export function retryDelayMs(
  schedule: readonly number[],
  failedAttempts: number,
  random: () => number = Math.random,
): number | undefined {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) return undefined;
  const base = schedule[failedAttempts - 1];
  if (base === undefined) return undefined;
  const factor = 1 - RETRY_JITTER + 2 * RETRY_JITTER * random();
  return Math.max(1, Math.round(base * 1000 * factor));
}

/** How long the whole schedule lasts, in seconds (without jitter): how long an endpoint fails before it is disabled. */
export function scheduleSpanSeconds(schedule: readonly number[]): number {
  return schedule.reduce((total, delay) => total + delay, 0);
}
