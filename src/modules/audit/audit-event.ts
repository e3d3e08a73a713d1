import type { ResourceTypeName } from '../../domain/schema/types.js';
import type { TenantContext } from '../auth/tenant-context.js';
import type { AuditEventInput, AuditOperation } from './audit.service.js';

/** The audit event of a SCIM write: who (tenant, key, request) did what to which resource. */
export function auditEvent(
  scope: { tenant: TenantContext },
  operation: AuditOperation,
  resourceType: ResourceTypeName,
  resourceId: string,
  attributes: string[],
): AuditEventInput {
  return {
    tenantId: scope.tenant.tenantId,
    apiKeyId: scope.tenant.apiKeyId,
    requestId: scope.tenant.requestId,
    operation,
    resourceType,
    resourceId,
    attributes,
  };
}
