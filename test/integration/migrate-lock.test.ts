import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateDatabase } from '../../src/database/migrate.js';
import { MIGRATIONS } from '../../src/database/migrations/index.js';
import { adminUrl, databaseUrl } from '../support/database-urls.js';

const ROUNDS = 3;
const INSTANCES = 3;

async function asAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * Several instances of the server starting together (a rolling deploy, `docker compose up --scale`)
 * each migrate the same database at boot. They must take turns: one applies every migration, the
 * others find nothing pending, and none fails on a half-created type or table.
 */
describe('migrating one fresh database from several instances at once', () => {
  it('every instance succeeds and each migration is applied exactly once', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `scim_m_${randomBytes(6).toString('hex')}`;
      await asAdmin(`CREATE DATABASE ${name}`);
      try {
        const url = databaseUrl(name);
        const results = await Promise.allSettled(
          Array.from({ length: INSTANCES }, () => migrateDatabase(url)),
        );
        expect(results.map((result) => result.status)).toEqual(Array(INSTANCES).fill('fulfilled'));
        const applied = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
        expect(applied.sort()).toEqual(MIGRATIONS.map((migration) => migration.name).sort());
      } finally {
        await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    }
  });
});
