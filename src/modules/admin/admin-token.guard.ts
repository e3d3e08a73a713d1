import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { isStateChanging, tenantAdminAccess } from '../../domain/console/console-session-rules.js';
import { ScimError } from '../../domain/errors.js';
import { requestTags } from '../../http/request-tags.js';
import { sessionCookieOf } from '../console-auth/console-cookie.js';
import { ConsoleSessionsService } from '../console-auth/console-sessions.service.js';
import type { RequestWithOperatorCall } from '../console-auth/operator-call.js';

const BEARER = /^Bearer +(\S+)$/i;

/**
 * The operator API takes `Authorization: Bearer <ADMIN_TOKEN>` (a tenant API key never matches) or
 * the console's session cookie (docs/console.md):
 * - an operator session may do what ADMIN_TOKEN may;
 * - a tenant admin's session only its own tenant's routes (`/admin/v1/tenants/{its id}/…` and reading
 *   the tenant), 403 elsewhere, 404 for another tenant's id (its existence is not revealed);
 * - a state-changing request with the cookie must carry the session's X-CSRF-Token (403 without).
 * Without ADMIN_TOKEN and without a session cookie the API does not exist: 404, as for any unknown
 * route. Sets `request.operatorCall`: who called, for the audit trail.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  /** SHA-256 of the token, so the comparison is constant-time over equal lengths. */
  private readonly expected?: Buffer;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly sessions: ConsoleSessionsService,
  ) {
    this.expected = config.adminToken ? sha256(config.adminToken) : undefined;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & RequestWithOperatorCall>();
    const refuse = (): never => {
      requestTags(request.raw).refusal = 'wrong_admin_token';
      void http.getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer realm="admin"');
      throw new ScimError(
        401,
        'The operator API requires Authorization: Bearer <ADMIN_TOKEN> or a console session',
      );
    };
    const authorization = request.headers.authorization?.trim();
    const sessionId = authorization ? undefined : sessionCookieOf(request);
    if (sessionId === undefined) {
      if (!this.expected)
        throw new NotFoundException(`Cannot ${request.method} ${request.url.split('?')[0]}`);
      const presented = BEARER.exec(authorization ?? '')?.[1];
      if (presented === undefined || !timingSafeEqual(sha256(presented), this.expected)) refuse();
      request.operatorCall = { role: 'operator', actor: 'operator', requestId: request.id };
      return true;
    }

    const session = await this.sessions.find(sessionId);
    if (!session) return refuse();
    const { view } = session;
    if (view.role === 'tenantAdmin') {
      const params = request.params as Record<string, string | undefined>;
      const access = tenantAdminAccess(
        request.routeOptions.url ?? '',
        request.method,
        params.id,
        view.tenantId!,
      );
      if (access === 'notFound') throw ScimError.notFound(`Tenant ${params.id} not found`);
      if (access === 'forbidden') {
        throw new ScimError(403, 'A setup link session may only use its own tenant’s console routes');
      }
    }
    if (
      isStateChanging(request.method) &&
      !this.sessions.csrfMatches(session, request.headers['x-csrf-token'])
    ) {
      throw new ScimError(403, 'X-CSRF-Token is missing or wrong');
    }
    request.operatorCall =
      view.role === 'operator'
        ? { role: 'operator', actor: 'operator', requestId: request.id }
        : {
            role: 'tenantAdmin',
            actor: `setup-link:${session.setupLinkId}`,
            requestId: request.id,
            tenantId: view.tenantId,
          };
    const tags = requestTags(request.raw);
    if (view.tenantId) tags.tenantId = view.tenantId;
    return true;
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
