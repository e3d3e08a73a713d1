import type { AuditEventInput, AuditOperation } from '../audit/audit.service.js';
import type { ResourceTypeName } from '../../domain/schema/types.js';
import type { ScimCall } from './scim-context.js';

/** The audit event of a SCIM write: who (tenant, key, request) did what to which resource. */
export function auditEvent(
  call: ScimCall,
  operation: AuditOperation,
  resourceType: ResourceTypeName,
  resourceId: string,
  attributes: string[],
): AuditEventInput {
  return {
    tenantId: call.tenant.tenantId,
    apiKeyId: call.tenant.apiKeyId,
    requestId: call.tenant.requestId,
    operation,
    resourceType,
    resourceId,
    attributes,
  };
}
