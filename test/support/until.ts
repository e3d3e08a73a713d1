import type pg from 'pg';

/**
 * Reads `read` until `done` holds for what it read, for at most `timeoutMs`, `intervalMs` apart, and
 * returns the last value read: the caller's assertion on it then says what it was when time ran out.
 * For what a test waits on that happens a moment later (a background worker, a pool, another backend).
 */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 10_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const reads = Math.max(1, Math.ceil(timeoutMs / intervalMs));
  let value = await read();
  for (let count = 1; count < reads && !done(value); count++) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  return value;
}

/** Until a backend of `client`'s database waits for a lock (bounded: 10 s); throws when none did. */
export async function untilOneWaitsForALock(client: pg.Client): Promise<void> {
  const waiting = await until(
    async () =>
      (
        await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )
      ).rows[0].n,
    (n) => n > 0,
  );
  if (waiting === 0) throw new Error('no backend waited for a lock');
}
