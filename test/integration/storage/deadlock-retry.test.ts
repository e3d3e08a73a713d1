import { Database, type TenantTx } from '../../../src/storage/database.js';
import { pgErrorCode, PG_DEADLOCK_DETECTED } from '../../../src/storage/pg-errors.js';
import { DEADLOCK_ATTEMPTS, type TransactionOptions } from '../../../src/storage/tenant-scope.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createTenant, type TestTenant } from '../../support/tenants.js';

/**
 * TransactionOptions.retryDeadlocks: two transactions that take two locks in opposite orders, each
 * waiting until the other holds its first, deadlock for certain. PostgreSQL ends one of them; with
 * the option its work runs again (after the other commits) and both succeed.
 */
describe('a transaction ended by a deadlock', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let db: Database;
  let keys = 0x5e_0000;

  beforeAll(async () => {
    t = await startTestApp({});
    tenant = await createTenant(t.app, 'Deadlocks');
    db = t.app.get(Database);
  });
  afterAll(() => t?.close());

  /** Both transactions, and how many times each one's work ran. */
  async function crossedLocks(options: TransactionOptions) {
    const [first, second] = [++keys, ++keys];
    const held: (() => void)[] = [];
    const holding = [0, 1].map((i) => new Promise<void>((resolve) => (held[i] = resolve)));
    const runs = [0, 0];
    const lock = (tx: TenantTx, key: number) => tx.sql('SELECT pg_advisory_xact_lock($1)', [key]);
    const crossing = (i: number, mine: number, theirs: number) =>
      db.transaction(
        tenant.tenantId,
        async (tx) => {
          runs[i]++;
          await lock(tx, mine);
          held[i]();
          await holding[1 - i];
          await lock(tx, theirs);
          return i;
        },
        options,
      );
    const outcomes = await Promise.allSettled([crossing(0, first, second), crossing(1, second, first)]);
    return { outcomes, runs };
  }

  it('fails one of them without the option (so the test can tell)', async () => {
    const { outcomes, runs } = await crossedLocks({});
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(pgErrorCode((failed[0] as PromiseRejectedResult).reason)).toBe(PG_DEADLOCK_DETECTED);
    expect(runs).toEqual([1, 1]);
  });

  it('runs the one PostgreSQL ended again with retryDeadlocks, and both commit', async () => {
    const { outcomes, runs } = await crossedLocks({ retryDeadlocks: true });
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(outcomes.map((o) => (o as PromiseFulfilledResult<number>).value)).toEqual([0, 1]);
    expect([...runs].sort()).toEqual([1, 2]);
  });

  it('gives up after DEADLOCK_ATTEMPTS and reports the deadlock', async () => {
    // Work that deadlocks on every attempt: a fresh pair of crossed locks each time.
    let attempts = 0;
    const result = db.transaction(
      tenant.tenantId,
      async () => {
        attempts++;
        const { outcomes } = await crossedLocks({});
        const failed = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        throw failed.reason;
      },
      { retryDeadlocks: true },
    );
    await expect(result).rejects.toMatchObject({ code: PG_DEADLOCK_DETECTED });
    expect(attempts).toBe(DEADLOCK_ATTEMPTS);
  });
});
