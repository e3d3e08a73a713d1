import { Counter, Gauge, type Registry } from 'prom-client';

/** What the webhook metrics read: the queue (from the database, at scrape time) and the worker's counts. */
export interface WebhookMetricsSource {
  queueStats(): Promise<{
    eventsNotFannedOut: number;
    pendingDeliveries: number;
    oldestPendingSeconds: number;
  }>;
  /** Attempts made by this process's worker since it started, by outcome. */
  attemptCounts(): Iterable<[outcome: string, count: number]>;
}

/** The Nest token under which the webhooks module provides its WebhookMetricsSource. */
export const WEBHOOK_METRICS_SOURCE = 'WebhookMetricsSource';

/**
 * Webhook delivery metrics (docs/events.md): the outbox depth (events not yet fanned out into
 * deliveries, deliveries pending) and the delivery lag (how long the oldest pending delivery's event
 * has waited). Shared by every instance (read from the database); no tenant or endpoint label.
 */
export function registerWebhookMetrics(
  registry: Registry,
  source: () => WebhookMetricsSource | undefined,
): void {
  let stats: ReturnType<WebhookMetricsSource['queueStats']> | undefined;
  // One query per scrape for the three gauges.
  const read = () => {
    const current = source();
    if (!current) return undefined;
    stats ??= current.queueStats().finally(() => setTimeout(() => (stats = undefined), 0));
    return stats;
  };
  new Gauge({
    name: 'scim_webhook_outbox_depth',
    help: 'Change events not yet fanned out into webhook deliveries (stage=fanout), and deliveries not yet made (stage=delivery)',
    labelNames: ['stage'],
    registers: [registry],
    async collect() {
      const current = await read()?.catch(() => undefined);
      if (!current) return;
      this.set({ stage: 'fanout' }, current.eventsNotFannedOut);
      this.set({ stage: 'delivery' }, current.pendingDeliveries);
    },
  });
  new Gauge({
    name: 'scim_webhook_delivery_lag_seconds',
    help: 'Age of the event of the oldest pending webhook delivery (0 when none is pending)',
    registers: [registry],
    async collect() {
      const current = await read()?.catch(() => undefined);
      if (current) this.set(current.oldestPendingSeconds);
    },
  });
  new Counter({
    name: 'scim_webhook_attempts_total',
    help: "Webhook delivery attempts by this process's worker, by outcome (delivered, retry, give-up, expired)",
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const current = source();
      if (!current) return;
      this.reset();
      for (const [outcome, count] of current.attemptCounts()) this.inc({ outcome }, count);
    },
  });
}
