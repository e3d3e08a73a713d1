import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { TenantContext } from '../auth/tenant-context.js';
import { baseUrlOf } from './scim-http.js';
import type { ScimCall } from './scim-context.js';

/** Turns an authenticated request into the ScimCall the services take. */
@Injectable()
export class ScimCalls {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  of(request: FastifyRequest): ScimCall {
    const tenant = (request as FastifyRequest & { tenantContext?: TenantContext }).tenantContext;
    if (!tenant) throw new Error('SCIM route reached without ApiKeyGuard');
    return { tenant, baseUrl: baseUrlOf(this.config, request) };
  }
}
