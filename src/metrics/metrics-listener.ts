import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EntityManager } from '@mikro-orm/postgresql';
import { installRequestMetrics, ServerMetrics } from './server-metrics.js';
import {
  registerWebhookMetrics,
  WEBHOOK_METRICS_SOURCE,
  type WebhookMetricsSource,
} from './webhook-metrics.js';

export interface MetricsListener {
  /** The bound port (METRICS_PORT). */
  port: number;
  /** Stops listening and ends open scrape connections. */
  close(): Promise<void>;
}

const metricsOfApps = new WeakMap<NestFastifyApplication, ServerMetrics>();

/**
 * Counts the requests of `app` from now on (createApp calls it before the app is ready, when
 * METRICS_PORT is not 0). The database pool is read when Prometheus scrapes, not before.
 */
export function attachMetrics(app: NestFastifyApplication): void {
  const metrics = new ServerMetrics(async () => {
    try {
      return await app.get(EntityManager, { strict: false }).getConnection().getNativeClient();
    } catch {
      // Not connected (yet, or any more): the pool gauges are left out of this scrape.
      return undefined;
    }
  });
  installRequestMetrics(app.getHttpAdapter().getInstance(), metrics);
  registerWebhookMetrics(metrics.registry, () => {
    try {
      return app.get<WebhookMetricsSource>(WEBHOOK_METRICS_SOURCE, { strict: false });
    } catch {
      return undefined;
    }
  });
  metricsOfApps.set(app, metrics);
}

/**
 * Serves GET /metrics of `app` on a listener of its own (METRICS_PORT on HOST), so the public port never
 * exposes them; undefined when the app has no metrics (METRICS_PORT=0). Everything else is a 404.
 */
export async function listenForMetrics(
  app: NestFastifyApplication,
  host: string,
  port: number,
): Promise<MetricsListener | undefined> {
  const metrics = metricsOfApps.get(app);
  if (!metrics) return undefined;
  const server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    if ((request.method !== 'GET' && request.method !== 'HEAD') || path !== '/metrics') {
      response
        .writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end('Not found: GET /metrics\n');
      return;
    }
    metrics.render().then(
      (text) => {
        response.writeHead(200, { 'Content-Type': metrics.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        app.getHttpAdapter().getInstance().log.error({ err: error }, 'could not render the metrics');
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`METRICS_PORT ${port} on ${host}: ${error.message}`, { cause: error })),
    );
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
