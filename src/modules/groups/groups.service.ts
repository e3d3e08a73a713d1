import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { ListQuery } from '../../domain/list/list-query.js';
import { applyPatch, parsePatchRequest, type MemberRef } from '../../domain/patch/engine.js';
import {
  ALL_ATTRIBUTES,
  includesAttribute,
  parseProjection,
  project,
  type Projection,
} from '../../domain/project/attributes.js';
import { compareResources } from '../../domain/schema/changes.js';
import { validateResource } from '../../domain/schema/validate.js';
import type { ScimResource } from '../../domain/schema/types.js';
import { GROUP_SCHEMA } from '../../domain/schema/urns.js';
import { Database, type TenantTx } from '../../storage/database.js';
import { GroupsRepository } from '../../storage/groups.repository.js';
import type { ResourceRow } from '../../storage/resource-rows.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { auditEvent } from '../audit/audit-event.js';
import { AuditService } from '../audit/audit.service.js';
import { MembershipsService, type MemberRow } from '../memberships/memberships.service.js';
import { scimRegistry } from '../scim/scim-registry.js';
import {
  assertIfMatch,
  listOfRows,
  locationOf,
  once,
  prepend,
  toScimResource,
  type ReadResult,
  type RequestScope,
} from '../scim-http/index.js';

/**
 * A PATCH answer leaves `members` out unless the request names attributes: Entra and Okta PATCH one
 * member at a time, and sending back 100k members each time would cost what the change saved.
 */
export const PATCH_DEFAULT_PROJECTION: Projection = parseProjection(scimRegistry, 'Group', {
  excludedAttributes: 'members',
});

/** SCIM Groups (RFC 7644 §3) on scim_group; members are rows of scim_membership. */
@Injectable()
export class GroupsService {
  private readonly logger = new Logger(GroupsService.name);

  constructor(
    private readonly db: Database,
    private readonly groups: GroupsRepository,
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsService,
    private readonly audit: AuditService,
  ) {}

  async create(
    scope: RequestScope,
    body: unknown,
    projection: Projection = ALL_ATTRIBUTES,
  ): Promise<ScimResource> {
    const { resource, dialects } = validateResource(scimRegistry, 'Group', body, 'create');
    this.noteDialects(dialects);
    const { stored, members } = splitMembers(resource);
    const id = randomUUID();
    return this.db.transaction(scope.tenant.tenantId, async (tx) => {
      await this.tenants.holdForWrite(tx);
      const row = await this.groups.insert(tx, id, stored);
      if (members.length > 0) await this.memberships.replace(tx, id, members);
      const attributes = compareResources(scimRegistry, 'Group', undefined, stored).changedAttributes;
      await this.audit.record(
        tx,
        auditEvent(
          scope,
          'create',
          'Group',
          id,
          members.length > 0 ? [...attributes, 'members'] : attributes,
        ),
      );
      return this.present(tx, scope, row, projection);
    });
  }

  /**
   * One group. Its members, when asked for whole, are streamed from one cursor-backed query: a
   * 100k-member group is never loaded into memory at once.
   */
  async get(scope: RequestScope, id: string, projection: Projection = ALL_ATTRIBUTES): Promise<ReadResult> {
    const streamMembers =
      includesAttribute(scimRegistry, projection, 'Group', 'members') && wantsWholeMembers(projection);
    const { row, resource } = await this.db.transaction(scope.tenant.tenantId, async (tx) => {
      const found = await this.groups.find(tx, id);
      return {
        row: found,
        resource: streamMembers ? undefined : await this.present(tx, scope, found, projection),
      };
    });
    if (resource) return { resource, version: row.version };
    // The stream runs on a connection of its own, after this transaction has given its connection back.
    const withoutMembers = project(
      scimRegistry,
      'Group',
      toScimResource('Group', row, scope.baseUrl),
      projection,
    );
    const chunks = this.memberships.streamMembers(scope.tenant.tenantId, id);
    // The cursor holds a pooled connection until it is returned: `close` is the one way to do it,
    // whether the members were read to the end, in part (client gone) or not at all (304, HEAD).
    const close = once(() => chunks.return(undefined));
    const first = await chunks.next();
    if (first.done || first.value.length === 0) {
      await close();
      return { resource: withoutMembers, version: row.version };
    }
    const refs = async function* () {
      for await (const rows of prepend(first.value, chunks)) yield memberRefs(scope, rows);
    };
    return {
      resource: withoutMembers,
      version: row.version,
      streamed: { name: 'members', chunks: refs(), close },
    };
  }

  /** One page: the groups, the total (index paging) and, when asked for, their members in one statement. */
  async list(scope: RequestScope, query: ListQuery): Promise<ScimResource> {
    const members = includesAttribute(scimRegistry, query.projection, 'Group', 'members');
    const page = await this.db.transaction(scope.tenant.tenantId, (tx) =>
      this.groups.list(tx, query, scimRegistry, { members }),
    );
    return listOfRows(scimRegistry, 'Group', page, scope.baseUrl, query.projection, (row) =>
      members ? { members: memberRefs(scope, row.related.members) } : {},
    );
  }

  /** PUT (RFC 7644 §3.5.1): the member list becomes exactly the one sent; only differing rows change. */
  async replace(
    scope: RequestScope,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection = ALL_ATTRIBUTES,
  ) {
    return this.db.transaction(scope.tenant.tenantId, async (tx) => {
      const row = await this.lockForWrite(tx, id, ifMatch);
      const { resource, dialects } = validateResource(scimRegistry, 'Group', body, 'replace', row.data);
      this.noteDialects(dialects);
      const { stored, members } = splitMembers(resource);
      const membersChanged = await this.memberships.replace(tx, id, members);
      const { changed, changedAttributes: attributes } = compareResources(
        scimRegistry,
        'Group',
        row.data,
        stored,
      );
      const updated = await this.save(tx, row, stored, changed, membersChanged);
      if (updated !== row) {
        await this.audit.record(
          tx,
          auditEvent(scope, 'replace', 'Group', id, membersChanged ? [...attributes, 'members'] : attributes),
        );
      }
      return this.present(tx, scope, updated, projection);
    });
  }

  /** PATCH (RFC 7644 §3.5.2): member operations touch only the rows they name. */
  async patch(
    scope: RequestScope,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection = PATCH_DEFAULT_PROJECTION,
  ) {
    const operations = parsePatchRequest(body);
    return this.db.transaction(scope.tenant.tenantId, async (tx) => {
      const row = await this.lockForWrite(tx, id, ifMatch);
      const result = applyPatch(scimRegistry, 'Group', row.data, operations, { id });
      this.noteDialects(result.dialects);
      const membersChanged = await this.memberships.apply(tx, id, result.memberOps);
      const updated = await this.save(tx, row, result.resource, result.changed, membersChanged);
      if (updated !== row)
        await this.audit.record(tx, auditEvent(scope, 'patch', 'Group', id, result.changedAttributes));
      return this.present(tx, scope, updated, projection);
    });
  }

  async delete(scope: RequestScope, id: string, ifMatch?: string): Promise<void> {
    await this.db.transaction(scope.tenant.tenantId, async (tx) => {
      // FOR UPDATE waits for writes naming this group as a member (FOR KEY SHARE), so the removal
      // below sees their rows; later ones wait for this and then find no such member.
      await this.lockForWrite(tx, id, ifMatch, 'delete');
      // Its own member rows cascade; its rows as a member of other groups do not.
      await this.memberships.removeEverywhere(tx, id);
      await this.groups.delete(tx, id);
      await this.audit.record(tx, auditEvent(scope, 'delete', 'Group', id, []));
    });
  }

  /**
   * The row a write is about to change: the tenant, then the row, locked for the transaction; and still
   * at the version If-Match names (412 otherwise). `lock: 'delete'` for a DELETE.
   */
  private async lockForWrite(
    tx: TenantTx,
    id: string,
    ifMatch: string | undefined,
    lock: 'update' | 'delete' = 'update',
  ): Promise<ResourceRow> {
    await this.tenants.holdForWrite(tx);
    const row = await this.groups.find(tx, id, lock);
    assertIfMatch(ifMatch, row.version);
    return row;
  }

  private async save(
    tx: TenantTx,
    row: ResourceRow,
    stored: ScimResource,
    changed: boolean,
    membersChanged: boolean,
  ): Promise<ResourceRow> {
    if (!changed) {
      return membersChanged ? this.groups.touch(tx, row.id) : row;
    }
    return this.groups.update(tx, row.id, stored);
  }

  private async present(tx: TenantTx, scope: RequestScope, row: ResourceRow, projection: Projection) {
    const related: Record<string, unknown> = {};
    if (includesAttribute(scimRegistry, projection, 'Group', 'members')) {
      const members = await this.memberships.membersOf(tx, [row.id]);
      related.members = memberRefs(scope, members.get(row.id));
    }
    return project(scimRegistry, 'Group', toScimResource('Group', row, scope.baseUrl, related), projection);
  }

  private noteDialects(dialects: readonly string[]): void {
    if (dialects.length > 0) this.logger.debug({ dialects }, 'identity-provider dialect applied');
  }
}

/** members named without sub-attributes (or not excluded at all): each member goes out whole. */
function wantsWholeMembers(projection: Projection): boolean {
  const named = projection.named.get(GROUP_SCHEMA)?.get('members');
  if (projection.mode === 'include') return named === 'whole';
  return named === undefined;
}

function splitMembers(resource: ScimResource): { stored: ScimResource; members: MemberRef[] } {
  const { members, ...stored } = resource;
  return { stored, members: Array.isArray(members) ? (members as MemberRef[]) : [] };
}

function memberRefs(scope: RequestScope, rows: Pick<MemberRow, 'value' | 'type' | 'display'>[] = []) {
  return rows.map((member) => ({
    value: member.value,
    $ref: locationOf(scope.baseUrl, member.type, member.value),
    ...(member.display ? { display: member.display } : {}),
    type: member.type,
  }));
}
