import { ApiProperty, ApiPropertyOptional } from '../../openapi/doc-decorators.js';
import { TEAM_ROLES } from '../../domain/team/roles.js';
import {
  GROUP_MEMBERS_ORDER,
  MEMBER_SORTS,
  TEAM_PAGE_DEFAULT,
  TEAM_PAGE_MAX,
  parseGroupsQuery,
  parseMembersQuery,
  parsePageQuery,
  type GroupsQuery,
  type MembersQuery,
  type PageQuery,
} from '../../domain/team/team-query.js';
import { AuditEventDto } from '../admin/dto/admin-responses.dto.js';

// Query classes: documented here, parsed by the domain (a SCIM 400 on a wrong or unknown parameter).

const afterDoc = { type: String, description: 'nextCursor of the previous page' };
const limitDoc = { type: 'integer' as const, minimum: 1, maximum: TEAM_PAGE_MAX, default: TEAM_PAGE_DEFAULT };

export class ListMembersQuery {
  @ApiPropertyOptional({
    type: String,
    description:
      'Case-insensitive substring of the name (displayName, else given and family name), userName or primary email',
  })
  search?: string;

  @ApiPropertyOptional({ type: String, enum: [...TEAM_ROLES], description: 'Case-insensitive' })
  role?: string;

  @ApiPropertyOptional({ type: String, enum: ['active', 'deactivated'] })
  status?: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'Only direct members of this group' })
  group?: string;

  @ApiPropertyOptional({
    type: String,
    enum: [...MEMBER_SORTS],
    default: 'name',
    description: 'role: then by name',
  })
  sort?: string;

  @ApiPropertyOptional({ type: String, enum: ['asc', 'desc'], default: 'asc' })
  order?: string;

  @ApiPropertyOptional(afterDoc)
  after?: string;

  @ApiPropertyOptional(limitDoc)
  limit?: number;

  static parse(value: unknown): MembersQuery {
    return parseMembersQuery(value);
  }
}

export class ListGroupsQuery {
  @ApiPropertyOptional({ type: String, description: 'Case-insensitive substring of the displayName' })
  search?: string;

  @ApiPropertyOptional(afterDoc)
  after?: string;

  @ApiPropertyOptional(limitDoc)
  limit?: number;

  static parse(value: unknown): GroupsQuery {
    return parseGroupsQuery(value);
  }
}

export class ListGroupMembersQuery {
  @ApiPropertyOptional(afterDoc)
  after?: string;

  @ApiPropertyOptional(limitDoc)
  limit?: number;

  static parse(value: unknown): PageQuery {
    return parsePageQuery(value, GROUP_MEMBERS_ORDER);
  }
}

export class MemberNameDto {
  @ApiPropertyOptional({ type: String })
  givenName?: string;

  @ApiPropertyOptional({ type: String })
  familyName?: string;

  @ApiPropertyOptional({ type: String })
  formatted?: string;
}

export class MemberGroupDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String })
  displayName!: string;
}

export class MemberDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String })
  userName!: string;

  @ApiPropertyOptional({ type: String })
  displayName?: string;

  @ApiPropertyOptional({ type: MemberNameDto })
  name?: MemberNameDto;

  @ApiPropertyOptional({ type: String, description: 'The primary (else first) email' })
  email?: string;

  @ApiProperty({
    type: String,
    enum: [...TEAM_ROLES],
    description: 'userType matched case-insensitively; absent or unknown is Viewer',
  })
  role!: string;

  @ApiPropertyOptional({ type: String, description: 'userType as the identity provider sent it' })
  userType?: string;

  @ApiProperty({ type: Boolean })
  active!: boolean;

  @ApiProperty({ type: [MemberGroupDto], description: 'Direct groups, by displayName' })
  groups!: MemberGroupDto[];

  @ApiPropertyOptional({ type: String })
  externalId?: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: string;
}

export class MemberPageDto {
  @ApiProperty({ type: [MemberDto] })
  members!: MemberDto[];

  @ApiPropertyOptional({ type: String, description: 'Pass as after= for the next page; absent on the last' })
  nextCursor?: string;
}

export class MemberDetailDto {
  @ApiProperty({ type: MemberDto })
  member!: MemberDto;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The SCIM User exactly as GET /scim/v2/Users/{id} returns it',
  })
  resource!: Record<string, unknown>;

  @ApiProperty({
    type: [AuditEventDto],
    description: 'The audit trail of the member, newest first, at most 50',
  })
  history!: AuditEventDto[];
}

export class TeamGroupDto {
  @ApiProperty({ type: String, format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String })
  displayName!: string;

  @ApiProperty({ type: 'integer', description: 'Direct members (users and groups)' })
  memberCount!: number;

  @ApiPropertyOptional({ type: String })
  externalId?: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: string;
}

export class GroupPageDto {
  @ApiProperty({ type: [TeamGroupDto] })
  groups!: TeamGroupDto[];

  @ApiPropertyOptional({ type: String, description: 'Pass as after= for the next page; absent on the last' })
  nextCursor?: string;
}

export class GroupDetailDto {
  @ApiProperty({ type: TeamGroupDto })
  group!: TeamGroupDto;

  @ApiProperty({
    type: [AuditEventDto],
    description: 'The audit trail of the group, newest first, at most 50',
  })
  history!: AuditEventDto[];
}

export class ConnectionErrorDto {
  @ApiProperty({ type: String, format: 'date-time' })
  at!: string;

  @ApiProperty({ type: 'integer' })
  status!: number;

  @ApiPropertyOptional({ type: String })
  scimType?: string;

  @ApiProperty({ type: String })
  detail!: string;

  @ApiProperty({ type: String })
  method!: string;

  @ApiProperty({ type: String, description: 'Without the query string' })
  path!: string;
}

export class ConnectionDto {
  @ApiProperty({ type: String, description: 'The SCIM base URL to give the identity provider' })
  scimBaseUrl!: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: "The identity provider's last SCIM request (written at most once a minute per instance)",
  })
  lastRequestAt?: string;

  @ApiPropertyOptional({ type: String, format: 'uuid' })
  lastRequestApiKeyId?: string;

  @ApiPropertyOptional({ type: String })
  lastRequestUserAgent?: string;

  @ApiPropertyOptional({
    type: ConnectionErrorDto,
    description: 'The last 4xx or 5xx answer to a SCIM request',
  })
  lastError?: ConnectionErrorDto;
}
