import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ScimError } from '../../domain/errors.js';
import { SCIM_CONTENT_TYPE } from '../../http/scim-media-type.js';
import { ApiTags } from '../../openapi/doc-decorators.js';
import { BulkOperationDoc } from '../../openapi/bulk-operation.decorators.js';
import { TenantRateLimiter } from '../auth/tenant-rate-limiter.js';
import { RequestScopes, ScimEndpoint } from '../scim-http/index.js';
import { BulkService } from './bulk.service.js';

/** POST /scim/v2/Bulk (RFC 7644 §3.7). */
@ApiTags('Bulk')
@ScimEndpoint()
@Controller('scim/v2')
export class BulkController {
  constructor(
    private readonly bulk: BulkService,
    private readonly scopes: RequestScopes,
    private readonly limiter: TenantRateLimiter,
  ) {}

  @Post('Bulk')
  @HttpCode(200)
  @BulkOperationDoc()
  async bulkRequest(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
  ) {
    const scope = this.scopes.of(request);
    const read = this.bulk.read(body);
    // The guard spent one request of the tenant's rate limit; a Bulk counts as its operations.
    const limit = await this.limiter.takeMore(scope.tenant.tenantId, read.operations.length - 1);
    if (!limit.allowed) {
      void reply.header('Retry-After', String(limit.retryAfterSeconds));
      throw new ScimError(
        429,
        `Too many requests for this tenant (a Bulk request counts as its ${read.operations.length} operations); retry after the Retry-After delay`,
      );
    }
    const answer = await this.bulk.run(scope, read);
    void reply.header('Content-Type', SCIM_CONTENT_TYPE);
    return answer;
  }
}
