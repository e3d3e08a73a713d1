import { ApiResponse } from './doc-decorators.js';
import { SCIM_MEDIA_TYPE } from '../http/scim-media-type.js';
import { COMPONENTS, ref } from './registry-to-openapi.js';

/** The operator API's and the console's errors use the SCIM error envelope (RFC 7644 §3.12), like every error of the server. */
export interface HeaderDoc {
  description: string;
  required: boolean;
  schema: { type: 'string' };
}

/** One documented error answer (a SCIM error body), for the operator API and the console's routes. */
export function errorResponse(
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

/** The Retry-After header of a 429 or 503. */
export const RETRY_AFTER: Record<string, HeaderDoc> = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    required: true,
    schema: { type: 'string' },
  },
};
