import { type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ScimError } from '../../domain/errors.js';
import { requestTags } from '../../http/request-tags.js';
import { type ApiKeyRequest, API_KEY_STRATEGY } from './api-key.strategy.js';
import { type AuthenticatedKey, ApiKeysService } from './api-keys.service.js';
import type { RequestWithTenant } from './tenant-context.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { TenantRateLimiter } from './tenant-rate-limiter.js';

/**
 * Guards every /scim/v2 route: refuses a client address that failed to authenticate too often (429
 * with Retry-After, before any lookup), authenticates the tenant API key (401 with `WWW-Authenticate:
 * Bearer realm="scim"`, added by the exception filter), then spends one request of the tenant's rate
 * limit, shared by every instance (429 with Retry-After). Sets `request.tenantContext` for
 * @CurrentTenant() and tags the request log line.
 */
@Injectable()
export class ApiKeyGuard extends AuthGuard(API_KEY_STRATEGY) {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly limiter: TenantRateLimiter,
    private readonly failures: FailedAuthLimiter,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    // The socket's address: behind a proxy every client shares the proxy's budget.
    const address = http.getRequest<FastifyRequest>().ip;
    const budget = this.failures.check(address);
    if (!budget.allowed) {
      requestTags(http.getRequest<FastifyRequest>().raw).refusal = 'auth_failure_limit';
      void http.getResponse<FastifyReply>().header('Retry-After', String(budget.retryAfterSeconds));
      throw new ScimError(
        429,
        'Too many failed authentications from this address; retry after the Retry-After delay',
      );
    }
    try {
      await super.canActivate(context);
    } catch (error) {
      if (error instanceof ScimError && error.status === 401) this.failures.recordFailure(address);
      throw error;
    }
    // Authenticated (handleRequest set the tenant): one request of the tenant's shared budget.
    const { tenantId } = http.getRequest<FastifyRequest & RequestWithTenant>().tenantContext!;
    const limit = this.limiter.take(tenantId);
    const result = limit instanceof Promise ? await limit : limit;
    if (!result.allowed) {
      requestTags(http.getRequest<FastifyRequest>().raw).refusal = 'tenant_rate_limit';
      void http.getResponse<FastifyReply>().header('Retry-After', String(result.retryAfterSeconds));
      throw new ScimError(429, 'Too many requests for this tenant; retry after the Retry-After delay');
    }
    return true;
  }

  override getRequest(context: ExecutionContext): ApiKeyRequest {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return {
      headers: { authorization: request.headers.authorization },
      verifyApiKey: async (token) => {
        const result = await this.apiKeys.verify(token);
        if (!result.ok) {
          const tags = requestTags(request.raw);
          tags.refusal = result.reason;
          // The right secret of a revoked or expired key: the tenant's identity provider is misconfigured,
          // which its console shows (connection health) and its log line names.
          if (result.key) {
            tags.tenantId = result.key.tenantId;
            tags.apiKeyId = result.key.apiKeyId;
          }
        }
        return result;
      },
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
      const refusal = request.headers.authorization ? 'malformed_credentials' : 'missing_credentials';
      requestTags(request.raw).refusal = refusal;
      throw new ScimError(
        401,
        request.headers.authorization
          ? 'Invalid Authorization header: send Authorization: Bearer <API key>'
          : 'Authorization: Bearer <API key> is required',
      );
    }
    const { tenantId, apiKeyId } = user as unknown as AuthenticatedKey;
    request.tenantContext = { tenantId, apiKeyId, requestId: request.id };
    const tags = requestTags(request.raw);
    tags.tenantId = tenantId;
    tags.apiKeyId = apiKeyId;
    return user;
  }
}
