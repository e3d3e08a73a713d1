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
import { UsersService } from './users.service.js';

/** /scim/v2/Users (RFC 7644 §3): the routes and their documentation; ResourceHttp does the rest. */
@ApiTags('Users')
@ScimEndpoint()
@Controller('scim/v2/Users')
export class UsersController {
  private readonly http: ResourceHttp;

  constructor(users: UsersService, scopes: RequestScopes) {
    this.http = new ResourceHttp('User', users, scopes);
  }

  @Post()
  @ScimOperation({ resource: 'User', kind: 'create' })
  createUser(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
    @Query() query: ProjectionRequest,
  ) {
    return this.http.create(request, reply, body, query);
  }

  @Get()
  @ScimOperation({ resource: 'User', kind: 'list' })
  listUsers(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: ListQueryInput,
  ) {
    return this.http.list(request, reply, query);
  }

  @Post('.search')
  @HttpCode(200)
  @ScimOperation({ resource: 'User', kind: 'search' })
  searchUsers(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body() body: unknown,
  ) {
    return this.http.search(request, reply, body);
  }

  @Get(':id')
  @ScimOperation({ resource: 'User', kind: 'get' })
  getUser(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Query() query: ProjectionRequest,
  ) {
    return this.http.get(request, reply, id, query);
  }

  @Put(':id')
  @ScimOperation({ resource: 'User', kind: 'replace' })
  replaceUser(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: ProjectionRequest,
  ) {
    return this.http.replace(request, reply, id, body, query);
  }

  @Patch(':id')
  @ScimOperation({ resource: 'User', kind: 'patch' })
  patchUser(
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
  @ScimOperation({ resource: 'User', kind: 'delete' })
  deleteUser(@Req() request: FastifyRequest, @Param('id') id: string): Promise<void> {
    return this.http.delete(request, id);
  }
}
