import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import pg from 'pg';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';

export interface OrmSettings {
  databaseUrl: string;
  debug?: boolean;
  /**
   * Request-serving limits (the server sets them; migrations and tools run without): how long one
   * statement may run and how long a caller waits for a pooled connection, in ms.
   */
  timeouts?: { statementMs: number; acquireMs: number };
  /** Whether request statements may be prepared once per connection (named statements; default true). */
  preparedStatements?: boolean;
}

/**
 * How much longer than statement_timeout the client waits for any answer. PostgreSQL enforces
 * statement_timeout itself, but a frozen server (SIGSTOP, a hung host, a half-open TCP connection)
 * never answers at all; then the client gives up on the connection.
 */
const CLIENT_DEADLINE_MARGIN_MS = 1_000;

/**
 * A pg client that closes its connection when a query gets no answer in time. pg's own
 * `query_timeout` rejects the query but keeps the connection, whose late answer would then be read
 * as the answer to the next query; a destroyed connection is discarded by the pool instead.
 */
function clientWithDeadline(deadlineMs: number, preparedStatements: boolean): typeof pg.Client {
  return class DeadlineClient extends pg.Client {
    /** Read by the storage layer (src/storage/pipeline.ts): may statements be named on this connection. */
    readonly preparedStatements = preparedStatements;

    override query(...args: unknown[]): never {
      const result = (super.query as (...a: unknown[]) => unknown)(...args);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        const timer = setTimeout(() => {
          (
            this as unknown as { connection?: { stream?: { destroy(): void } } }
          ).connection?.stream?.destroy();
        }, deadlineMs);
        timer.unref();
        const clear = () => clearTimeout(timer);
        (result as Promise<unknown>).then(clear, clear);
      }
      return result as never;
    }
  };
}

/**
 * The pool's clients run in pg's pipeline mode: a statement is sent without waiting for the answers to
 * the ones before it (src/storage/pipeline.ts), so a request's transaction is one round trip when its
 * statements do not depend on each other. Code that awaits each statement works as before.
 */
const PIPELINE = { pipeline: true };

function driverOptions(
  timeouts: OrmSettings['timeouts'],
  preparedStatements = true,
): Options['driverOptions'] {
  if (!timeouts) return PIPELINE;
  return {
    ...PIPELINE,
    // Server side: a slow statement fails with 57014 and the connection stays usable.
    statement_timeout: timeouts.statementMs,
    // Waiting for a free pooled connection, or for a new connection to be established.
    connectionTimeoutMillis: timeouts.acquireMs,
    Client: clientWithDeadline(timeouts.statementMs + CLIENT_DEADLINE_MARGIN_MS, preparedStatements),
  };
}

/** The one MikroORM configuration: the server, the tests, the migration CLI and the tools share it. */
export function ormConfig(settings: OrmSettings): Options {
  return defineConfig({
    clientUrl: settings.databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    // Never a global identity map: work that uses the ORM forks a unit of work of its own.
    allowGlobalContext: false,
    debug: settings.debug ?? false,
    pool: { min: 0, max: 20 },
    driverOptions: driverOptions(settings.timeouts, settings.preparedStatements),
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
