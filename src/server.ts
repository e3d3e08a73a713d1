import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { createApp } from './app.factory.js';
import { type AppConfig, redactDatabaseUrl } from './config/config.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres.js';
import { migrateDatabase } from './database/migrate.js';
import { startDraining } from './http/draining.js';
import { rowLevelSecurityBypass } from './database/rls-check.js';
import { EventsRetention } from './modules/events/events-retention.js';
import { WebhookWorker } from './modules/webhooks/webhook-worker.js';
import { listenForMetrics, type MetricsListener } from './metrics/metrics-listener.js';

export interface RunningServer {
  app: NestFastifyApplication;
  /** Absolute base URL clients use (PUBLIC_URL, else the bound address). */
  baseUrl: string;
  databaseLabel: string;
  /** Where Prometheus scrapes (METRICS_PORT); undefined with METRICS_PORT=0. */
  metricsUrl?: string;
  /** Where the embedded cluster keeps its data; undefined with DATABASE_URL. */
  embeddedData?: { path: string; relocated: boolean };
  /** Prints to stdout after the log lines written so far (the ready banner). */
  print(text: string): void;
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
    if (embedded.relocated) {
      log(
        `DATA_DIR ${config.dataDir} is out of reach of the OS user "postgres" that runs PostgreSQL: the data is in ${embedded.clusterDir}`,
      );
    }
  }
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  try {
    if (config.migrateOnStart) {
      const applied = await migrateDatabase(databaseUrl);
      if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
    }
    await warnIfRowLevelSecurityBypassed(databaseUrl, log);
    const app = await createApp({ config, databaseUrl });
    let metrics: MetricsListener | undefined;
    try {
      await app.listen({ port: config.port, host: config.host });
      metrics = await listenForMetrics(app, config.host, config.metricsPort);
    } catch (error) {
      await app.close();
      throw error;
    }
    // Change events past EVENT_RETENTION_DAYS are pruned on an unref'd timer, stopped by app.close().
    app.get(EventsRetention).start();
    // Webhook delivery (WEBHOOK_WORKER=on); stopped by app.close() before the ORM closes its pool.
    if (config.webhooks.worker) app.get(WebhookWorker).start();
    const baseUrl = config.publicUrl ?? `http://${displayHost(config.host)}:${boundPort(app, config.port)}`;
    return {
      app,
      baseUrl,
      databaseLabel: embedded ? 'embedded' : redactDatabaseUrl(databaseUrl),
      metricsUrl: metrics && `http://${displayHost(config.host)}:${metrics.port}/metrics`,
      embeddedData: embedded ? { path: embedded.clusterDir, relocated: embedded.relocated } : undefined,
      print: printAfterLogs(app),
      stop: async () => {
        // New requests get the draining 503 at once, not only once the shutdown hooks have run.
        startDraining(app.getHttpAdapter().getInstance());
        await app.close();
        // After the drain: the metrics of the last requests can still be scraped meanwhile.
        await metrics?.close();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/**
 * One loud line when requests would not be subject to row-level security (tenant isolation in the
 * database); the server still starts. A check that cannot run says so and is not fatal either.
 */
async function warnIfRowLevelSecurityBypassed(databaseUrl: string, log: (line: string) => void) {
  try {
    const bypass = await rowLevelSecurityBypass(databaseUrl);
    if (bypass) log(`ERROR ${bypass}`);
  } catch (error) {
    log(`could not check row-level security: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The last lines at start: where everything is and how to get an API key. */
export function readyBanner(
  server: Pick<RunningServer, 'baseUrl' | 'databaseLabel' | 'embeddedData' | 'metricsUrl'>,
): string {
  const base = server.baseUrl;
  const database = server.embeddedData
    ? `embedded, data in ${server.embeddedData.path}${server.embeddedData.relocated ? ' (DATA_DIR is out of reach of the OS user "postgres")' : ''}`
    : server.databaseLabel;
  return [
    '',
    `SCIM server ready (database: ${database})`,
    `  SCIM base URL:  ${base}/scim/v2`,
    `  Swagger UI:     ${base}/docs`,
    `  Console:        ${base}/console   (operators sign in with ADMIN_TOKEN)`,
    `  Health:         ${base}/health/ready`,
    ...(server.metricsUrl ? [`  Metrics:        ${server.metricsUrl}`] : []),
    `  API key:        npm run cli -- tenants create <name>   (creates a tenant; prints its API key once)`,
    '',
  ].join('\n');
}

/**
 * Writes `text` to stdout after every log line written so far. pino writes asynchronously, so a
 * console.log could overtake the start-up log; the logger's own stream keeps the order.
 */
function printAfterLogs(app: NestFastifyApplication): (text: string) => void {
  const logger = app.getHttpAdapter().getInstance().log as unknown as Record<symbol, unknown>;
  const stream = logger[pino.symbols.streamSym] as { write?: (text: string) => unknown } | undefined;
  return (text) => {
    if (typeof stream?.write === 'function') stream.write(`${text}\n`);
    else console.log(text);
  };
}

function boundPort(app: NestFastifyApplication, fallback: number): number {
  const address = app.getHttpServer().address();
  return typeof address === 'object' && address ? address.port : fallback;
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}
