import type { ScimError } from '../../domain/errors.js';
import { BULK_RESPONSE_SCHEMA } from '../../domain/schema/urns.js';

/** One operation's answer in a BulkResponse (RFC 7644 §3.7.3); `status` is a string, as the RFC shows. */
export interface BulkOperationResult {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  /** The SCIM error of a failed operation; left out on success (RFC 7644 §3.7: MAY be omitted). */
  response?: ReturnType<ScimError['toJSON']>;
}

export interface BulkResponse {
  schemas: [typeof BULK_RESPONSE_SCHEMA];
  Operations: BulkOperationResult[];
}

export function bulkResponse(operations: BulkOperationResult[]): BulkResponse {
  return { schemas: [BULK_RESPONSE_SCHEMA], Operations: operations };
}
