import { applyDecorators } from '@nestjs/common';
import { errorResponse, RETRY_AFTER } from '../../openapi/error-responses.js';

/** The errors of a console session route, for the OpenAPI document (and the contract tests). */
export function ConsoleSessionErrors({ body = false, csrf = false } = {}): MethodDecorator {
  return applyDecorators(
    errorResponse(401, 'No live session, or a wrong, expired or revoked token.'),
    errorResponse(500, 'Unexpected server error; the X-Request-Id response header identifies it in the log.'),
    errorResponse(
      503,
      'The database is unavailable or did not answer in time, or the server is shutting down; retry after Retry-After seconds.',
      RETRY_AFTER,
    ),
    ...(body
      ? [
          errorResponse(400, 'The body is invalid (invalidValue).'),
          errorResponse(413, 'The body is larger than the server accepts.'),
          errorResponse(415, 'The body is not application/json.'),
          errorResponse(
            429,
            'Too many failed sign-ins from this address (AUTH_FAILURE_BURST, AUTH_FAILURE_RPS); retry after Retry-After seconds.',
            RETRY_AFTER,
          ),
        ]
      : []),
    ...(csrf ? [errorResponse(403, 'The X-CSRF-Token header is missing or is not the session’s.')] : []),
  );
}
