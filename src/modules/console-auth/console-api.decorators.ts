import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '../../openapi/doc-decorators.js';
import { SCIM_MEDIA_TYPE } from '../../http/scim-media-type.js';
import { COMPONENTS, ref } from '../../openapi/registry-to-openapi.js';

interface HeaderDoc {
  description: string;
  required: boolean;
  schema: { type: 'string' };
}

function errorResponse(
  status: number,
  description: string,
  headers?: Record<string, HeaderDoc>,
): MethodDecorator {
  return ApiResponse({
    status,
    description,
    content: { [SCIM_MEDIA_TYPE]: { schema: ref(COMPONENTS.error) } },
    ...(headers ? { headers } : {}),
  });
}

const retryAfter: Record<string, HeaderDoc> = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    required: true,
    schema: { type: 'string' },
  },
};

/** The errors of a console session route, for the OpenAPI document (and the contract tests). */
export function ConsoleSessionErrors({ body = false, csrf = false } = {}): MethodDecorator {
  return applyDecorators(
    errorResponse(401, 'No live session, or a wrong, expired or revoked token.'),
    errorResponse(500, 'Unexpected server error; the X-Request-Id response header identifies it in the log.'),
    errorResponse(
      503,
      'The database is unavailable or did not answer in time, or the server is shutting down; retry after Retry-After seconds.',
      retryAfter,
    ),
    ...(body
      ? [
          errorResponse(400, 'The body is invalid (invalidValue).'),
          errorResponse(413, 'The body is larger than the server accepts.'),
          errorResponse(415, 'The body is not application/json.'),
          errorResponse(
            429,
            'Too many failed sign-ins from this address (AUTH_FAILURE_BURST, AUTH_FAILURE_RPS); retry after Retry-After seconds.',
            retryAfter,
          ),
        ]
      : []),
    ...(csrf ? [errorResponse(403, 'The X-CSRF-Token header is missing or is not the session’s.')] : []),
  );
}
