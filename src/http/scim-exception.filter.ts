import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ScimError, type ScimType } from '../domain/errors.js';
import type { RouteTable } from './route-table.js';
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from './database-unavailable.js';
import { SCIM_CONTENT_TYPE } from './scim-media-type.js';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../storage/pg-errors.js';

/** Fastify's own errors (body parsing, media type, size) carry a code and a status. */
interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

const FASTIFY_ERRORS: Record<string, { status: number; scimType?: ScimType; detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    detail: 'Unsupported Content-Type: send application/scim+json or application/json',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, detail: 'Request body is larger than the server accepts' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, scimType: 'invalidSyntax', detail: 'Request body is empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    scimType: 'invalidSyntax',
    detail: 'Invalid Content-Length',
  },
};

/**
 * The one exception filter: every error leaves as the RFC 7644 §3.12 envelope, with `status` as a
 * string. Unknown errors become a generic 500; their details go to the log with the request id,
 * never to the client.
 */
@Catch()
export class ScimExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ScimExceptionFilter');

  constructor(private readonly routes?: RouteTable) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    if (isHealthReport(exception)) {
      // Terminus's 503 carries the per-check report that probes and operators read: keep it as is.
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    let error = this.toScimError(exception, request);
    if (error.status === 404 && exception instanceof NotFoundException && this.routes && request) {
      // The path exists, the method does not: 405 with the methods it has.
      const allowed = this.routes.allowedMethods(request.url);
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        void reply.header('Allow', allowed.join(', '));
        error = new ScimError(405, `${request.method} is not supported here; use ${allowed.join(', ')}`);
      }
    }
    if (error.status === 503 && !reply.getHeader('retry-after')) {
      void reply.header('Retry-After', String(RETRY_AFTER_SECONDS));
    }
    if (error.status === 401 && !reply.getHeader('www-authenticate')) {
      reply.header('WWW-Authenticate', 'Bearer realm="scim"');
    }
    void reply.status(error.status).header('Content-Type', SCIM_CONTENT_TYPE).send(error.toJSON());
  }

  private toScimError(exception: unknown, request: FastifyRequest): ScimError {
    if (exception instanceof ScimError) return exception;
    // Fastify's body-parsing errors, bare or wrapped by Nest.
    const fastifyError = (
      (exception as FastifyLikeError)?.code
        ? exception
        : ((exception as { cause?: unknown })?.cause ?? exception)
    ) as FastifyLikeError;
    const known = fastifyError?.code ? FASTIFY_ERRORS[fastifyError.code] : undefined;
    if (known) return new ScimError(known.status, known.detail, known.scimType);
    if (
      exception instanceof SyntaxError ||
      fastifyError?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      (exception instanceof HttpException &&
        exception.getStatus() === 400 &&
        /valid JSON/.test(exception.message))
    ) {
      return new ScimError(400, 'Request body is not valid JSON', 'invalidSyntax');
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    const database = fromDatabaseError(exception);
    if (database) return database;
    if (isDatabaseUnavailable(exception)) {
      const requestId = (request?.raw as { id?: unknown } | undefined)?.id ?? request?.id;
      this.logger.warn({ err: exception, requestId }, 'database unavailable');
      return new ScimError(503, 'The database is unavailable; retry after the Retry-After delay');
    }
    const status = fastifyError?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return new ScimError(status, fastifyError.message ?? 'Bad request');
    }
    const requestId = (request?.raw as { id?: unknown } | undefined)?.id ?? request?.id;
    this.logger.error({ err: exception, requestId }, 'unhandled error');
    return new ScimError(500, 'Internal server error; the request id identifies it in the server log');
  }
}

function fromHttpException(exception: HttpException): ScimError {
  const status = exception.getStatus();
  const body = exception.getResponse();
  const message =
    typeof body === 'string'
      ? body
      : Array.isArray((body as { message?: unknown }).message)
        ? (body as { message: string[] }).message.join('; ')
        : String((body as { message?: unknown }).message ?? exception.message);
  const scimType = status === 400 ? 'invalidValue' : undefined;
  return new ScimError(status, message, scimType);
}

function isHealthReport(exception: unknown): exception is HttpException {
  if (!(exception instanceof HttpException)) return false;
  const body = exception.getResponse();
  return typeof body === 'object' && body !== null && 'details' in body && 'status' in body;
}

/**
 * A safety net for input the checks before the database did not catch: a value too long for an
 * index, or one PostgreSQL cannot read, is the client's error (400), not the server's (500).
 */
export function fromDatabaseError(exception: unknown): ScimError | undefined {
  const code = pgErrorCode(exception);
  if (code === '54000' || code === '22001') {
    return new ScimError(400, 'A value is longer than the server can store or index', 'invalidValue');
  }
  if (code === '22P02' || code === '22007' || code === '22008' || code === '22003' || code === '22021') {
    return new ScimError(400, 'A value is not valid for its attribute', 'invalidValue');
  }
  if (code === PG_UNIQUE_VIOLATION)
    return new ScimError(409, 'The resource conflicts with an existing one', 'uniqueness');
  return undefined;
}
