/**
 * The path past one PostgreSQL (docs/deployment.md, "Past one PostgreSQL: Citus"): the tenant tables
 * can be distributed by `tenant_id` only while every unique index, primary key and foreign key of
 * every table with a `tenant_id` column includes it (Citus enforces uniqueness and foreign keys per
 * shard, so a key without the distribution column cannot be checked). This reads the migrated
 * schema's catalog, so a new migration that adds a key without `tenant_id` fails here.
 */
import type pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * Keys that do not include tenant_id today, each with the reason and what a move to Citus does with
 * it (docs/deployment.md lists the same). A key listed here that is fixed must leave the list: the
 * test fails on a stale exception too.
 */
const EXCEPTIONS: Record<string, string> = {
  // A request names its key id before its tenant is known (Bearer scim_<key id>_<secret>): api_key is
  // looked up by id alone. Under Citus it is a reference table (small, written rarely), like tenant.
  'api_key.api_key_pkey': 'reference table: looked up by key id before the tenant is known',
  // A bigserial id; reads are always by (tenant_id, id DESC) through audit_event_tenant_idx. Before
  // distributing: PRIMARY KEY (tenant_id, id) in place of both.
  'audit_event.audit_event_pkey': 'becomes PRIMARY KEY (tenant_id, id) before distribution',
};

/**
 * Tables with a tenant_id column that are not a tenant's data and stay on the coordinator under Citus
 * (docs/deployment.md): console sessions (found by their cookie before the tenant is known; an
 * operator's has no tenant) and the webhook delivery tables (an endpoint for all tenants has no tenant,
 * and its deliveries span them all). Their keys are not checked; the list must stay exact.
 */
const COORDINATOR_TABLES = [
  'console_session',
  'webhook_attempt',
  'webhook_chain',
  'webhook_delivery',
  'webhook_endpoint',
];

/** The keys of the tables that will be distributed by tenant_id. */
async function distributedTableKeys(client: pg.Client): Promise<KeyRow[]> {
  const keys = await tenantTableKeys(client);
  // Every listed coordinator table exists (a stale entry fails).
  for (const table of COORDINATOR_TABLES)
    expect([table, keys.some((key) => key.table === table)]).toEqual([table, true]);
  return keys.filter((key) => !COORDINATOR_TABLES.includes(key.table));
}

/** Tables without tenant_id that tenant tables may reference: Citus reference tables. */
const REFERENCE_TABLES = ['tenant'];

interface KeyRow {
  table: string;
  name: string;
  kind: string;
  columns: string[];
  /** Foreign keys: the referenced table and columns, in the same order as `columns`. */
  referenced_table: string | null;
  referenced_columns: string[] | null;
  referenced_has_tenant_id: boolean | null;
}

/**
 * Every unique index (primary keys and unique constraints included), exclusion constraint and foreign
 * key of every table of the public schema that has a tenant_id column. Expression columns show as
 * `(expression)`: they never count as tenant_id.
 */
async function tenantTableKeys(client: pg.Client): Promise<KeyRow[]> {
  const { rows } = await client.query<KeyRow>(`
    WITH tenant_tables AS (
      SELECT c.oid, c.relname
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
    ), col AS (
      SELECT a.attrelid, a.attnum, a.attname::text AS name FROM pg_attribute a
    )
    SELECT t.relname AS table, i.relname AS name,
           CASE WHEN x.indisprimary THEN 'primary key' ELSE 'unique index' END AS kind,
           array(SELECT coalesce(col.name, '(expression)')
                   FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, n)
                   LEFT JOIN col ON col.attrelid = t.oid AND col.attnum = k.attnum
                  WHERE k.n <= x.indnkeyatts
                  ORDER BY k.n) AS columns,
           NULL AS referenced_table, NULL::text[] AS referenced_columns, NULL::boolean AS referenced_has_tenant_id
      FROM tenant_tables t
      JOIN pg_index x ON x.indrelid = t.oid
      JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indisunique OR x.indisexclusion
    UNION ALL
    SELECT t.relname, k.conname, 'foreign key',
           array(SELECT col.name FROM unnest(k.conkey) WITH ORDINALITY c(attnum, n)
                   JOIN col ON col.attrelid = k.conrelid AND col.attnum = c.attnum ORDER BY c.n),
           r.relname,
           array(SELECT col.name FROM unnest(k.confkey) WITH ORDINALITY c(attnum, n)
                   JOIN col ON col.attrelid = k.confrelid AND col.attnum = c.attnum ORDER BY c.n),
           EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = k.confrelid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
      FROM tenant_tables t
      JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
      JOIN pg_class r ON r.oid = k.confrelid
     ORDER BY 1, 2`);
  return rows;
}

/** The keys that would stop `create_distributed_table(<table>, 'tenant_id')`, as readable lines. */
function keysWithoutTenantId(keys: readonly KeyRow[]): string[] {
  const problems: string[] = [];
  for (const key of keys) {
    const where = `${key.table}.${key.name}`;
    const describe = `${where}: ${key.kind} (${key.columns.join(', ')})`;
    if (key.kind !== 'foreign key') {
      if (!key.columns.includes('tenant_id')) problems.push(describe);
      continue;
    }
    const referenced = `${key.referenced_table}(${(key.referenced_columns ?? []).join(', ')})`;
    if (key.referenced_has_tenant_id) {
      // Between two distributed tables: colocated only when tenant_id maps to tenant_id.
      const at = key.columns.indexOf('tenant_id');
      if (at < 0 || key.referenced_columns?.[at] !== 'tenant_id')
        problems.push(`${describe} → ${referenced}: tenant_id must reference tenant_id`);
    } else if (!REFERENCE_TABLES.includes(key.referenced_table ?? '')) {
      problems.push(
        `${describe} → ${referenced}: references a table that is neither distributed nor a reference table`,
      );
    }
  }
  return problems;
}

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

describe('Citus readiness of the migrated schema', () => {
  it('every unique index, primary key and foreign key of a tenant table includes tenant_id, but the listed exceptions', async () => {
    const keys = await distributedTableKeys(db.client);
    // The tables it looked at: the SCIM resources, keys, audit, events, setup links and connection health.
    expect(new Set(keys.map((key) => key.table))).toEqual(
      new Set([
        'api_key',
        'audit_event',
        'change_event',
        'change_event_horizon',
        'scim_connection',
        'scim_group',
        'scim_membership',
        'scim_user',
        'setup_link',
      ]),
    );
    const problems = keysWithoutTenantId(keys);
    const unexpected = problems.filter((line) => !(line.split(':')[0] in EXCEPTIONS));
    expect(unexpected).toEqual([]);
    // Every exception still is one: fixing a key means taking it off the list (and the docs).
    const excepted = problems.map((line) => line.split(':')[0]).sort();
    expect(excepted).toEqual(Object.keys(EXCEPTIONS).sort());
  });

  it('the tables without tenant_id that tenant tables reference are the documented reference tables', async () => {
    const keys = await distributedTableKeys(db.client);
    const referenced = keys.filter((key) => key.kind === 'foreign key' && !key.referenced_has_tenant_id);
    expect(new Set(referenced.map((key) => key.referenced_table))).toEqual(new Set(REFERENCE_TABLES));
  });

  it('reports a unique index, a primary key or a foreign key that leaves tenant_id out', async () => {
    // In this test's own database (a clone): what a careless migration would add.
    await db.client.query(`
      CREATE UNIQUE INDEX scratch_user_external_id_uq ON scim_user (lower(external_id));
      CREATE TABLE scratch_note (tenant_id uuid NOT NULL, id uuid PRIMARY KEY, user_id uuid NOT NULL,
                                 group_id uuid NOT NULL);
      ALTER TABLE scratch_note ADD CONSTRAINT scratch_note_user_fk
        FOREIGN KEY (tenant_id, user_id) REFERENCES scim_user (tenant_id, id);
      ALTER TABLE scratch_note ADD CONSTRAINT scratch_note_group_fk
        FOREIGN KEY (user_id, tenant_id) REFERENCES scim_group (tenant_id, id);`);
    try {
      const problems = keysWithoutTenantId(await distributedTableKeys(db.client));
      expect(problems.filter((line) => line.split(':')[0] in EXCEPTIONS)).toHaveLength(
        Object.keys(EXCEPTIONS).length,
      );
      expect(problems.filter((line) => !(line.split(':')[0] in EXCEPTIONS))).toEqual([
        'scim_user.scratch_user_external_id_uq: unique index ((expression))',
        'scratch_note.scratch_note_group_fk: foreign key (user_id, tenant_id) → scim_group(tenant_id, id): tenant_id must reference tenant_id',
        'scratch_note.scratch_note_pkey: primary key (id)',
      ]);
    } finally {
      await db.client.query(`DROP TABLE scratch_note; DROP INDEX scratch_user_external_id_uq;`);
    }
  });
});
