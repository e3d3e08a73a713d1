import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { ScimError } from '../../domain/errors.js';
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
import { scimRegistry } from '../scim/scim-registry.js';
import type { ScimResource } from '../../domain/schema/types.js';
import { AuditService } from '../audit/audit.service.js';
import { auditEvent } from '../scim/audit-event.js';
import { GROUP_SCHEMA } from '../../domain/schema/urns.js';
import { MembershipsService, type MemberRow } from '../memberships/memberships.service.js';
import type { ReadResult } from '../scim/resource-http.js';
import { once, prepend } from '../scim/streamed-json.js';
import { listResources } from '../scim/resource-list.js';
import { RESOURCE_COLUMNS, locationOf, toScimResource, type ResourceRow } from '../scim/resource-rows.js';
import {
  deleteResourceRow,
  findResourceRow,
  lockForWrite,
  lockTenant,
  touchResourceRow,
} from '../scim/resource-store.js';
import type { ScimCall } from '../scim/scim-context.js';
import { PG_UNIQUE_VIOLATION, SqlBuilder, pgErrorCode, runSql } from '../scim/sql.js';

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
    private readonly em: EntityManager,
    private readonly memberships: MembershipsService,
    private readonly audit: AuditService,
  ) {}

  async create(
    call: ScimCall,
    body: unknown,
    projection: Projection = ALL_ATTRIBUTES,
  ): Promise<ScimResource> {
    const { resource, dialects } = validateResource(scimRegistry, 'Group', body, 'create');
    if (dialects.length > 0) this.logger.debug({ dialects }, 'identity-provider dialect applied');
    const { stored, members } = splitMembers(resource);
    const now = new Date();
    const id = randomUUID();
    const row = await this.em
      .transactional(async (em) => {
        await lockTenant(em, call.tenant.tenantId);
        const sql = new SqlBuilder();
        const { rows } = await runSql<ResourceRow>(
          em,
          `INSERT INTO scim_group AS r (tenant_id, id, display_name, external_id, created_at, last_modified, version, data)
           VALUES (${sql.param(call.tenant.tenantId)}, ${sql.param(id)}, ${sql.param(stored.displayName)},
              ${sql.param(externalIdOf(stored))}, ${sql.param(now)}, ${sql.param(now)}, 1,
              ${sql.param(JSON.stringify(stored))}::jsonb)
           RETURNING ${RESOURCE_COLUMNS}`,
          sql.values,
        );
        if (members.length > 0) await this.memberships.replace(em, call.tenant.tenantId, id, members);
        const attributes = compareResources(scimRegistry, 'Group', undefined, stored).changedAttributes;
        await this.audit.record(
          em,
          auditEvent(
            call,
            'create',
            'Group',
            id,
            members.length > 0 ? [...attributes, 'members'] : attributes,
          ),
        );
        return rows[0];
      })
      .catch(rethrowUniqueness(stored));
    return this.present(this.em, call, row, projection);
  }

  /**
   * One group. Its members, when asked for whole, are streamed from one cursor-backed query: a
   * 100k-member group is never loaded into memory at once.
   */
  async get(call: ScimCall, id: string, projection: Projection = ALL_ATTRIBUTES): Promise<ReadResult> {
    const row = await findResourceRow(this.em, 'Group', call.tenant.tenantId, id);
    if (!includesAttribute(scimRegistry, projection, 'Group', 'members') || !wantsWholeMembers(projection)) {
      return { resource: await this.present(this.em, call, row, projection), version: row.version };
    }
    const withoutMembers = project(
      scimRegistry,
      'Group',
      toScimResource('Group', row, call.baseUrl),
      projection,
    );
    const chunks = this.memberships.streamMembers(this.em, call.tenant.tenantId, id);
    // The cursor holds a pooled connection until it is returned: `close` is the one way to do it,
    // whether the members were read to the end, in part (client gone) or not at all (304, HEAD).
    const close = once(() => chunks.return(undefined));
    const first = await chunks.next();
    if (first.done || first.value.length === 0) {
      await close();
      return { resource: withoutMembers, version: row.version };
    }
    const refs = async function* () {
      for await (const rows of prepend(first.value, chunks)) yield memberRefs(call, rows);
    };
    return {
      resource: withoutMembers,
      version: row.version,
      streamed: { name: 'members', chunks: refs(), close },
    };
  }

  async list(call: ScimCall, query: ListQuery): Promise<ScimResource> {
    const withMembers = includesAttribute(scimRegistry, query.projection, 'Group', 'members');
    return listResources(
      this.em,
      call,
      'Group',
      query,
      withMembers ? (ids) => this.membersLookup(call, ids) : undefined,
    );
  }

  private async membersLookup(call: ScimCall, ids: string[]) {
    const members = await this.memberships.membersOf(this.em, call.tenant.tenantId, ids);
    return (id: string) => ({ members: memberRefs(call, members.get(id)) });
  }

  /** PUT (RFC 7644 §3.5.1): the member list becomes exactly the one sent; only differing rows change. */
  async replace(call: ScimCall, id: string, body: unknown, ifMatch?: string, projection = ALL_ATTRIBUTES) {
    return this.em.transactional(async (em) => {
      const row = await lockForWrite(em, 'Group', call.tenant.tenantId, id, ifMatch);
      const { resource, dialects } = validateResource(scimRegistry, 'Group', body, 'replace', row.data);
      if (dialects.length > 0) this.logger.debug({ dialects }, 'identity-provider dialect applied');
      const { stored, members } = splitMembers(resource);
      const membersChanged = await this.memberships.replace(em, call.tenant.tenantId, id, members);
      const { changed, changedAttributes: attributes } = compareResources(
        scimRegistry,
        'Group',
        row.data,
        stored,
      );
      const updated = await this.save(em, call, row, stored, changed, membersChanged);
      if (updated !== row) {
        await this.audit.record(
          em,
          auditEvent(call, 'replace', 'Group', id, membersChanged ? [...attributes, 'members'] : attributes),
        );
      }
      return this.present(em, call, updated, projection);
    });
  }

  /** PATCH (RFC 7644 §3.5.2): member operations touch only the rows they name. */
  async patch(
    call: ScimCall,
    id: string,
    body: unknown,
    ifMatch?: string,
    projection = PATCH_DEFAULT_PROJECTION,
  ) {
    const operations = parsePatchRequest(body);
    return this.em.transactional(async (em) => {
      const row = await lockForWrite(em, 'Group', call.tenant.tenantId, id, ifMatch);
      const result = applyPatch(scimRegistry, 'Group', row.data, operations, { id });
      if (result.dialects.length > 0)
        this.logger.debug({ dialects: result.dialects }, 'identity-provider dialect applied');
      const membersChanged = await this.memberships.apply(em, call.tenant.tenantId, id, result.memberOps);
      const updated = await this.save(em, call, row, result.resource, result.changed, membersChanged);
      if (updated !== row)
        await this.audit.record(em, auditEvent(call, 'patch', 'Group', id, result.changedAttributes));
      return this.present(em, call, updated, projection);
    });
  }

  async delete(call: ScimCall, id: string, ifMatch?: string): Promise<void> {
    await this.em.transactional(async (em) => {
      // FOR UPDATE waits for writes naming this group as a member (FOR KEY SHARE), so the removal
      // below sees their rows; later ones wait for this and then find no such member.
      await lockForWrite(em, 'Group', call.tenant.tenantId, id, ifMatch, 'delete');
      // Its own member rows cascade; its rows as a member of other groups do not.
      await this.memberships.removeEverywhere(em, call.tenant.tenantId, id);
      await deleteResourceRow(em, 'Group', call.tenant.tenantId, id);
      await this.audit.record(em, auditEvent(call, 'delete', 'Group', id, []));
    });
  }

  private async save(
    em: EntityManager,
    call: ScimCall,
    row: ResourceRow,
    stored: ScimResource,
    changed: boolean,
    membersChanged: boolean,
  ): Promise<ResourceRow> {
    if (!changed) {
      return membersChanged ? touchResourceRow(em, 'Group', call.tenant.tenantId, row.id) : row;
    }
    const sql = new SqlBuilder();
    const { rows } = await runSql<ResourceRow>(
      em,
      `UPDATE scim_group AS r SET display_name = ${sql.param(stored.displayName)},
          external_id = ${sql.param(externalIdOf(stored))}, data = ${sql.param(JSON.stringify(stored))}::jsonb,
          last_modified = ${sql.param(new Date())}, version = r.version + 1
        WHERE r.tenant_id = ${sql.param(call.tenant.tenantId)} AND r.id = ${sql.param(row.id)}
        RETURNING ${RESOURCE_COLUMNS}`,
      sql.values,
    ).catch(rethrowUniqueness(stored));
    return rows[0];
  }

  private async present(em: EntityManager, call: ScimCall, row: ResourceRow, projection: Projection) {
    const related: Record<string, unknown> = {};
    if (includesAttribute(scimRegistry, projection, 'Group', 'members')) {
      const members = await this.memberships.membersOf(em, call.tenant.tenantId, [row.id]);
      related.members = memberRefs(call, members.get(row.id));
    }
    return project(scimRegistry, 'Group', toScimResource('Group', row, call.baseUrl, related), projection);
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

function externalIdOf(resource: ScimResource): string | null {
  return typeof resource.externalId === 'string' ? resource.externalId : null;
}

function memberRefs(call: ScimCall, rows: MemberRow[] = []) {
  return rows.map((member) => ({
    value: member.value,
    $ref: locationOf(call.baseUrl, member.type, member.value),
    ...(member.display ? { display: member.display } : {}),
    type: member.type,
  }));
}

function rethrowUniqueness(stored: ScimResource) {
  return (error: unknown): never => {
    if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
      throw new ScimError(
        409,
        `A group with displayName "${String(stored.displayName)}" already exists`,
        'uniqueness',
      );
    }
    throw error;
  };
}
