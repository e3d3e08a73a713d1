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
import { ScimError } from '../../domain/errors.js';
import { requestTags } from '../../http/request-tags.js';

const BEARER = /^Bearer +(\S+)$/i;

/**
 * The operator API takes `Authorization: Bearer <ADMIN_TOKEN>` and nothing else (a tenant API key
 * never matches). Without ADMIN_TOKEN the API does not exist: 404, as for any unknown route.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  /** SHA-256 of the token, so the comparison is constant-time over equal lengths. */
  private readonly expected?: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = config.adminToken ? sha256(config.adminToken) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (!this.expected) {
      throw new NotFoundException(`Cannot ${request.method} ${request.url.split('?')[0]}`);
    }
    const presented = BEARER.exec(request.headers.authorization?.trim() ?? '')?.[1];
    if (presented === undefined || !timingSafeEqual(sha256(presented), this.expected)) {
      requestTags(request.raw).refusal = 'wrong_admin_token';
      void http.getResponse<FastifyReply>().header('WWW-Authenticate', 'Bearer realm="admin"');
      throw new ScimError(401, 'The operator API requires Authorization: Bearer <ADMIN_TOKEN>');
    }
    return true;
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
