import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { createRootLogger, installRequestLogging, requestIdFor } from './http/request-logging.js';
import { mountDocsUi } from './http/docs-ui.js';
import { mountConsole } from './modules/console-ui/console-ui.js';
import { installDraining } from './http/draining.js';
import { RouteTable } from './http/route-table.js';
import { ScimExceptionFilter } from './http/scim-exception.filter.js';
import { registerJsonBodyParser } from './http/scim-media-type.js';
import { attachMetrics } from './metrics/metrics-listener.js';

export interface AppOptions extends Omit<AppModuleOptions, 'logger'> {
  /** Where log lines go; stdout by default (tests capture them). */
  logDestination?: DestinationStream;
  /**
   * Swagger UI and the committed OpenAPI document at /docs (default true). The OpenAPI generator builds
   * the document from an app without them: it must not need the file it is about to write.
   */
  docs?: boolean;
  /** Where spans go instead of OTEL_EXPORTER_OTLP_ENDPOINT (tests: an in-memory exporter). */
  spanExporter?: SpanExporter;
}

/**
 * The one setup of the application, shared by main.ts, the tests and the OpenAPI generator.
 * Returns an initialised app that has not started listening.
 */
export async function createApp(options: AppOptions): Promise<NestFastifyApplication> {
  const logger = createRootLogger(options.config.logLevel, options.logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // Fastify's own two lines per request are replaced by one line of ours (installRequestLogging).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFor,
    bodyLimit: options.config.bodyLimit,
    // While draining on shutdown, new requests get a SCIM 503 from installDraining instead.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ ...options, logger }),
    adapter,
    {
      bufferLogs: true,
      // Only the JSON parser of configureApp: a form-encoded body is 415 like any other media type.
      bodyParser: false,
    },
  );
  app.useLogger(app.get(Logger));
  configureApp(app, { docs: options.docs ?? true });
  // Served on a listener of their own (server.ts), never on this app's port.
  if (options.config.metricsPort !== 0) attachMetrics(app);
  // Only now, and only then, is the OpenTelemetry SDK loaded.
  if (options.config.otlpEndpoint) {
    const { installTracing } = await import('./tracing/tracing.js');
    installTracing(app, options.config.otlpEndpoint, options.config.otelServiceName, options.spanExporter);
  }
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export function configureApp(app: NestFastifyApplication, { docs = true }: { docs?: boolean } = {}): void {
  const fastify = app.getHttpAdapter().getInstance();
  // RFC 7644 §8.1: SCIM bodies arrive as application/scim+json; parse them exactly like JSON.
  // Only JSON media types are accepted; anything else, text/plain included, is 415 (RFC 7644 §3.1).
  fastify.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app);
  installRequestLogging(fastify);
  installDraining(fastify);
  const routes = new RouteTable();
  routes.watch(fastify);
  app.useGlobalFilters(new ScimExceptionFilter(routes));
  // The committed document, as committed: the server does not build it (STYLE.md §7).
  if (docs) mountDocsUi(fastify);
  // The web console's files at /console (routes under /console only).
  mountConsole(fastify);
}
