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
import { UsersService } from './users.service.js';
import { searchBody } from '../scim/search-body.js';

/** /scim/v2/Users (RFC 7644 §3): HTTP in, one service call, SCIM out. */
@ApiTags('Users')
@ScimEndpoint()
@Controller('scim/v2/Users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly calls: ScimCalls,
  ) {}

  @Post()
  @ScimOperation({ resource: 'User', kind: 'create' })
  async createUser(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
    @Query() query: ProjectionRequest,
  ) {
    const created = await this.users.create(this.calls.of(request), body, parseProjection('User', query));
    return sendResource(reply, 201, created);
  }

  @Get()
  @ScimOperation({ resource: 'User', kind: 'list' })
  async listUsers(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: ListQueryInput,
  ) {
    void reply.header('Content-Type', SCIM_CONTENT_TYPE);
    return this.users.list(this.calls.of(request), parseListQuery('User', query));
  }

  @Post('.search')
  @ScimOperation({ resource: 'User', kind: 'search' })
  @HttpCode(200)
  async searchUsers(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: ListQueryInput,
  ) {
    void reply.header('Content-Type', SCIM_CONTENT_TYPE);
    return this.users.list(this.calls.of(request), parseListQuery('User', searchBody(body)));
  }

  @Get(':id')
  @ScimOperation({ resource: 'User', kind: 'get' })
  async getUser(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Query() query: ProjectionRequest,
  ) {
    const { resource, version } = await this.users.get(
      this.calls.of(request),
      id,
      parseProjection('User', query),
    );
    if (isNotModified(header(request, 'if-none-match'), version)) {
      void reply.status(304).header('ETag', (resource.meta as { version: string }).version);
      return undefined;
    }
    return sendResource(reply, 200, resource);
  }

  @Put(':id')
  @ScimOperation({ resource: 'User', kind: 'replace' })
  async replaceUser(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: ProjectionRequest,
  ) {
    const call = this.calls.of(request);
    const projection = parseProjection('User', query);
    return sendResource(
      reply,
      200,
      await this.users.replace(call, id, body, header(request, 'if-match'), projection),
    );
  }

  @Patch(':id')
  @ScimOperation({ resource: 'User', kind: 'patch' })
  async patchUser(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: ProjectionRequest,
  ) {
    const call = this.calls.of(request);
    const projection = parseProjection('User', query);
    return sendResource(
      reply,
      200,
      await this.users.patch(call, id, body, header(request, 'if-match'), projection),
    );
  }

  @Delete(':id')
  @ScimOperation({ resource: 'User', kind: 'delete' })
  @HttpCode(204)
  async deleteUser(@Req() request: FastifyRequest, @Param('id') id: string): Promise<void> {
    await this.users.delete(this.calls.of(request), id, header(request, 'if-match'));
  }
}
