import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '../../openapi/doc-decorators.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SCIM_CONTENT_TYPE } from '../../http/scim-media-type.js';
import { ScimSearchAllOperation } from '../../openapi/scim-operation.decorators.js';
import { RequestScopes, ScimEndpoint, searchBody } from '../scim-http/index.js';
import { SearchService } from './search.service.js';

@ApiTags('Search')
@ScimEndpoint()
@Controller('scim/v2')
export class SearchController {
  constructor(
    private readonly searchService: SearchService,
    private readonly scopes: RequestScopes,
  ) {}

  /** POST /scim/v2/.search: one query over Users and Groups. */
  @Post('.search')
  @ScimSearchAllOperation()
  @HttpCode(200)
  async searchResources(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
  ) {
    void reply.header('Content-Type', SCIM_CONTENT_TYPE);
    return this.searchService.search(this.scopes.of(request), searchBody(body));
  }
}
