import { Injectable } from '@nestjs/common';
import { ScimError } from '../../domain/errors.js';
import { teamRoleOf } from '../../domain/team/roles.js';
import {
  encodeTeamCursor,
  GROUP_MEMBERS_ORDER,
  GROUPS_ORDER,
  membersOrder,
  type GroupsQuery,
  type MembersQuery,
  type PageQuery,
} from '../../domain/team/team-query.js';
import { Database, type TenantTx } from '../../storage/database.js';
import { ScimConnectionRepository } from '../../storage/scim-connection.repository.js';
import { TeamRepository, type GroupRow, type MemberRow } from '../../storage/team.repository.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { isoOrNull, isoTimestamp } from '../../storage/timestamps.js';
import { AuditService, type AuditEventView } from '../audit/audit.service.js';
import { requireTenantId } from '../auth/api-keys.service.js';
import { UsersService } from '../users/users.service.js';

export interface MemberView {
  id: string;
  userName: string;
  displayName?: string;
  name?: { givenName?: string; familyName?: string; formatted?: string };
  email?: string;
  role: string;
  userType?: string;
  active: boolean;
  groups: { id: string; displayName: string }[];
  externalId?: string;
  createdAt: string;
  updatedAt: string;
}

export interface TeamGroupView {
  id: string;
  displayName: string;
  memberCount: number;
  externalId?: string;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionView {
  scimBaseUrl: string;
  lastRequestAt?: string;
  lastRequestApiKeyId?: string;
  lastRequestUserAgent?: string;
  lastError?: {
    at: string;
    status: number;
    scimType?: string;
    detail: string;
    method: string;
    path: string;
  };
}

/** How much of a member's or group's audit trail the detail pages show. */
const HISTORY_MAX = 50;

/**
 * The team's read API (docs/console.md): members with their role and groups, groups with their member
 * counts, a member's and a group's history, and the SCIM connection's health. Every read runs in the
 * tenant's own transaction (row-level security), each page one statement (TeamRepository).
 */
@Injectable()
export class TeamService {
  constructor(
    private readonly db: Database,
    private readonly team: TeamRepository,
    private readonly tenants: TenantsRepository,
    private readonly connections: ScimConnectionRepository,
    private readonly audit: AuditService,
    private readonly users: UsersService,
  ) {}

  async members(
    tenantId: string,
    query: MembersQuery,
  ): Promise<{ members: MemberView[]; nextCursor?: string }> {
    const rows = await this.read(tenantId, (tx) => this.team.members(tx, query));
    return page(rows, query.limit, toMember, (last) =>
      encodeTeamCursor({ order: membersOrder(query), values: last.sort_values, id: last.id }),
    );
  }

  async member(
    tenantId: string,
    userId: string,
    scope: { requestId: string; baseUrl: string },
  ): Promise<{ member: MemberView; resource: Record<string, unknown>; history: AuditEventView[] }> {
    const row = await this.read(tenantId, (tx) => this.team.member(tx, userId));
    if (!row) throw ScimError.notFound(`User ${userId} not found`);
    const [{ resource }, history] = await Promise.all([
      this.users.get(
        { tenant: { tenantId, apiKeyId: '', requestId: scope.requestId }, baseUrl: scope.baseUrl },
        row.id,
      ),
      this.audit.list(tenantId, { resourceId: row.id, limit: HISTORY_MAX }),
    ]);
    return { member: toMember(row), resource, history: history.events };
  }

  async groups(
    tenantId: string,
    query: GroupsQuery,
  ): Promise<{ groups: TeamGroupView[]; nextCursor?: string }> {
    const rows = await this.read(tenantId, (tx) => this.team.groups(tx, query));
    const result = page(rows, query.limit, toGroup, (last) =>
      encodeTeamCursor({ order: GROUPS_ORDER, values: last.sort_values, id: last.id }),
    );
    return { groups: result.members, ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}) };
  }

  async group(
    tenantId: string,
    groupId: string,
  ): Promise<{ group: TeamGroupView; history: AuditEventView[] }> {
    const row = await this.read(tenantId, (tx) => this.team.group(tx, groupId));
    if (!row) throw ScimError.notFound(`Group ${groupId} not found`);
    const history = await this.audit.list(tenantId, { resourceId: row.id, limit: HISTORY_MAX });
    return { group: toGroup(row), history: history.events };
  }

  async groupMembers(
    tenantId: string,
    groupId: string,
    query: PageQuery,
  ): Promise<{ members: MemberView[]; nextCursor?: string }> {
    const rows = await this.read(tenantId, async (tx) => {
      if (!(await this.team.group(tx, groupId))) throw ScimError.notFound(`Group ${groupId} not found`);
      return this.team.groupMembers(tx, groupId, query);
    });
    return page(rows, query.limit, toMember, (last) =>
      encodeTeamCursor({ order: GROUP_MEMBERS_ORDER, values: [], id: last.id }),
    );
  }

  async connection(tenantId: string, scimBaseUrl: string): Promise<ConnectionView> {
    const row = await this.read(tenantId, (tx) => this.connections.find(tx));
    const view: ConnectionView = { scimBaseUrl };
    const lastRequestAt = isoOrNull(row?.last_request_at);
    if (lastRequestAt) view.lastRequestAt = lastRequestAt;
    if (row?.last_request_api_key_id) view.lastRequestApiKeyId = row.last_request_api_key_id;
    if (row?.last_request_user_agent) view.lastRequestUserAgent = row.last_request_user_agent;
    const errorAt = isoOrNull(row?.last_error_at);
    if (row && errorAt && row.last_error_status !== null) {
      view.lastError = {
        at: errorAt,
        status: row.last_error_status,
        ...(row.last_error_scim_type ? { scimType: row.last_error_scim_type } : {}),
        detail: row.last_error_detail ?? '',
        method: row.last_error_method ?? '',
        path: row.last_error_path ?? '',
      };
    }
    return view;
  }

  /** `work` in the tenant's transaction, 404 when there is no such tenant. */
  private read<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    requireTenantId(tenantId);
    return this.db.transaction(tenantId, async (tx) => {
      await this.tenants.require(tx);
      return work(tx);
    });
  }
}

/** The rows shown (one more was read to learn whether a next page exists) and the next page's cursor. */
function page<Row, View>(
  rows: Row[],
  limit: number,
  view: (row: Row) => View,
  cursorOf: (last: Row) => string,
): { members: View[]; nextCursor?: string } {
  const shown = rows.slice(0, limit);
  return {
    members: shown.map(view),
    ...(rows.length > limit ? { nextCursor: cursorOf(shown[shown.length - 1]) } : {}),
  };
}

function toMember(row: MemberRow): MemberView {
  const name = {
    ...(row.given_name ? { givenName: row.given_name } : {}),
    ...(row.family_name ? { familyName: row.family_name } : {}),
    ...(row.formatted ? { formatted: row.formatted } : {}),
  };
  return {
    id: row.id,
    userName: row.user_name,
    ...(row.display_name ? { displayName: row.display_name } : {}),
    ...(Object.keys(name).length > 0 ? { name } : {}),
    ...(row.primary_email ? { email: row.primary_email } : {}),
    role: teamRoleOf(row.user_type),
    ...(row.user_type !== null ? { userType: row.user_type } : {}),
    active: row.active,
    groups: row.groups.map((group) => ({ id: group.value, displayName: group.display })),
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    createdAt: isoTimestamp(row.created_at),
    updatedAt: isoTimestamp(row.last_modified),
  };
}

function toGroup(row: GroupRow): TeamGroupView {
  return {
    id: row.id,
    displayName: row.display_name,
    memberCount: row.member_count,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    createdAt: isoTimestamp(row.created_at),
    updatedAt: isoTimestamp(row.last_modified),
  };
}
