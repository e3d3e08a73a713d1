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
import { ApiTags } from '../../openapi/doc-decorators.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ListQueryInput } from '../../domain/list/list-query.js';
import type { ProjectionRequest } from '../../domain/project/attributes.js';
import { ScimOperation } from '../../openapi/scim-operation.decorators.js';
import { RequestScopes, ResourceHttp, ScimEndpoint } from '../scim-http/index.js';
import { GroupsService, PATCH_DEFAULT_PROJECTION } from './groups.service.js';

/** /scim/v2/Groups (RFC 7644 §3): the routes and their documentation; ResourceHttp does the rest. */
@ApiTags('Groups')
@ScimEndpoint()
@Controller('scim/v2/Groups')
export class GroupsController {
  private readonly http: ResourceHttp;

  constructor(groups: GroupsService, scopes: RequestScopes) {
    this.http = new ResourceHttp('Group', groups, scopes, PATCH_DEFAULT_PROJECTION);
  }

  @Post()
  @ScimOperation({ resource: 'Group', kind: 'create' })
  createGroup(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
    @Query() query: ProjectionRequest,
  ) {
    return this.http.create(request, reply, body, query);
  }

  @Get()
  @ScimOperation({ resource: 'Group', kind: 'list' })
  listGroups(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: ListQueryInput,
  ) {
    return this.http.list(request, reply, query);
  }

  @Post('.search')
  @HttpCode(200)
  @ScimOperation({ resource: 'Group', kind: 'search' })
  searchGroups(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
  ) {
    return this.http.search(request, reply, body);
  }

  @Get(':id')
  @ScimOperation({ resource: 'Group', kind: 'get' })
  getGroup(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Query() query: ProjectionRequest,
  ) {
    return this.http.get(request, reply, id, query);
  }

  @Put(':id')
  @ScimOperation({ resource: 'Group', kind: 'replace' })
  replaceGroup(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: ProjectionRequest,
  ) {
    return this.http.replace(request, reply, id, body, query);
  }

  @Patch(':id')
  @ScimOperation({ resource: 'Group', kind: 'patch' })
  patchGroup(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: ProjectionRequest,
  ) {
    return this.http.patch(request, reply, id, body, query);
  }

  @Delete(':id')
  @HttpCode(204)
  @ScimOperation({ resource: 'Group', kind: 'delete' })
  deleteGroup(@Req() request: FastifyRequest, @Param('id') id: string): Promise<void> {
    return this.http.delete(request, id);
  }
}
