import { type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ScimError } from '../../domain/errors.js';
import { type ApiKeyRequest, API_KEY_STRATEGY } from './api-key.strategy.js';
import { type AuthenticatedKey, ApiKeysService } from './api-keys.service.js';
import type { RequestWithTenant } from './tenant-context.js';
import { TenantRateLimiter } from './tenant-rate-limiter.js';

/**
 * Guards every /scim/v2 route: authenticates the tenant API key (401 with `WWW-Authenticate: Bearer
 * realm="scim"`, added by the exception filter), then spends one token of the tenant's rate limit (429
 * with Retry-After). Sets `request.tenantContext` for @CurrentTenant() and tags the request log line.
 */
@Injectable()
export class ApiKeyGuard extends AuthGuard(API_KEY_STRATEGY) {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly limiter: TenantRateLimiter,
  ) {
    super();
  }

  override getRequest(context: ExecutionContext): ApiKeyRequest {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return {
      headers: { authorization: request.headers.authorization },
      verifyApiKey: (token) => this.apiKeys.verify(token),
    };
  }

  override handleRequest<TUser = AuthenticatedKey>(
    err: unknown,
    user: TUser | false | null,
    _info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (err) throw err;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & RequestWithTenant>();
    if (!user) {
      // No credentials, another scheme (Basic), or a Bearer header without exactly one token.
      throw new ScimError(
        401,
        request.headers.authorization
          ? 'Invalid Authorization header: send Authorization: Bearer <API key>'
          : 'Authorization: Bearer <API key> is required',
      );
    }
    const { tenantId, apiKeyId } = user as unknown as AuthenticatedKey;
    request.tenantContext = { tenantId, apiKeyId, requestId: request.id };
    (request.raw as { tenantId?: string }).tenantId = tenantId;

    const budget = this.limiter.take(tenantId);
    if (!budget.allowed) {
      void http.getResponse<FastifyReply>().header('Retry-After', String(budget.retryAfterSeconds));
      throw new ScimError(429, 'Too many requests for this tenant; retry after the Retry-After delay');
    }
    return user;
  }
}
