import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      databaseListenUrl: undefined,
      dataDir: './.data',
      publicUrl: undefined,
      adminToken: undefined,
      logLevel: 'info',
      migrateOnStart: true,
      bodyLimit: 1048576,
      bulkMaxOperations: 1000,
      bulkMaxPayloadBytes: 1048576,
      rateLimitRps: 50,
      rateLimitBurst: 200,
      dbStatementTimeoutMs: 10000,
      dbAcquireTimeoutMs: 5000,
      dbPreparedStatements: true,
      authFailureRps: 2,
      authFailureBurst: 20,
      authCacheTtlMs: 5000,
      metricsPort: 9464,
      otlpEndpoint: undefined,
      otelServiceName: 'scim-server',
      eventsEnabled: true,
      eventRetentionDays: 30,
      consoleSessionIdleMinutes: 30,
      trustProxy: false,
      webhooks: {
        worker: true,
        allowPrivate: false,
        retryScheduleSeconds: [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 72000],
        timeoutMs: 10000,
        pollMs: 1000,
        concurrency: 16,
      },
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://u:p@db:5432/scim',
      DATABASE_LISTEN_URL: 'postgres://u:p@db-direct:5432/scim',
      DATA_DIR: '/var/lib/scim',
      PUBLIC_URL: 'https://scim.example.com/',
      ADMIN_TOKEN: 'a-very-long-operator-token',
      LOG_LEVEL: 'DEBUG',
      MIGRATE_ON_START: 'false',
      BODY_LIMIT: '2048',
      BULK_MAX_OPERATIONS: '50',
      BULK_MAX_PAYLOAD_BYTES: '4096',
      RATE_LIMIT_RPS: '5',
      RATE_LIMIT_BURST: '20',
      DB_STATEMENT_TIMEOUT_MS: '3000',
      DB_ACQUIRE_TIMEOUT_MS: '1000',
      DB_PREPARED_STATEMENTS: 'false',
      AUTH_FAILURE_RPS: '0.5',
      AUTH_FAILURE_BURST: '5',
      AUTH_CACHE_TTL_MS: '0',
      METRICS_PORT: '9100',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_SERVICE_NAME: 'scim-eu-west',
      EVENTS_ENABLED: 'false',
      EVENT_RETENTION_DAYS: '7',
      CONSOLE_SESSION_IDLE_MINUTES: '5',
      TRUST_PROXY: 'true',
      WEBHOOK_WORKER: 'off',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_SCHEDULE: '200ms, 1s,2m,1h',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_CONCURRENCY: '4',
    });
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgres://u:p@db:5432/scim',
      databaseListenUrl: 'postgres://u:p@db-direct:5432/scim',
      dataDir: '/var/lib/scim',
      publicUrl: 'https://scim.example.com',
      adminToken: 'a-very-long-operator-token',
      logLevel: 'debug',
      migrateOnStart: false,
      bodyLimit: 2048,
      bulkMaxOperations: 50,
      bulkMaxPayloadBytes: 4096,
      rateLimitRps: 5,
      rateLimitBurst: 20,
      dbStatementTimeoutMs: 3000,
      dbAcquireTimeoutMs: 1000,
      dbPreparedStatements: false,
      authFailureRps: 0.5,
      authFailureBurst: 5,
      authCacheTtlMs: 0,
      metricsPort: 9100,
      otlpEndpoint: 'http://collector:4318',
      otelServiceName: 'scim-eu-west',
      eventsEnabled: false,
      eventRetentionDays: 7,
      consoleSessionIdleMinutes: 5,
      trustProxy: true,
      webhooks: {
        worker: false,
        allowPrivate: true,
        retryScheduleSeconds: [0.2, 1, 120, 3600],
        timeoutMs: 2000,
        pollMs: 50,
        concurrency: 4,
      },
    });
  });

  it('the Bulk payload limit follows BODY_LIMIT unless set', () => {
    expect(loadConfig({ BODY_LIMIT: '2048' }).bulkMaxPayloadBytes).toBe(2048);
    expect(loadConfig({ BODY_LIMIT: '2048', BULK_MAX_PAYLOAD_BYTES: '1000' }).bulkMaxPayloadBytes).toBe(1000);
  });

  it('DATABASE_LISTEN_URL=none runs without the API key listener', () => {
    expect(loadConfig({ DATABASE_LISTEN_URL: 'none' }).databaseListenUrl).toBeNull();
  });

  it.each([
    ['PORT', 'abc', /PORT must be an integer/],
    ['WEBHOOK_WORKER', 'maybe', /WEBHOOK_WORKER must be true or false/],
    ['WEBHOOK_RETRY_SCHEDULE', '5s,,2m', /WEBHOOK_RETRY_SCHEDULE must be comma-separated delays/],
    ['WEBHOOK_RETRY_SCHEDULE', '0s', /WEBHOOK_RETRY_SCHEDULE must be comma-separated delays/],
    ['WEBHOOK_TIMEOUT_MS', '0', /WEBHOOK_TIMEOUT_MS must be a positive integer/],
    ['PORT', '70000', /PORT must be an integer/],
    ['PORT', '-1', /PORT must be an integer/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL is not a URL/],
    ['DATABASE_URL', 'mysql://u:p@h/db', /postgres:\/\/ scheme/],
    ['DATABASE_LISTEN_URL', 'not a url', /DATABASE_LISTEN_URL is not a URL/],
    ['DATABASE_URL', 'postgres://u:p@h', /must name a host and a database/],
    ['PUBLIC_URL', 'scim.example.com', /PUBLIC_URL must be an absolute/],
    ['PUBLIC_URL', 'ftp://scim.example.com', /PUBLIC_URL must be an absolute/],
    ['ADMIN_TOKEN', 'short', /at least 16 characters/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['MIGRATE_ON_START', 'maybe', /MIGRATE_ON_START must be true or false/],
    ['EVENTS_ENABLED', 'sometimes', /EVENTS_ENABLED must be true or false/],
    ['BODY_LIMIT', '0', /BODY_LIMIT must be a positive integer/],
    ['BULK_MAX_OPERATIONS', '0', /BULK_MAX_OPERATIONS must be a positive integer/],
    ['BULK_MAX_PAYLOAD_BYTES', '1MB', /BULK_MAX_PAYLOAD_BYTES must be a positive integer/],
    ['RATE_LIMIT_RPS', '0', /RATE_LIMIT_RPS must be a positive integer/],
    ['RATE_LIMIT_RPS', '2.5', /RATE_LIMIT_RPS must be a positive integer/],
    ['RATE_LIMIT_BURST', 'lots', /RATE_LIMIT_BURST must be a positive integer/],
    ['DB_STATEMENT_TIMEOUT_MS', '0', /DB_STATEMENT_TIMEOUT_MS must be a positive integer/],
    ['DB_ACQUIRE_TIMEOUT_MS', '1s', /DB_ACQUIRE_TIMEOUT_MS must be a positive integer/],
    ['DB_PREPARED_STATEMENTS', 'maybe', /DB_PREPARED_STATEMENTS must be true or false/],
    ['AUTH_FAILURE_RPS', '0', /AUTH_FAILURE_RPS must be a positive number/],
    ['AUTH_FAILURE_RPS', '-1', /AUTH_FAILURE_RPS must be a positive number/],
    ['AUTH_FAILURE_BURST', '2.5', /AUTH_FAILURE_BURST must be a positive integer/],
    ['AUTH_CACHE_TTL_MS', '-1', /AUTH_CACHE_TTL_MS must be a non-negative integer/],
    ['AUTH_CACHE_TTL_MS', '5s', /AUTH_CACHE_TTL_MS must be a non-negative integer/],
    ['METRICS_PORT', '65536', /METRICS_PORT must be an integer from 0 to 65535/],
    ['METRICS_PORT', '3000', /METRICS_PORT must differ from PORT/],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318', /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/],
    ['EVENT_RETENTION_DAYS', '0', /EVENT_RETENTION_DAYS must be a positive integer/],
    ['EVENT_RETENTION_DAYS', '30d', /EVENT_RETENTION_DAYS must be a positive integer/],
    ['CONSOLE_SESSION_IDLE_MINUTES', '0', /CONSOLE_SESSION_IDLE_MINUTES must be a positive integer/],
    ['TRUST_PROXY', 'maybe', /TRUST_PROXY/],
  ])('rejects %s=%s with a one-line reason', (name, value, message) => {
    const attempt = () => loadConfig({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it('turns metrics off with METRICS_PORT=0, also beside an ephemeral PORT=0', () => {
    expect(loadConfig({ METRICS_PORT: '0' }).metricsPort).toBe(0);
    expect(loadConfig({ PORT: '0', METRICS_PORT: '0' })).toMatchObject({ port: 0, metricsPort: 0 });
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ PORT: ' ', DATABASE_URL: '' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });
});
