import { Controller, Get, Inject, Param, Query, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { GroupsQuery, MembersQuery, PageQuery } from '../../domain/team/team-query.js';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '../../openapi/doc-decorators.js';
import { AdminErrors } from '../admin/admin-api.decorators.js';
import { AdminTokenGuard } from '../admin/admin-token.guard.js';
import { AdminRequestPipe } from '../admin/dto/admin-requests.dto.js';
import { baseUrlOf } from '../scim-http/index.js';
import {
  ConnectionDto,
  GroupDetailDto,
  GroupPageDto,
  ListGroupMembersQuery,
  ListGroupsQuery,
  ListMembersQuery,
  MemberDetailDto,
  MemberPageDto,
} from './team.dto.js';
import { TeamService } from './team.service.js';

const validate = new AdminRequestPipe();

/**
 * The team's read API (docs/console.md "The team API"), for the console and the product's other
 * services: members with role and groups, groups with counts, histories, the SCIM connection's health.
 * Operator API authentication (ADMIN_TOKEN or a console session of the tenant).
 */
@ApiTags('team')
@ApiBearerAuth('adminToken')
@ApiCookieAuth('consoleSession')
@UseGuards(AdminTokenGuard)
@Controller('admin/v1/tenants/:id')
export class TeamController {
  constructor(
    private readonly team: TeamService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('members')
  @ApiOperation({
    summary: "The tenant's members with role and groups: searched, filtered, sorted, cursor-paged",
  })
  @ApiOkResponse({ type: MemberPageDto })
  @AdminErrors({ validates: true, notFound: 'there is no such tenant' })
  listMembers(@Param('id') id: string, @Query(validate) query: ListMembersQuery): Promise<MemberPageDto> {
    return this.team.members(id, query as unknown as MembersQuery);
  }

  @Get('members/:userId')
  @ApiOperation({ summary: 'A member: the team view, the SCIM User, and its history from the audit trail' })
  @ApiOkResponse({ type: MemberDetailDto })
  @AdminErrors({ notFound: 'there is no such tenant or member' })
  getMember(
    @Param('id') id: string,
    @Param('userId') userId: string,
    @Req() request: FastifyRequest,
  ): Promise<MemberDetailDto> {
    return this.team.member(id, userId, { requestId: request.id, baseUrl: baseUrlOf(this.config, request) });
  }

  @Get('groups')
  @ApiOperation({ summary: "The tenant's groups by name, with member counts, cursor-paged" })
  @ApiOkResponse({ type: GroupPageDto })
  @AdminErrors({ validates: true, notFound: 'there is no such tenant' })
  listTeamGroups(@Param('id') id: string, @Query(validate) query: ListGroupsQuery): Promise<GroupPageDto> {
    return this.team.groups(id, query as unknown as GroupsQuery);
  }

  @Get('groups/:groupId')
  @ApiOperation({ summary: 'A group with its member count and its history from the audit trail' })
  @ApiOkResponse({ type: GroupDetailDto })
  @AdminErrors({ notFound: 'there is no such tenant or group' })
  getTeamGroup(@Param('id') id: string, @Param('groupId') groupId: string): Promise<GroupDetailDto> {
    return this.team.group(id, groupId);
  }

  @Get('groups/:groupId/members')
  @ApiOperation({ summary: "A group's direct members (users), in member id order, cursor-paged" })
  @ApiOkResponse({ type: MemberPageDto })
  @AdminErrors({ validates: true, notFound: 'there is no such tenant or group' })
  listGroupMembers(
    @Param('id') id: string,
    @Param('groupId') groupId: string,
    @Query(validate) query: ListGroupMembersQuery,
  ): Promise<MemberPageDto> {
    return this.team.groupMembers(id, groupId, query as unknown as PageQuery);
  }

  @Get('connection')
  @ApiOperation({
    summary:
      "The SCIM connection's health: the base URL, the identity provider's last request and last error",
  })
  @ApiOkResponse({ type: ConnectionDto })
  @AdminErrors({ notFound: 'there is no such tenant' })
  getConnection(@Param('id') id: string, @Req() request: FastifyRequest): Promise<ConnectionDto> {
    return this.team.connection(id, `${baseUrlOf(this.config, request)}/scim/v2`);
  }
}
