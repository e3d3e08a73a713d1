import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './app.factory.js';
import { type AppConfig, redactDatabaseUrl } from './config/config.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres.js';
import { migrateDatabase } from './database/migrate.js';

export interface RunningServer {
  app: NestFastifyApplication;
  /** Absolute base URL clients use (PUBLIC_URL, else the bound address). */
  baseUrl: string;
  databaseLabel: string;
  /** Stops accepting, drains in-flight requests, closes the ORM, then stops an embedded database. */
  stop(): Promise<void>;
}

/** Boots the whole server: database (embedded or DATABASE_URL), migrations, HTTP listener. */
export async function startServer(
  config: AppConfig,
  log: (line: string) => void = () => undefined,
): Promise<RunningServer> {
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    log(`starting embedded PostgreSQL (data in ${config.dataDir})`);
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir });
  }
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  try {
    if (config.migrateOnStart) {
      const applied = await migrateDatabase(databaseUrl);
      if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
    }
    const app = await createApp({ config, databaseUrl });
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      await app.close();
      throw error;
    }
    const baseUrl = config.publicUrl ?? `http://${displayHost(config.host)}:${boundPort(app, config.port)}`;
    return {
      app,
      baseUrl,
      databaseLabel: embedded ? 'embedded' : redactDatabaseUrl(databaseUrl),
      stop: async () => {
        await app.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

function boundPort(app: NestFastifyApplication, fallback: number): number {
  const address = app.getHttpServer().address();
  return typeof address === 'object' && address ? address.port : fallback;
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}
