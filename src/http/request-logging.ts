import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config.js';
import { requestTags } from './request-tags.js';

// A client-supplied id is reused only when it is short and plain, so it cannot forge log lines.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours the caller's X-Request-Id when it is sane, else makes one. */
export function requestIdFor(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const offered = Array.isArray(header) ? header[0] : header;
  return offered && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID();
}

/** The process's root logger: JSON lines; credentials are never written. */
export function createRootLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'authorization'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Longest User-Agent written to a log line: enough for any real client, bounded for the others. */
const USER_AGENT_MAX = 256;

/**
 * One JSON line per request: request id, method, path (without the query string: SCIM filters carry
 * PII), route, status, duration, tenant and API key (once authenticated), user agent. The request id
 * is echoed back as X-Request-Id.
 */
export function installRequestLogging(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const { tenantId, apiKeyId } = requestTags(request.raw);
    const userAgent = request.headers['user-agent'];
    request.log.info(
      {
        method: request.method,
        path: request.url.split('?')[0],
        route: request.routeOptions?.url,
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        ...(tenantId ? { tenantId } : {}),
        ...(apiKeyId ? { apiKeyId } : {}),
        ...(userAgent ? { userAgent: userAgent.slice(0, USER_AGENT_MAX) } : {}),
      },
      'request completed',
    );
    done();
  });
}
