import { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { Database } from '../../../src/storage/database.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createTenant, type TestTenant } from '../../support/tenants.js';

/**
 * Database.transaction on the pipelined connection (src/storage/pipeline.ts): a transaction issued at
 * once is one implicit transaction (no BEGIN/COMMIT, one Sync); one that waits for an answer goes on
 * with BEGIN and COMMIT. Both must keep the tenant scope for every statement, be all-or-nothing, and
 * give the connection back clean.
 */
describe('pipelined tenant transactions', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let db: Database;
  let pool: pg.Pool;

  beforeAll(async () => {
    t = await startTestApp({});
    tenant = await createTenant(t.app, 'Pipelined');
    db = t.app.get(Database);
    pool = (await t.app.get(EntityManager).getConnection().getNativeClient()) as pg.Pool;
  });
  afterAll(() => t?.close());

  /** How many times pg's Client.query is called while `work` runs (one per message group sent). */
  async function queriesDuring<T>(work: () => Promise<T>): Promise<{ result: T; queries: number }> {
    const original = pg.Client.prototype.query;
    let queries = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      queries++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      return { result: await work(), queries };
    } finally {
      pg.Client.prototype.query = original;
    }
  }

  const auditRows = async () =>
    (
      await t.db.client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_event WHERE tenant_id = $1',
        [tenant.tenantId],
      )
    ).rows[0].n;

  const insertAudit = `INSERT INTO audit_event (tenant_id, api_key_id, request_id, operation, resource_type, resource_id, attributes)
    VALUES ($1, $2, 'req', 'create', 'User', gen_random_uuid(), '{}')`;

  it('a transaction issued at once is one query on the connection, scoped to its tenant', async () => {
    const { result, queries } = await queriesDuring(() =>
      db.transaction(tenant.tenantId, (tx) => {
        const read = tx.sql<{ tenant: string; role: string }>(
          `SELECT current_setting('app.tenant_id') AS tenant, current_user AS role`,
        );
        tx.commit();
        return read;
      }),
    );
    expect(queries).toBe(1);
    expect(result.rows).toEqual([{ tenant: tenant.tenantId, role: 'scim_app' }]);
  });

  it('one that waits for an answer keeps the scope and the transaction across round trips', async () => {
    const before = await auditRows();
    const { result, queries } = await queriesDuring(() =>
      db.transaction(tenant.tenantId, async (tx) => {
        const first = await tx.sql<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
        await tx.sql(insertAudit, [tenant.tenantId, tenant.apiKeyId]);
        const second = await tx.sql<{ xid: string; tenant: string }>(
          `SELECT pg_current_xact_id()::text AS xid, current_setting('app.tenant_id') AS tenant`,
        );
        return { first: first.rows[0].xid, second: second.rows[0] };
      }),
    );
    expect(result.second).toEqual({ xid: result.first, tenant: tenant.tenantId });
    expect(queries).toBeGreaterThan(1);
    expect(await auditRows()).toBe(before + 1);
  });

  it('a failing statement rolls back the ones before it and the ones after it never run', async () => {
    const before = await auditRows();
    let after: Promise<unknown> | undefined;
    const failure = await db
      .transaction(tenant.tenantId, (tx) => {
        void tx.sql(insertAudit, [tenant.tenantId, tenant.apiKeyId]);
        const failing = tx.sql('SELECT 1 / 0');
        after = tx.sql(insertAudit, [tenant.tenantId, tenant.apiKeyId]);
        tx.commit();
        return failing;
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toMatchObject({ code: '22012' });
    await expect(after).rejects.toMatchObject({ code: '25P02' });
    expect(await auditRows()).toBe(before);
  });

  it('the same failure after a round trip (BEGIN … COMMIT) rolls back too', async () => {
    const before = await auditRows();
    const failure = await db
      .transaction(tenant.tenantId, async (tx) => {
        await tx.sql(insertAudit, [tenant.tenantId, tenant.apiKeyId]);
        const failing = tx.sql('SELECT 1 / 0');
        void tx.sql(insertAudit, [tenant.tenantId, tenant.apiKeyId]);
        tx.commit();
        return failing;
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toMatchObject({ code: '22012' });
    expect(await auditRows()).toBe(before);
  });

  it('gives every connection back idle and usable, after successes and failures alike', async () => {
    const runs = Array.from({ length: 30 }, (_, i) =>
      db
        .transaction(tenant.tenantId, (tx) => {
          const read = tx.sql(i % 3 === 0 ? 'SELECT 1 / 0' : 'SELECT 1 AS one');
          tx.commit();
          return read;
        })
        .then(
          () => 'ok',
          () => 'failed',
        ),
    );
    const outcomes = await Promise.all(runs);
    expect(outcomes.filter((outcome) => outcome === 'failed')).toHaveLength(10);
    expect(pool.totalCount - pool.idleCount).toBe(0);
    const clients = await Promise.all(Array.from({ length: pool.idleCount }, () => pool.connect()));
    try {
      for (const client of clients) {
        const { rows } = await client.query<{ status: string; tenant: string | null }>(
          `SELECT current_setting('app.tenant_id', true) AS tenant, current_user = session_user AS status`,
        );
        // Nothing of the last transaction on this connection is left: no tenant, the connecting role.
        expect(rows[0].tenant ?? '').toBe('');
        expect(rows[0].status).toBe(true);
      }
    } finally {
      for (const client of clients) client.release();
    }
  });

  it('prepares a statement once per connection, and a failed one is prepared again, never lost', async () => {
    const run = (text: string, values: unknown[]) =>
      db
        .transaction(tenant.tenantId, (tx) => {
          const read = tx.sql<{ v: number }>(text, values);
          tx.commit();
          return read;
        })
        .then(
          (result) => result.rows[0].v,
          (error: { code?: string }) => error.code,
        );
    const divide = 'SELECT 10 / $1::int AS v';
    const outcomes = [];
    // More runs than the pool has connections, failing at execution (division by zero) in between.
    for (let i = 0; i < 45; i++) outcomes.push(await run(divide, [i % 3 === 0 ? 0 : 5]));
    expect(outcomes.filter((v) => v === '22012')).toHaveLength(15);
    expect(outcomes.filter((v) => v === 2)).toHaveLength(30);
    // Failing at parse time, then the same name's statement still works on every connection.
    expect(await run('SELECT 1 AS v FROM no_such_table', [])).toBe('42P01');
    for (let i = 0; i < 25; i++) expect(await run(divide, [5])).toBe(2);
    // On the pool's connections: the statement that ran is prepared, the one that failed to parse is not.
    const statements = await preparedOnPool(pool);
    expect(statements.some((text) => text === divide)).toBe(true);
    expect(statements.some((text) => text.includes('no_such_table'))).toBe(false);
  });

  it('prepares nothing with DB_PREPARED_STATEMENTS=false (a pooler that cannot carry named statements)', async () => {
    const unprepared = await startTestApp({ DB_PREPARED_STATEMENTS: 'false' });
    try {
      const other = await createTenant(unprepared.app, 'Unprepared');
      const otherDb = unprepared.app.get(Database);
      for (let i = 0; i < 10; i++) {
        const { rows } = await otherDb.transaction(other.tenantId, (tx) => {
          const read = tx.sql<{ tenant: string }>(`SELECT current_setting('app.tenant_id') AS tenant`);
          tx.commit();
          return read;
        });
        expect(rows[0].tenant).toBe(other.tenantId);
      }
      const otherPool = (await unprepared.app
        .get(EntityManager)
        .getConnection()
        .getNativeClient()) as pg.Pool;
      expect(await preparedOnPool(otherPool)).toEqual([]);
    } finally {
      await unprepared.close();
    }
  });
});

/** The statements prepared on the pool's idle connections (pg_prepared_statements is per connection). */
async function preparedOnPool(pool: pg.Pool): Promise<string[]> {
  const clients = await Promise.all(Array.from({ length: pool.idleCount }, () => pool.connect()));
  try {
    const texts: string[] = [];
    for (const client of clients) {
      const { rows } = await client.query<{ statement: string }>(
        `SELECT statement FROM pg_prepared_statements WHERE name LIKE 'scim\\_%'`,
      );
      texts.push(...rows.map((row) => row.statement));
    }
    return texts;
  } finally {
    for (const client of clients) client.release();
  }
}
