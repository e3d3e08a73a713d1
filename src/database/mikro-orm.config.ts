import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';

export interface OrmSettings {
  databaseUrl: string;
  debug?: boolean;
}

/** The one MikroORM configuration: the server, the tests, the migration CLI and the tools share it. */
export function ormConfig(settings: OrmSettings): Options {
  return defineConfig({
    clientUrl: settings.databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    // Never a global identity map: every request gets its own unit of work (RequestContext).
    allowGlobalContext: false,
    debug: settings.debug ?? false,
    pool: { min: 0, max: 20 },
    migrations: {
      tableName: 'mikro_orm_migrations',
      // Listed explicitly so the same migrations run from src (tests) and dist (server) without globbing.
      migrationsList: MIGRATIONS,
      path: 'src/database/migrations',
      snapshotName: '.snapshot-scim',
      emit: 'ts',
      transactional: true,
      allOrNothing: true,
      snapshotOnMigrate: false,
      // The server logs what it applied itself, as one line.
      silent: true,
    },
  });
}
