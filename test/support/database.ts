import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEMPLATE_DATABASE, adminUrl, appDatabaseUrl, databaseUrl } from './database-urls.js';

export interface TestDatabase {
  name: string;
  /** What the application connects with (through PgBouncer under `npm run test:pgbouncer`). */
  url: string;
  /** The server itself, never through PgBouncer: what LISTEN and session-level locks need. */
  directUrl: string;
  /** A connected client on the database, for direct SQL in tests. */
  client: pg.Client;
  drop(): Promise<void>;
}

/**
 * A fresh database cloned from the migrated template: every test file gets its own, so files run in
 * parallel workers without seeing each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `scim_t_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`));
  const directUrl = databaseUrl(name);
  const url = appDatabaseUrl(name);
  const client = new pg.Client({ connectionString: directUrl });
  await client.connect();
  return {
    name,
    url,
    directUrl,
    client,
    drop: async () => {
      await client.end();
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
