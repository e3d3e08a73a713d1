import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseListQuery, type ListQueryInput } from '../../domain/list/list-query.js';
import { parseProjection, type ProjectionRequest } from '../../domain/project/attributes.js';
import { SCIM_CONTENT_TYPE } from '../../http/scim-media-type.js';
import { isNotModified } from '../scim/etag.js';
import { ScimOperation } from '../../openapi/scim-operation.decorators.js';
import { ScimEndpoint } from '../scim/scim-api.decorators.js';
import { ScimCalls } from '../scim/scim-calls.js';
import { header, sendResource } from '../scim/scim-http.js';
import { GroupsService, PATCH_DEFAULT_PROJECTION } from './groups.service.js';
import { searchBody } from '../scim/search-body.js';

/** /scim/v2/Groups (RFC 7644 §3): HTTP in, one service call, SCIM out. */
@ApiTags('Groups')
@ScimEndpoint()
@Controller('scim/v2/Groups')
export class GroupsController {
  constructor(
    private readonly groups: GroupsService,
    private readonly calls: ScimCalls,
  ) {}

  @Post()
  @ScimOperation({ resource: 'Group', kind: 'create' })
  async createGroup(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
    @Query() query: ProjectionRequest,
  ) {
    const created = await this.groups.create(this.calls.of(request), body, parseProjection('Group', query));
    return sendResource(reply, 201, created);
  }

  @Get()
  @ScimOperation({ resource: 'Group', kind: 'list' })
  async listGroups(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: ListQueryInput,
  ) {
    void reply.header('Content-Type', SCIM_CONTENT_TYPE);
    return this.groups.list(this.calls.of(request), parseListQuery('Group', query));
  }

  @Post('.search')
  @ScimOperation({ resource: 'Group', kind: 'search' })
  @HttpCode(200)
  async searchGroups(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: ListQueryInput,
  ) {
    void reply.header('Content-Type', SCIM_CONTENT_TYPE);
    return this.groups.list(this.calls.of(request), parseListQuery('Group', searchBody(body)));
  }

  @Get(':id')
  @ScimOperation({ resource: 'Group', kind: 'get' })
  async getGroup(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Query() query: ProjectionRequest,
  ) {
    const { resource, version } = await this.groups.get(
      this.calls.of(request),
      id,
      parseProjection('Group', query),
    );
    if (isNotModified(header(request, 'if-none-match'), version)) {
      void reply.status(304).header('ETag', (resource.meta as { version: string }).version);
      return undefined;
    }
    return sendResource(reply, 200, resource);
  }

  @Put(':id')
  @ScimOperation({ resource: 'Group', kind: 'replace' })
  async replaceGroup(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: ProjectionRequest,
  ) {
    const call = this.calls.of(request);
    const projection = parseProjection('Group', query);
    return sendResource(
      reply,
      200,
      await this.groups.replace(call, id, body, header(request, 'if-match'), projection),
    );
  }

  @Patch(':id')
  @ScimOperation({ resource: 'Group', kind: 'patch' })
  async patchGroup(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: ProjectionRequest,
  ) {
    const call = this.calls.of(request);
    const asked = query.attributes !== undefined || query.excludedAttributes !== undefined;
    const projection = asked ? parseProjection('Group', query) : PATCH_DEFAULT_PROJECTION;
    return sendResource(
      reply,
      200,
      await this.groups.patch(call, id, body, header(request, 'if-match'), projection),
    );
  }

  @Delete(':id')
  @ScimOperation({ resource: 'Group', kind: 'delete' })
  @HttpCode(204)
  async deleteGroup(@Req() request: FastifyRequest, @Param('id') id: string): Promise<void> {
    await this.groups.delete(this.calls.of(request), id, header(request, 'if-match'));
  }
}
