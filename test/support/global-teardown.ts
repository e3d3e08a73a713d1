export default async function globalTeardown(): Promise<void> {
  const bouncer = (globalThis as { __PGBOUNCER__?: { stop(): Promise<void> } }).__PGBOUNCER__;
  await bouncer?.stop();
  const embedded = (globalThis as { __EMBEDDED_PG__?: { stop(): Promise<void> } }).__EMBEDDED_PG__;
  await embedded?.stop();
}
