/**
 * The webhook delivery worker as a process of its own (`node dist/src/worker.js`), from the same build
 * as the server: the same configuration (DATABASE_URL is required: the embedded database belongs to a
 * server), no HTTP listener. Any number may run beside the servers (which can then run with
 * WEBHOOK_WORKER=off); they never send a delivery twice at once (docs/events.md, "Webhooks").
 * SIGTERM or SIGINT: stops claiming, lets the deliveries in flight finish, exits 0.
 */
// First: on a too old Node.js, say so in one line before anything else can fail obscurely.
import './config/node-version.js';
import 'reflect-metadata';
import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { LoggerModule, Logger as PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import { ConfigError, loadConfig, type AppConfig } from './config/config.js';
import { ConfigModule } from './config/config.module.js';
import { ormConfig } from './database/mikro-orm.config.js';
import { WebhookWorker } from './modules/webhooks/webhook-worker.js';
import { WebhookWorkerModule } from './modules/webhooks/webhooks.module.js';

/** Stop waiting for the deliveries in flight after this long (each is bounded by WEBHOOK_TIMEOUT_MS). */
const SHUTDOWN_GRACE_MS = 25_000;

@Module({})
class WorkerProcessModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    const logger = pino({ level: config.logLevel, base: { service: 'webhook-worker' } });
    return {
      module: WorkerProcessModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true }),
        MikroOrmModule.forRoot({
          ...ormConfig({
            databaseUrl,
            timeouts: { statementMs: config.dbStatementTimeoutMs, acquireMs: config.dbAcquireTimeoutMs },
            preparedStatements: config.dbPreparedStatements,
          }),
          driver: PostgreSqlDriver,
          registerRequestContext: false,
        }),
        WebhookWorkerModule,
      ],
    };
  }
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

let config: AppConfig;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
  throw error;
}
if (!config.databaseUrl) fail('configuration error: the webhook worker needs DATABASE_URL');

const context = await NestFactory.createApplicationContext(
  WorkerProcessModule.forRoot(config, config.databaseUrl),
  { bufferLogs: true },
);
context.useLogger(context.get(PinoLogger));
const worker = context.get(WebhookWorker);
worker.start();
console.log('webhook worker started');

let stopping = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received: finishing the deliveries in flight and stopping`);
  setTimeout(() => fail('shutdown took too long; exiting'), SHUTDOWN_GRACE_MS).unref();
  // close() runs beforeApplicationShutdown: the worker stops before the ORM closes its pool.
  context.close().then(
    () => {
      console.log('stopped');
      process.exit(0);
    },
    (error: unknown) => fail(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`),
  );
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
