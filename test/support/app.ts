import type { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { loadConfig, type AppConfig } from '../../src/config/config.js';
import { validateEveryResponse } from './contract.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  app: NestFastifyApplication;
  db: TestDatabase;
  config: AppConfig;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /**
   * Check every `app.inject` response against the OpenAPI document (test/support/contract.ts): an
   * undocumented status or a body that does not match its schema fails the request. On by default;
   * CONTRACT_VALIDATION=off in the environment turns it off for a local run.
   */
  validateContract?: boolean;
}

/**
 * What an application on `db` needs besides its URL: behind PgBouncer (`npm run test:pgbouncer`), the
 * direct URL its API key invalidation listener LISTENs on (DATABASE_LISTEN_URL), and no named
 * statements (Debian's PgBouncer 1.18 cannot carry them from one transaction to the next).
 */
export function databaseEnv(db: TestDatabase): Record<string, string> {
  return db.url === db.directUrl
    ? {}
    : { DATABASE_LISTEN_URL: db.directUrl, DB_PREPARED_STATEMENTS: 'false' };
}

/** The real application (createApp) on a fresh database of its own; requests go through app.inject. */
export async function startTestApp(
  env: Record<string, string> = {},
  logDestination?: Writable,
  { validateContract = process.env.CONTRACT_VALIDATION !== 'off' }: TestAppOptions = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  // No metrics listener unless a test asks for one (METRICS_PORT): tests run side by side.
  const config = loadConfig({ LOG_LEVEL: 'silent', METRICS_PORT: '0', ...databaseEnv(db), ...env });
  const app = await createApp({ config, databaseUrl: db.url, logDestination });
  if (validateContract) validateEveryResponse(app);
  return {
    app,
    db,
    config,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
