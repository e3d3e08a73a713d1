import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { migrateDatabase } from '../../src/database/migrate.js';
import { TEMPLATE_DATABASE, adminUrl } from './database-urls.js';

/**
 * Starts one PostgreSQL for the whole run (embedded on a free port, or the server at DATABASE_URL),
 * and migrates a template database once; each test file clones its own database from it.
 */
export async function startDatabase(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    // A cluster of this run's own, so runs side by side (or a server on ./.data) never collide. Under
    // the system temporary folder: run as root, PostgreSQL runs as the OS user `postgres`, which may
    // not be able to reach the checkout (a clone under /root).
    const dataDir = await mkdtemp(join(tmpdir(), 'scim-test-run-'));
    const embedded = await startEmbeddedPostgres({ dataDir, database: 'postgres' });
    (globalThis as { __EMBEDDED_PG__?: unknown }).__EMBEDDED_PG__ = {
      stop: async () => {
        await embedded.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
    serverUrl = embedded.url;
  }
  process.env.TEST_PG_SERVER_URL = serverUrl;
  // Tests pass their database URL explicitly; the app must not see one from the environment.
  delete process.env.DATABASE_URL;

  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  await migrateDatabase(urlWithDatabase(serverUrl, TEMPLATE_DATABASE));
}

function urlWithDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
