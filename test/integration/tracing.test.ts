import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/config.js';
import { timedStatement } from '../../src/metrics/statement-timing.js';
import { validateEveryResponse } from '../support/contract.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { newUser, scimAs } from '../support/scim-requests.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

describe('OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  const exporter = new InMemorySpanExporter();
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let acme: TestTenant;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      METRICS_PORT: '0',
      // Nothing listens there: the in-memory exporter takes the spans instead.
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
    });
    app = await createApp({ config, databaseUrl: db.url, spanExporter: exporter });
    validateEveryResponse(app);
    acme = await createTenant(app);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });
  beforeEach(() => exporter.reset());

  const spanNamed = (name: string, requestId: string): ReadableSpan | undefined =>
    exporter.getFinishedSpans().find((s) => s.name === name && s.attributes['scim.request_id'] === requestId);

  it('spans the HTTP request by route template and the SCIM operation inside it, with the request id', async () => {
    const scim = scimAs(app, acme.apiKey);
    const created = await scim.post('Users', newUser('grace@example.com'), {
      'x-request-id': 'trace-create',
    });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    expect((await scim.get(`Users/${id}`, { 'x-request-id': 'trace-read' })).statusCode).toBe(200);

    for (const [requestId, route, status] of [
      ['trace-create', 'POST /scim/v2/Users', 201],
      ['trace-read', 'GET /scim/v2/Users/:id', 200],
    ] as const) {
      const http = spanNamed(route, requestId);
      expect(http?.kind).toBe(SpanKind.SERVER);
      expect(http?.attributes['http.response.status_code']).toBe(status);
      const operation = exporter
        .getFinishedSpans()
        .find((s) => s.attributes['scim.operation'] && s.attributes['scim.request_id'] === requestId);
      expect(operation?.name).toMatch(/^UsersController\.\w+$/);
      expect(operation?.parentSpanContext?.spanId).toBe(http?.spanContext().spanId);
      expect(operation?.spanContext().traceId).toBe(http?.spanContext().traceId);
    }
    // The id is in no span name: names are route templates.
    expect(exporter.getFinishedSpans().some((s) => s.name.includes(id))).toBe(false);
    // OTEL_SERVICE_NAME unset: every span's resource names the service scim-server.
    const services = new Set(exporter.getFinishedSpans().map((s) => s.resource.attributes['service.name']));
    expect([...services]).toEqual(['scim-server']);
  });

  it('spans a statement run through timedStatement with its text and never its parameters', async () => {
    const parent = trace.getTracer('test').startSpan('parent');
    const rows = await context.with(trace.setSpan(context.active(), parent), () =>
      timedStatement(() => Promise.resolve(['row']), 'select id from scim_user where user_name = $1'),
    );
    expect(rows).toEqual(['row']);
    const statement = exporter
      .getFinishedSpans()
      .find((s) => s.attributes['db.system.name'] === 'postgresql');
    expect(statement).toMatchObject({
      name: 'SELECT',
      kind: SpanKind.CLIENT,
      attributes: { 'db.query.text': 'select id from scim_user where user_name = $1' },
    });
  });

  it('traces no statement outside a traced request', async () => {
    await timedStatement(() => Promise.resolve(), 'select 1');
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

describe('OTEL_SERVICE_NAME', () => {
  const exporter = new InMemorySpanExporter();
  let db: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      METRICS_PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_SERVICE_NAME: 'scim-eu-west',
    });
    app = await createApp({ config, databaseUrl: db.url, spanExporter: exporter });
    validateEveryResponse(app);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('names the service.name of every span’s resource', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'svc' },
    });
    expect(response.statusCode).toBe(200);
    const spans = exporter.getFinishedSpans().filter((s) => s.attributes['scim.request_id'] === 'svc');
    expect(spans.length).toBeGreaterThan(0);
    for (const span of spans) {
      expect(span.resource.attributes['service.name']).toBe('scim-eu-west');
      // The SDK's own attributes stay (telemetry.sdk.*): the name is merged in, not a bare resource.
      expect(span.resource.attributes['telemetry.sdk.language']).toBe('nodejs');
    }
  });
});
