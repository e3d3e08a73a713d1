import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Who is calling: set on the request by ApiKeyGuard after the tenant API key checked out. */
export interface TenantContext {
  tenantId: string;
  apiKeyId: string;
  /** The request id (X-Request-Id), for the audit trail. */
  requestId: string;
}

/** The raw request carries the context so the request log line can name the tenant. */
export interface RequestWithTenant {
  tenantContext?: TenantContext;
  raw?: { tenantId?: string };
}

/** Controller parameter: the authenticated tenant of this request. */
export const CurrentTenant = createParamDecorator((_data: unknown, ctx: ExecutionContext): TenantContext => {
  const request = ctx.switchToHttp().getRequest<RequestWithTenant>();
  if (!request.tenantContext) throw new Error('CurrentTenant used on a route without ApiKeyGuard');
  return request.tenantContext;
});
