/**
 * Tenant isolation enforced by PostgreSQL: row-level security on every tenant table, the request's
 * tenant set once per transaction (TENANT_SCOPE_SQL, transaction-local, so also right through PgBouncer
 * in transaction mode), and requests running as a role that cannot bypass it. The queries here have NO
 * tenant predicate on purpose: the database alone must keep the other tenant's rows out.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { Migration20261201124500_RowLevelSecurity as RowLevelSecurity } from '../../src/database/migrations/Migration20261201124500_RowLevelSecurity.js';
import { loadConfig } from '../../src/config/config.js';
import { rowLevelSecurityBypass } from '../../src/database/rls-check.js';
import { startServer } from '../../src/server.js';
import { APP_ROLE, TENANT_SCOPE_SQL, tenantScopeParams } from '../../src/storage/tenant-scope.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TENANT_A = '00000000-0000-4000-8000-00000000000a';
const TENANT_B = '00000000-0000-4000-8000-00000000000b';

/** Every table whose rows belong to a tenant. */
const TENANT_TABLES = [
  'scim_user',
  'scim_group',
  'scim_membership',
  'api_key',
  'audit_event',
  'change_event',
  'change_event_horizon',
  'setup_link',
  'console_session',
  'scim_connection',
];

/**
 * Operator tables with a tenant_id (webhooks, docs/events.md): row-level security and a policy like
 * every tenant table, but no grant: requests never read them (they hold the webhook signing secrets).
 */
const OPERATOR_TABLES = ['webhook_attempt', 'webhook_chain', 'webhook_delivery', 'webhook_endpoint'];

let db: TestDatabase;
/** One connection, as a pool hands it to one transaction after another. */
let pool: pg.Pool;

async function seedTenant(tenantId: string, name: string): Promise<void> {
  const user = randomUUID();
  const group = randomUUID();
  const key = randomUUID();
  const c = db.client;
  await c.query('INSERT INTO tenant (id, name) VALUES ($1, $2)', [tenantId, name]);
  await c.query(
    `INSERT INTO scim_user (tenant_id, id, user_name, created_at, last_modified, data)
     VALUES ($1, $2, $3, now(), now(), '{}')`,
    [tenantId, user, `${name}-user`],
  );
  await c.query(
    `INSERT INTO scim_group (tenant_id, id, display_name, created_at, last_modified, data)
     VALUES ($1, $2, $3, now(), now(), '{}')`,
    [tenantId, group, `${name}-group`],
  );
  await c.query(
    `INSERT INTO scim_membership (tenant_id, group_id, member_id, member_type) VALUES ($1, $2, $3, 'User')`,
    [tenantId, group, user],
  );
  await c.query(`INSERT INTO api_key (id, tenant_id, name, token_hash) VALUES ($1, $2, $3, 'hash')`, [
    key,
    tenantId,
    `${name}-key`,
  ]);
  await c.query(
    `INSERT INTO audit_event (tenant_id, api_key_id, request_id, operation, resource_type, resource_id, attributes)
     VALUES ($1, $2, 'req', 'create', 'User', $3, '{}')`,
    [tenantId, key, user],
  );
  await c.query(
    `INSERT INTO change_event (tenant_id, request_id, api_key_id, type, resource_type, resource_id, data)
     VALUES ($1, 'req', $2, 'user.created', 'User', $3, '{}')`,
    [tenantId, key, user],
  );
  await c.query(`INSERT INTO change_event_horizon (tenant_id, xid, seq) VALUES ($1, '1', 0)`, [tenantId]);
  const link = randomUUID();
  await c.query(
    `INSERT INTO setup_link (id, tenant_id, token_hash, expires_at) VALUES ($1, $2, 'hash', now() + interval '1 day')`,
    [link, tenantId],
  );
  await c.query(
    `INSERT INTO console_session (id_hash, role, tenant_id, setup_link_id, csrf_token, expires_at)
     VALUES ($1, 'tenantAdmin', $2, $3, 'csrf', now() + interval '1 hour')`,
    [`${name}-session`, tenantId, link],
  );
  await c.query(`INSERT INTO scim_connection (tenant_id, last_request_at) VALUES ($1, now())`, [tenantId]);
}

/** Runs `work` in one transaction on the pool's connection, always ending it (COMMIT, or ROLLBACK on error). */
async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  } finally {
    client.release();
  }
}

async function tenantsSeen(client: pg.PoolClient, table: string): Promise<string[]> {
  const { rows } = await client.query<{ tenant_id: string }>(
    `SELECT DISTINCT tenant_id::text FROM "${table}" ORDER BY 1`,
  );
  return rows.map((row) => row.tenant_id);
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 1 });
  await seedTenant(TENANT_A, 'a');
  await seedTenant(TENANT_B, 'b');
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe('row-level security on the tenant tables', () => {
  it.each(TENANT_TABLES)(
    'a query on %s without a tenant predicate returns only the scoped tenant',
    async (table) => {
      for (const tenant of [TENANT_A, TENANT_B]) {
        const seen = await inTransaction(async (client) => {
          await client.query(TENANT_SCOPE_SQL, tenantScopeParams(tenant));
          return tenantsSeen(client, table);
        });
        expect(seen).toEqual([tenant]);
      }
    },
  );

  it('the owner sees both tenants: the rows are there, the policy is what hides them', async () => {
    const seen = await inTransaction((client) => tenantsSeen(client, 'scim_user'));
    expect(seen).toEqual([TENANT_A, TENANT_B]);
  });

  it.each(TENANT_TABLES)(
    'as the application role without a tenant, %s returns nothing (no error)',
    async (table) => {
      const seen = await inTransaction(async (client) => {
        await client.query(`SELECT set_config('role', $1, true)`, [APP_ROLE]);
        return tenantsSeen(client, table);
      });
      expect(seen).toEqual([]);
    },
  );

  it('an empty tenant setting matches no row either', async () => {
    const seen = await inTransaction(async (client) => {
      await client.query(TENANT_SCOPE_SQL, tenantScopeParams(''));
      return tenantsSeen(client, 'scim_user');
    });
    expect(seen).toEqual([]);
  });

  it('scoped to tenant A, inserting a row of tenant B is refused (WITH CHECK) and nothing is written', async () => {
    const insertForB = inTransaction(async (client) => {
      await client.query(TENANT_SCOPE_SQL, tenantScopeParams(TENANT_A));
      await client.query(
        `INSERT INTO scim_user (tenant_id, id, user_name, created_at, last_modified, data)
         VALUES ($1, $2, 'smuggled', now(), now(), '{}')`,
        [TENANT_B, randomUUID()],
      );
    });
    await expect(insertForB).rejects.toMatchObject({ code: '42501' });
    const { rows } = await db.client.query(`SELECT 1 FROM scim_user WHERE user_name = 'smuggled'`);
    expect(rows).toHaveLength(0);
  });

  it("scoped to tenant A, updates and deletes without a tenant predicate leave tenant B's rows alone", async () => {
    const counts = await inTransaction(async (client) => {
      await client.query(TENANT_SCOPE_SQL, tenantScopeParams(TENANT_A));
      const updated = await client.query(`UPDATE scim_user SET display_name = 'touched'`);
      // Moving a row of A to B is refused like an insert for B.
      await client.query('SAVEPOINT move');
      const moved = await client.query(`UPDATE scim_group SET tenant_id = $1`, [TENANT_B]).then(
        () => 'moved',
        (error: { code?: string }) => error.code,
      );
      await client.query('ROLLBACK TO SAVEPOINT move');
      const deleted = await client.query(`DELETE FROM scim_membership`);
      return { updated: updated.rowCount, moved, deleted: deleted.rowCount };
    });
    expect(counts).toEqual({ updated: 1, moved: '42501', deleted: 1 });
    const { rows } = await db.client.query<{ tenant_id: string; display_name: string | null }>(
      'SELECT tenant_id::text, display_name FROM scim_user ORDER BY tenant_id',
    );
    expect(rows).toEqual([
      { tenant_id: TENANT_A, display_name: 'touched' },
      { tenant_id: TENANT_B, display_name: null },
    ]);
    const memberships = await db.client.query<{ tenant_id: string }>(
      'SELECT tenant_id::text FROM scim_membership',
    );
    expect(memberships.rows).toEqual([{ tenant_id: TENANT_B }]);
  });

  it('the audit trail and the change events are append-only for requests, also for their own tenant', async () => {
    for (const statement of [
      `UPDATE audit_event SET request_id = 'forged'`,
      'DELETE FROM audit_event',
      `UPDATE change_event SET request_id = 'forged'`,
      'DELETE FROM change_event',
      'DELETE FROM change_event_horizon',
    ]) {
      const outcome = inTransaction(async (client) => {
        await client.query(TENANT_SCOPE_SQL, tenantScopeParams(TENANT_A));
        await client.query(statement);
      });
      await expect(outcome).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('a request sees and may lock its own tenant row only, and may not change it', async () => {
    const outcome = await inTransaction(async (client) => {
      await client.query(TENANT_SCOPE_SQL, tenantScopeParams(TENANT_A));
      const visible = await client.query<{ id: string }>('SELECT id::text FROM tenant');
      // The first statement of every SCIM write (resource-store.ts, lockTenant).
      const ownLock = await client.query('SELECT 1 FROM tenant WHERE id = $1 FOR KEY SHARE', [TENANT_A]);
      const otherLock = await client.query('SELECT 1 FROM tenant WHERE id = $1 FOR KEY SHARE', [TENANT_B]);
      await client.query('SAVEPOINT rename');
      const rename = await client.query(`UPDATE tenant SET name = 'renamed'`).then(
        () => 'renamed',
        (error: { code?: string }) => error.code,
      );
      await client.query('ROLLBACK TO SAVEPOINT rename');
      return {
        visible: visible.rows.map((row) => row.id),
        ownLock: ownLock.rowCount,
        otherLock: otherLock.rowCount,
        rename,
      };
    });
    expect(outcome).toEqual({ visible: [TENANT_A], ownLock: 1, otherLock: 0, rename: '42501' });
  });

  it('the scope ends with its transaction: the next one on the same pooled connection has no tenant and the connecting role', async () => {
    const scoped = await inTransaction(async (client) => {
      await client.query(TENANT_SCOPE_SQL, tenantScopeParams(TENANT_A));
      return (
        await client.query<{ pid: number; role: string }>(
          'SELECT pg_backend_pid() AS pid, current_user AS role',
        )
      ).rows[0];
    });
    expect(scoped.role).toBe(APP_ROLE);
    // Ended by ROLLBACK as well as by COMMIT.
    await expect(
      inTransaction(async (client) => {
        await client.query(TENANT_SCOPE_SQL, tenantScopeParams(TENANT_B));
        throw new Error('abandoned');
      }),
    ).rejects.toThrow('abandoned');

    const after = await inTransaction(async (client) => {
      const state = await client.query<{ pid: number; role: string; tenant: string | null }>(
        `SELECT pg_backend_pid() AS pid, current_user AS role, current_setting('app.tenant_id', true) AS tenant`,
      );
      // The tenant did not survive: as the application role, the next transaction sees nothing.
      await client.query(`SELECT set_config('role', $1, true)`, [APP_ROLE]);
      return { ...state.rows[0], seen: await tenantsSeen(client, 'scim_user') };
    });
    expect(after.pid).toBe(scoped.pid);
    expect(after.role).toBe(new URL(db.url).username);
    expect(after.tenant ?? '').toBe('');
    expect(after.seen).toEqual([]);
  });
});

describe('the application role', () => {
  it('cannot bypass row-level security: no superuser, no BYPASSRLS, no login, owns no table', async () => {
    const { rows } = await db.client.query(
      `SELECT r.rolsuper, r.rolbypassrls, r.rolcanlogin,
              (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owned
         FROM pg_roles r WHERE r.rolname = $1`,
      [APP_ROLE],
    );
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false, rolcanlogin: false, owned: 0 }]);
  });

  it('every table with a tenant_id column, and the tenant table, has row-level security, a policy and grants', async () => {
    const { rows } = await db.client.query<{ table: string }>(
      `SELECT c.relname AS table, c.relrowsecurity AS enabled,
              EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) AS "hasPolicy",
              has_table_privilege($1, c.oid, 'SELECT') AS readable
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        WHERE c.relkind IN ('r', 'p')
          AND (c.relname = 'tenant' OR EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
        ORDER BY c.relname`,
      [APP_ROLE],
    );
    expect(rows).toEqual(
      [...TENANT_TABLES, 'tenant', ...OPERATOR_TABLES].sort().map((table) => ({
        table,
        enabled: true,
        hasPolicy: true,
        readable: !OPERATOR_TABLES.includes(table),
      })),
    );
  });

  it("may touch no other table (the migrations' bookkeeping stays the owner's)", async () => {
    const { rows } = await db.client.query<{ table: string }>(
      `SELECT c.relname AS table
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        WHERE c.relkind IN ('r', 'p') AND has_table_privilege($1, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
        ORDER BY c.relname`,
      [APP_ROLE],
    );
    expect(rows.map((row) => row.table)).toEqual([...TENANT_TABLES, 'tenant'].sort());
  });
});

describe('the start-up check', () => {
  /** A login role of this test, dropped with its privileges at the end (roles are cluster-wide). */
  async function withLoginRole<T>(attributes: string, work: (url: string) => Promise<T>): Promise<T> {
    const name = `rls_test_${randomBytes(6).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await db.client.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}' ${attributes}`);
    try {
      await db.client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${name}`);
      const url = new URL(db.url);
      url.username = name;
      url.password = password;
      return await work(url.toString());
    } finally {
      await db.client.query(`DROP OWNED BY ${name}`);
      await db.client.query(`DROP ROLE ${name}`);
    }
  }

  it('finds nothing to report for the connecting owner that switches to the application role', async () => {
    expect(await rowLevelSecurityBypass(db.url)).toBeUndefined();
  });

  it('finds nothing to report for a role that may switch to the application role', async () => {
    await withLoginRole('', async (url) => {
      await db.client.query(`GRANT ${APP_ROLE} TO ${new URL(url).username}`);
      expect(await rowLevelSecurityBypass(url)).toBeUndefined();
    });
  });

  it('says in one line that requests bypass row-level security when they would run as a BYPASSRLS role', async () => {
    await withLoginRole('BYPASSRLS', async (url) => {
      const line = await rowLevelSecurityBypass(url);
      expect(line).toMatch(
        /^row-level security is BYPASSED on .*scim_user.*: requests run as "rls_test_\w+", which has BYPASSRLS/,
      );
      expect(line).not.toContain('\n');
    });
  });

  it('the server says so at start in one line, and starts', async () => {
    await withLoginRole('BYPASSRLS', async (url) => {
      const lines: string[] = [];
      const config = loadConfig({
        DATABASE_URL: url,
        MIGRATE_ON_START: 'false',
        PORT: '0',
        METRICS_PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
      });
      const server = await startServer(config, (line) => lines.push(line));
      try {
        expect(lines.filter((line) => /row-level security is BYPASSED/.test(line))).toEqual([
          expect.stringMatching(
            /^ERROR row-level security is BYPASSED on .*: requests run as "rls_test_\w+", which has BYPASSRLS/,
          ),
        ]);
        expect((await fetch(`${server.baseUrl}/health/live`)).status).toBe(200);
      } finally {
        await server.stop();
      }
    });
  });

  it('sees a plain role that cannot switch as subject to row-level security (the policies apply to every role)', async () => {
    await withLoginRole('', async (url) => {
      expect(await rowLevelSecurityBypass(url)).toBeUndefined();
    });
  });
});

describe('the migration', () => {
  /** The SQL of one direction of the migration, as the migrator would run it. */
  function statements(direction: 'up' | 'down'): string[] {
    const migration = new RowLevelSecurity(undefined as never, undefined as never);
    void migration[direction]();
    return migration.getQueries() as string[];
  }

  async function scopedUserTenants(): Promise<string[]> {
    return inTransaction(async (client) => {
      await client.query(TENANT_SCOPE_SQL, tenantScopeParams(TENANT_A));
      return tenantsSeen(client, 'scim_user');
    });
  }

  it('goes down (the role stays, it is cluster-wide) and up again over an existing role', async () => {
    for (const sql of statements('down')) await db.client.query(sql);
    // Without the policies, the application role is denied outright, not shown the other tenant.
    await expect(scopedUserTenants()).rejects.toMatchObject({ code: '42501' });
    await expect(rowLevelSecurityBypass(db.url)).resolves.toMatch(/the tables have no row-level security/);

    for (const sql of statements('up')) await db.client.query(sql);
    expect(await scopedUserTenants()).toEqual([TENANT_A]);
    expect(await rowLevelSecurityBypass(db.url)).toBeUndefined();
  });
});
