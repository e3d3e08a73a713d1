import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { TenantContext } from '../auth/tenant-context.js';
import { baseUrlOf } from './scim-http.js';
import type { RequestScope } from './request-scope.js';

/** Turns an authenticated request into the RequestScope the services take. */
@Injectable()
export class RequestScopes {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  of(request: FastifyRequest): RequestScope {
    const tenant = (request as FastifyRequest & { tenantContext?: TenantContext }).tenantContext;
    if (!tenant) throw new Error('SCIM route reached without ApiKeyGuard');
    return { tenant, baseUrl: baseUrlOf(this.config, request) };
  }
}
