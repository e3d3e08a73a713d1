import { redactDatabaseUrl, type AppConfig } from '../config/config.js';
import { startEmbeddedPostgres } from '../database/embedded-postgres.js';
import { findRunningCluster } from '../database/running-cluster.js';

/** The embedded cluster's application database (the server's default). */
const EMBEDDED_DATABASE = 'scim';

export interface CliDatabase {
  url: string;
  /** Where the data is, for messages. */
  label: string;
  /** Stops the embedded cluster if (and only if) this process started it. */
  release(): Promise<void>;
}

/**
 * DATABASE_URL when set. Otherwise the embedded cluster under DATA_DIR: a running server's (its data
 * directory can be opened by one postgres only, so connect to it and leave it running), else one
 * started for this command and stopped after it.
 */
export async function openCliDatabase(config: AppConfig): Promise<CliDatabase> {
  if (config.databaseUrl) {
    return {
      url: config.databaseUrl,
      label: redactDatabaseUrl(config.databaseUrl),
      release: async () => undefined,
    };
  }
  const running = await findRunningCluster(config.dataDir);
  if (running) {
    return {
      url: running.urlFor(EMBEDDED_DATABASE),
      label: `running embedded PostgreSQL (pid ${running.pid}, port ${running.port})`,
      release: async () => undefined,
    };
  }
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, database: EMBEDDED_DATABASE });
  return {
    url: embedded.url,
    label: `embedded PostgreSQL in ${config.dataDir}`,
    release: () => embedded.stop(),
  };
}
