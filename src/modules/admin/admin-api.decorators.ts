import { applyDecorators } from '@nestjs/common';
import { errorResponse, RETRY_AFTER } from '../../openapi/error-responses.js';

export interface AdminErrorOptions {
  /** The route reads a JSON body or query parameters that can be invalid. */
  validates?: boolean;
  /** The route takes a request body. */
  body?: boolean;
  /** What a 404 means besides "the operator API is disabled". */
  notFound?: string;
}

/** The errors of one operator API route, for the OpenAPI document (and the contract tests). */
export function AdminErrors({
  validates = false,
  body = false,
  notFound,
}: AdminErrorOptions = {}): MethodDecorator {
  return applyDecorators(
    errorResponse(401, 'Missing or wrong operator token, or no live console session.', {
      'WWW-Authenticate': { description: 'Bearer realm="admin"', required: true, schema: { type: 'string' } },
    }),
    errorResponse(
      403,
      "A console session's change without its X-CSRF-Token header, or a setup link session outside its own tenant's routes.",
    ),
    errorResponse(
      404,
      `The operator API is disabled (ADMIN_TOKEN unset and no console session)${notFound ? `, or ${notFound}` : ''}.`,
    ),
    errorResponse(500, 'Unexpected server error; the X-Request-Id response header identifies it in the log.'),
    errorResponse(
      503,
      'The database is unavailable or did not answer in time, or the server is shutting down; retry after Retry-After seconds.',
      RETRY_AFTER,
    ),
    ...(validates ? [errorResponse(400, 'The body or query is invalid (invalidValue, invalidCursor).')] : []),
    ...(body
      ? [
          errorResponse(413, 'The body is larger than the server accepts.'),
          errorResponse(415, 'The body is not application/json.'),
        ]
      : []),
  );
}

/** 410 of the events feeds: the cursor is older than the retention period and events after it were pruned. */
export function AdminGoneError(): MethodDecorator {
  return errorResponse(
    410,
    'The cursor points before events deleted after the retention period (EVENT_RETENTION_DAYS): start again without after.',
  );
}
