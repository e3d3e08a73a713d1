/**
 * Migration commands: `create [name]` writes a migration from the entity model's difference to the
 * committed snapshot, `check` exits 1 when the entities changed without a migration, `up` applies
 * pending migrations. Uses DATABASE_URL, or the embedded PostgreSQL under DATA_DIR.
 */
// First: on a too old Node.js, say so in one line before anything else can fail obscurely.
import '../../config/node-version.js';
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../../config/config.js';
import { startEmbeddedPostgres } from '../embedded-postgres.js';
import { withMigrationLock } from '../migrate.js';
import { ormConfig } from '../mikro-orm.config.js';

async function main(command: string | undefined, name: string | undefined): Promise<number> {
  const config = loadConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  const orm = await MikroORM.init(ormConfig({ databaseUrl }));
  try {
    switch (command) {
      case 'create': {
        await orm.migrator.up();
        const result = await orm.migrator.create(undefined, false, false, name);
        console.log(
          result.fileName ? `created ${result.fileName}; add it to migrations/index.ts` : 'no changes',
        );
        return 0;
      }
      case 'check': {
        const drift = await orm.migrator.checkSchema();
        console.log(
          drift
            ? 'entities changed without a migration: run npm run migration:create'
            : 'migrations are up to date',
        );
        return drift ? 1 : 0;
      }
      case 'up': {
        // The same advisory lock as a server's MIGRATE_ON_START: never two runs at once.
        const applied = await withMigrationLock(databaseUrl, () => orm.migrator.up());
        console.log(applied.length ? `applied ${applied.map((m) => m.name).join(', ')}` : 'nothing to apply');
        return 0;
      }
      default:
        console.error('usage: migrations create [name] | check | up');
        return 2;
    }
  } finally {
    await orm.close(true);
    await embedded?.stop();
  }
}

// Exit explicitly: embedded-postgres's exit hook ends the process with 0 on beforeExit, whatever
// process.exitCode says, which would make `check` pass on drift.
process.exit(await main(process.argv[2], process.argv[3]));
