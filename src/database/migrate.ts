import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { ormConfig } from './mikro-orm.config.js';

/**
 * The keys of the session advisory lock held while migrating. Advisory lock keys are global to the
 * database: the first key names what is locked (group nesting uses 0x5c16e57), keep them distinct.
 */
const MIGRATION_LOCK = [0x5c1_6e58, 0] as const;

/**
 * Applies pending migrations to the database at `databaseUrl`; returns the names applied.
 *
 * Several instances starting together each migrate at boot; unserialized, they race on creating the
 * same tables and types (`duplicate key value violates unique constraint "pg_type_typname_nsp_index"`).
 * So the whole run, from creating the migrations table on, holds a session advisory lock on a
 * connection of its own: the others wait, then find nothing pending. If the process dies, its
 * connection closes and PostgreSQL releases the lock.
 */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  return withMigrationLock(databaseUrl, async () => {
    const orm = await MikroORM.init(ormConfig({ databaseUrl }));
    try {
      const applied = await orm.migrator.up();
      return applied.map((migration) => migration.name);
    } finally {
      await orm.close(true);
    }
  });
}

/** Runs `work` while holding the migration lock of the database at `databaseUrl`. */
export async function withMigrationLock<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const holder = new pg.Client({ connectionString: databaseUrl });
  // A dropped connection must not take the process down; the lock goes with it and `work` fails alone.
  holder.on('error', () => undefined);
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
    try {
      return await work();
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    await holder.end().catch(() => undefined);
  }
}
