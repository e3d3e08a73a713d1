// Loaded by createApp only when OTEL_EXPORTER_OTLP_ENDPOINT is set (a dynamic import): without it the
// server loads no OpenTelemetry SDK module and spends nothing on tracing.
import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { context, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { setStatementTracer } from '../metrics/statement-timing.js';

/** Attribute naming the request id (X-Request-Id) on the HTTP and SCIM operation spans. */
export const REQUEST_ID_ATTRIBUTE = 'scim.request_id';

/**
 * Spans for every HTTP request (`GET /scim/v2/Users/:id`), the SCIM operation that answers it
 * (`UsersController.get`) and each database statement run through timedStatement (its text, never
 * its parameters), all with the request id. Spans go to `<endpoint>/v1/traces` over OTLP/HTTP in
 * batches, or to `exporter` (tests: an in-memory exporter, one span at a time). Every span's resource
 * has `service.name` = `serviceName` (OTEL_SERVICE_NAME, default `scim-server`): the SDK alone would
 * say `unknown_service:node`, since only the Node SDK meta-package reads OTEL_SERVICE_NAME itself.
 */
export function installTracing(
  app: NestFastifyApplication,
  endpoint: string,
  serviceName: string,
  exporter?: SpanExporter,
): void {
  // Carries the active span across awaits; the first app of the process registers it.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': serviceName })),
    spanProcessors: [
      exporter
        ? new SimpleSpanProcessor({ exporter })
        : new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) }),
    ],
  });
  const tracer = provider.getTracer('scim-server');
  const spans = new WeakMap<FastifyRequest, Span>();
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    const span = tracer.startSpan(route ? `${request.method} ${route}` : request.method, {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        ...(route ? { 'http.route': route } : {}),
        [REQUEST_ID_ATTRIBUTE]: request.id,
      },
    });
    spans.set(request, span);
    // The rest of the request runs inside the span: what it awaits inherits it.
    context.with(trace.setSpan(context.active(), span), done);
  });
  // Reading the body resumes in the socket's context: the handler gets the span back here.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (span) context.with(trace.setSpan(context.active(), span), done);
    else done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });

  app.useGlobalInterceptors(new ScimOperationSpans(tracer));
  const stopTracingStatements = setStatementTracer((text) => statementSpan(tracer, text));
  fastify.addHook('onClose', async () => {
    stopTracingStatements();
    await provider.shutdown();
  });
}

/** One span per controller call, named by controller and method: the SCIM operation. */
class ScimOperationSpans implements NestInterceptor {
  constructor(private readonly tracer: Tracer) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const operation = `${execution.getClass().name}.${execution.getHandler().name}`;
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    const span = this.tracer.startSpan(operation, {
      attributes: { 'scim.operation': operation, [REQUEST_ID_ATTRIBUTE]: request.id },
    });
    const active = trace.setSpan(context.active(), span);
    return new Observable((subscriber) =>
      // The handler runs when subscribed: subscribe inside the span so its awaits inherit it.
      context.with(active, () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
            subscriber.error(error);
          },
          complete: () => {
            span.end();
            subscriber.complete();
          },
        }),
      ),
    );
  }
}

/** A span for a statement inside a traced request (background statements are not traced). */
function statementSpan(tracer: Tracer, text: string): ((error?: unknown) => void) | undefined {
  if (!trace.getSpan(context.active())) return undefined;
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  const span = tracer.startSpan(operation, {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system.name': 'postgresql', 'db.operation.name': operation, 'db.query.text': text },
  });
  return (error) => {
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
}
