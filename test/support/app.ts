import type { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { loadConfig, type AppConfig } from '../../src/config/config.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  app: NestFastifyApplication;
  db: TestDatabase;
  config: AppConfig;
  close(): Promise<void>;
}

/** The real application (createApp) on a fresh database of its own; requests go through app.inject. */
export async function startTestApp(
  env: Record<string, string> = {},
  logDestination?: Writable,
): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const app = await createApp({ config, databaseUrl: db.url, logDestination });
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
