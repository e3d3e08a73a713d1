/**
 * The server's configuration, read from the environment once at boot. Only this module reads
 * process.env; everything else receives the typed result. A bad value stops the start with a
 * one-line reason (ConfigError).
 */
import { DEFAULT_RETRY_SCHEDULE_SECONDS, parseRetrySchedule } from '../domain/webhooks/retry-schedule.js';

export interface AppConfig {
  port: number;
  host: string;
  /** External PostgreSQL; undefined means "start the embedded one under dataDir". */
  databaseUrl?: string;
  /**
   * Where the API key invalidation listener LISTENs (a session of its own, so never through a
   * transaction-pooling PgBouncer): undefined, the server's own database URL; null (`none`), no
   * listener: verified keys are trusted for AUTH_CACHE_TTL_MS alone.
   */
  databaseListenUrl?: string | null;
  dataDir: string;
  /** Absolute base of the SCIM API used in meta.location and discovery; undefined: derived per request. */
  publicUrl?: string;
  /** Bearer token of the operator API; undefined disables it. */
  adminToken?: string;
  logLevel: LogLevel;
  migrateOnStart: boolean;
  /** Largest accepted request body in bytes (413 beyond). */
  bodyLimit: number;
  /** Most operations one Bulk request may carry (ServiceProviderConfig bulk.maxOperations; 413 beyond). */
  bulkMaxOperations: number;
  /**
   * Largest Bulk request body in bytes (bulk.maxPayloadSize; 413 beyond); /Bulk accepts bodies up to
   * it even when it is larger than `bodyLimit`. Default: `bodyLimit`.
   */
  bulkMaxPayloadBytes: number;
  /** Sustained SCIM requests per second per tenant (token bucket refill rate; 429 beyond). */
  rateLimitRps: number;
  /** Requests a tenant may send at once before the sustained rate applies (token bucket size). */
  rateLimitBurst: number;
  /** Longest a database statement may run, in ms (server-side statement_timeout; 503 beyond). */
  dbStatementTimeoutMs: number;
  /** Longest a request waits for a pooled database connection, in ms (503 beyond). */
  dbAcquireTimeoutMs: number;
  /**
   * Whether request statements are prepared once per connection (named statements: no parse or plan
   * per request). Off for a connection pooler that cannot carry named statements (PgBouncer before
   * 1.21, or `max_prepared_statements = 0`).
   */
  dbPreparedStatements: boolean;
  /** Sustained failed authentications per second per client address, may be fractional (token bucket refill). */
  authFailureRps: number;
  /** Failed authentications a client address may make at once before the sustained rate applies. */
  authFailureBurst: number;
  /**
   * How long a verified API key is trusted from the in-process cache before it is read again, in ms;
   * 0 reads the key on every request. Revocation reaches every instance at once through LISTEN/NOTIFY;
   * this bounds staleness should a notification be lost.
   */
  authCacheTtlMs: number;
  /**
   * Port of the Prometheus listener (GET /metrics), bound to `host` beside the public port so that the
   * public port never exposes metrics; 0 turns metrics off.
   */
  metricsPort: number;
  /**
   * OTLP/HTTP collector base URL (OTEL_EXPORTER_OTLP_ENDPOINT; spans go to `<url>/v1/traces`);
   * undefined: no tracing, and no OpenTelemetry SDK module is even loaded.
   */
  otlpEndpoint?: string;
  /** The traces' resource `service.name` (OTEL_SERVICE_NAME, default `scim-server`). */
  otelServiceName: string;
  /**
   * Whether SCIM writes append change events (the outbox, docs/events.md). False for a deployment that
   * does not use events: no change_event row is written (the feed stays empty).
   */
  eventsEnabled: boolean;
  /** Days change events are kept for readers (docs/events.md); older ones are pruned. */
  eventRetentionDays: number;
  /** Minutes a console session lives without a request (CONSOLE_SESSION_IDLE_MINUTES); it ends after 12 h anyway. */
  consoleSessionIdleMinutes: number;
  /**
   * Whether a reverse proxy in front sets X-Forwarded-Proto truthfully (TRUST_PROXY): only then does a
   * request forwarded from https get the console cookie's Secure flag.
   */
  trustProxy: boolean;
  /** Webhook delivery (docs/events.md, "Webhooks"). */
  webhooks: WebhookConfig;
}

export interface WebhookConfig {
  /** Whether this server process runs the delivery worker (WEBHOOK_WORKER=on|off; default on). */
  worker: boolean;
  /** Whether webhooks may go to loopback, private, link-local or metadata addresses (tests; default false). */
  allowPrivate: boolean;
  /** Delays between attempts of a failing delivery, in seconds (WEBHOOK_RETRY_SCHEDULE, e.g. `5s,5m,30m`). */
  retryScheduleSeconds: number[];
  /** How long an attempt may take, in ms, connecting and reading the answer included (default 10 s). */
  timeoutMs: number;
  /** How often an idle worker looks for new events and due deliveries, in ms. */
  pollMs: number;
  /** Deliveries one worker sends at once (of different resources or endpoints). */
  concurrency: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): AppConfig {
  const bodyLimit = parsePositiveInt('BODY_LIMIT', env.BODY_LIMIT, 1024 * 1024);
  return {
    port: parsePort('PORT', env.PORT, 3000),
    host: nonEmpty(env.HOST) ?? '0.0.0.0',
    databaseUrl: parseDatabaseUrl(env.DATABASE_URL),
    databaseListenUrl: parseListenUrl(env.DATABASE_LISTEN_URL),
    dataDir: nonEmpty(env.DATA_DIR) ?? './.data',
    publicUrl: parsePublicUrl(env.PUBLIC_URL),
    adminToken: parseAdminToken(env.ADMIN_TOKEN),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    migrateOnStart: parseBoolean('MIGRATE_ON_START', env.MIGRATE_ON_START, true),
    bodyLimit,
    bulkMaxOperations: parsePositiveInt('BULK_MAX_OPERATIONS', env.BULK_MAX_OPERATIONS, 1000),
    bulkMaxPayloadBytes: parsePositiveInt('BULK_MAX_PAYLOAD_BYTES', env.BULK_MAX_PAYLOAD_BYTES, bodyLimit),
    rateLimitRps: parsePositiveInt('RATE_LIMIT_RPS', env.RATE_LIMIT_RPS, 50),
    rateLimitBurst: parsePositiveInt('RATE_LIMIT_BURST', env.RATE_LIMIT_BURST, 200),
    dbStatementTimeoutMs: parsePositiveInt('DB_STATEMENT_TIMEOUT_MS', env.DB_STATEMENT_TIMEOUT_MS, 10_000),
    dbAcquireTimeoutMs: parsePositiveInt('DB_ACQUIRE_TIMEOUT_MS', env.DB_ACQUIRE_TIMEOUT_MS, 5_000),
    dbPreparedStatements: parseBoolean('DB_PREPARED_STATEMENTS', env.DB_PREPARED_STATEMENTS, true),
    authFailureRps: parsePositiveNumber('AUTH_FAILURE_RPS', env.AUTH_FAILURE_RPS, 2),
    authFailureBurst: parsePositiveInt('AUTH_FAILURE_BURST', env.AUTH_FAILURE_BURST, 20),
    authCacheTtlMs: parseNonNegativeInt('AUTH_CACHE_TTL_MS', env.AUTH_CACHE_TTL_MS, 5_000),
    metricsPort: parseMetricsPort(env),
    otlpEndpoint: parseOtlpEndpoint(env.OTEL_EXPORTER_OTLP_ENDPOINT),
    otelServiceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? 'scim-server',
    eventsEnabled: parseBoolean('EVENTS_ENABLED', env.EVENTS_ENABLED, true),
    eventRetentionDays: parsePositiveInt('EVENT_RETENTION_DAYS', env.EVENT_RETENTION_DAYS, 30),
    consoleSessionIdleMinutes: parsePositiveInt(
      'CONSOLE_SESSION_IDLE_MINUTES',
      env.CONSOLE_SESSION_IDLE_MINUTES,
      30,
    ),
    trustProxy: parseBoolean('TRUST_PROXY', env.TRUST_PROXY, false),
    webhooks: {
      worker: parseBoolean('WEBHOOK_WORKER', env.WEBHOOK_WORKER, true),
      allowPrivate: parseBoolean('WEBHOOK_ALLOW_PRIVATE', env.WEBHOOK_ALLOW_PRIVATE, false),
      retryScheduleSeconds: parseSchedule(env.WEBHOOK_RETRY_SCHEDULE),
      timeoutMs: parsePositiveInt('WEBHOOK_TIMEOUT_MS', env.WEBHOOK_TIMEOUT_MS, 10_000),
      pollMs: parsePositiveInt('WEBHOOK_POLL_MS', env.WEBHOOK_POLL_MS, 1_000),
      concurrency: parsePositiveInt('WEBHOOK_CONCURRENCY', env.WEBHOOK_CONCURRENCY, 16),
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function parsePort(name: string, raw: string | undefined, fallback: number): number {
  const value = nonEmpty(raw);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new ConfigError(`${name} must be an integer from 0 to 65535, got "${value}"`);
  }
  return Number(value);
}

/** The metrics port; 9464 is the default of OpenTelemetry's Prometheus exporter. */
function parseMetricsPort(env: Env): number {
  const metricsPort = parsePort('METRICS_PORT', env.METRICS_PORT, 9464);
  if (metricsPort !== 0 && metricsPort === parsePort('PORT', env.PORT, 3000)) {
    throw new ConfigError(`METRICS_PORT must differ from PORT (${metricsPort}); 0 turns metrics off`);
  }
  return metricsPort;
}

function parsePositiveInt(name: string, raw: string | undefined, fallback: number): number {
  const value = nonEmpty(raw);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new ConfigError(`${name} must be a positive integer, got "${value}"`);
  }
  return Number(value);
}

function parseNonNegativeInt(name: string, raw: string | undefined, fallback: number): number {
  const value = nonEmpty(raw);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new ConfigError(`${name} must be a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

function parsePositiveNumber(name: string, raw: string | undefined, fallback: number): number {
  const value = nonEmpty(raw);
  if (value === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) {
    throw new ConfigError(`${name} must be a positive number, got "${value}"`);
  }
  return Number(value);
}

function parseOtlpEndpoint(raw: string | undefined): string | undefined {
  const value = nonEmpty(raw);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

function parseDatabaseUrl(raw: string | undefined, name = 'DATABASE_URL'): string | undefined {
  const value = nonEmpty(raw);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a URL (expected postgres://user:password@host:port/database)`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`${name} must use the postgres:// scheme, got "${url.protocol}"`);
  }
  if (!url.hostname || url.pathname.length <= 1) {
    throw new ConfigError(
      `${name} must name a host and a database (postgres://user:password@host:port/database)`,
    );
  }
  return value;
}

function parseListenUrl(raw: string | undefined): string | null | undefined {
  if (nonEmpty(raw)?.toLowerCase() === 'none') return null;
  return parseDatabaseUrl(raw, 'DATABASE_LISTEN_URL');
}

function parsePublicUrl(raw: string | undefined): string | undefined {
  const value = nonEmpty(raw);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`PUBLIC_URL must be an absolute http(s) URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

function parseAdminToken(raw: string | undefined): string | undefined {
  const value = nonEmpty(raw);
  if (value === undefined) return undefined;
  // A short operator token is guessable; refuse to start rather than expose the admin API.
  if (value.length < 16) throw new ConfigError('ADMIN_TOKEN must be at least 16 characters long');
  return value;
}

function parseLogLevel(raw: string | undefined): LogLevel {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value as LogLevel;
}

function parseSchedule(raw: string | undefined): number[] {
  const value = nonEmpty(raw);
  if (value === undefined) return [...DEFAULT_RETRY_SCHEDULE_SECONDS];
  const schedule = parseRetrySchedule(value);
  if (!schedule) {
    throw new ConfigError(
      `WEBHOOK_RETRY_SCHEDULE must be comma-separated delays like 5s,5m,30m,2h (ms, s, m or h; up to 50, each at most 7 days), got "${value}"`,
    );
  }
  return schedule;
}

function parseBoolean(name: string, raw: string | undefined, fallback: boolean): boolean {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** The DATABASE_URL with its password hidden, for log lines. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable)';
  }
}
