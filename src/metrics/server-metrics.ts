import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { type RateLimitRefusal, type Refusal, requestTags } from '../http/request-tags.js';
import { LATENCY_BUCKETS, LatencyTally, TallyMetric } from './latency-tally.js';
import { addStatementObserver } from './statement-timing.js';

/** What the metrics read of the database pool (pg.Pool has these counters). */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** A request that matched no route: one label value, never the URL it asked for. */
const UNMATCHED_ROUTE = 'unmatched';
const RATE_LIMIT_REFUSALS: ReadonlySet<Refusal> = new Set<RateLimitRefusal>([
  'tenant_rate_limit',
  'auth_failure_limit',
]);
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * The server's Prometheus metrics, in a registry of this app (tests run several apps in one process).
 * Labels are route templates, methods, statuses and fixed reasons: never a tenant, user, key or any
 * other value taken from a request.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  /** route template → method → status → latency; filled on the request path without allocating. */
  private readonly requests = new Map<string, Map<string, Map<number, LatencyTally>>>();
  private readonly statements = new LatencyTally(LATENCY_BUCKETS);
  private readonly authFailures: Counter<'reason'>;
  private readonly rateLimited: Counter<'reason'>;
  private readonly stopObservingStatements: () => void;

  constructor(pool: () => Promise<PoolCounts | undefined>) {
    collectDefaultMetrics({ register: this.registry });
    TallyMetric.counter(
      this.registry,
      'http_requests_total',
      'HTTP requests answered, by route template, method and status',
      () => this.requestCounts(),
    );
    TallyMetric.histogram(
      this.registry,
      'http_request_duration_seconds',
      'Time to answer an HTTP request, by route template, method and status class',
      () => this.requestLatencies(),
    );
    TallyMetric.histogram(
      this.registry,
      'db_statement_duration_seconds',
      'Time a database statement took, failed ones included',
      () => [[{}, this.statements]],
    );
    this.authFailures = new Counter({
      name: 'scim_auth_failures_total',
      help: 'Requests refused with 401, by reason',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.rateLimited = new Counter({
      name: 'scim_rate_limited_total',
      help: 'Requests refused with 429, by the limiter that refused them',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'db_pool_connections',
      help: 'Connections of the database pool, by state (in_use, idle)',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const counts = await pool();
        if (!counts) return;
        this.set({ state: 'in_use' }, counts.totalCount - counts.idleCount);
        this.set({ state: 'idle' }, counts.idleCount);
      },
    });
    new Gauge({
      name: 'db_pool_waiting_requests',
      help: 'Callers waiting for a connection of the database pool',
      registers: [this.registry],
      async collect() {
        const counts = await pool();
        if (counts) this.set(counts.waitingCount);
      },
    });
    this.stopObservingStatements = addStatementObserver((seconds) => this.statements.observe(seconds));
  }

  /** Counts one answered request; on the hot path, so it only looks up and adds. */
  recordRequest(route: string | undefined, method: string, status: number, seconds: number): void {
    const template = route ?? UNMATCHED_ROUTE;
    let byMethod = this.requests.get(template);
    if (!byMethod) this.requests.set(template, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let tally = byStatus.get(status);
    if (!tally) byStatus.set(status, (tally = new LatencyTally(LATENCY_BUCKETS)));
    tally.observe(seconds);
  }

  /** Counts a 401 or 429 by its reason ('unknown' when no guard said why). */
  recordRefusal(status: number, refusal: Refusal | undefined): void {
    if (status === 429) {
      this.rateLimited.inc({ reason: refusal && RATE_LIMIT_REFUSALS.has(refusal) ? refusal : 'unknown' });
    } else if (status === 401) {
      this.authFailures.inc({ reason: refusal && !RATE_LIMIT_REFUSALS.has(refusal) ? refusal : 'unknown' });
    }
  }

  /** The exposition in Prometheus' text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.stopObservingStatements();
  }

  private *requestCounts(): Iterable<[Record<string, string | number>, number]> {
    for (const [route, byMethod] of this.requests) {
      for (const [method, byStatus] of byMethod) {
        for (const [status, tally] of byStatus) yield [{ method, route, status }, tally.count];
      }
    }
  }

  private *requestLatencies(): Iterable<[Record<string, string>, LatencyTally]> {
    for (const [route, byMethod] of this.requests) {
      for (const [method, byStatus] of byMethod) {
        const byClass = new Map<string, LatencyTally>();
        for (const [status, tally] of byStatus) {
          const statusClass = STATUS_CLASSES[Math.floor(status / 100) - 1] ?? 'other';
          let total = byClass.get(statusClass);
          if (!total) byClass.set(statusClass, (total = new LatencyTally(LATENCY_BUCKETS)));
          tally.addTo(total);
        }
        for (const [statusClass, total] of byClass) {
          yield [{ method, route, status_class: statusClass }, total];
        }
      }
    }
  }
}

/** Counts every answered request of `fastify` in `metrics` (one onResponse hook). */
export function installRequestMetrics(fastify: FastifyInstance, metrics: ServerMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    metrics.recordRequest(request.routeOptions.url, request.method, status, reply.elapsedTime / 1000);
    if (status === 401 || status === 429) metrics.recordRefusal(status, requestTags(request.raw).refusal);
    done();
  });
  fastify.addHook('onClose', (_instance, done) => {
    metrics.close();
    done();
  });
}
