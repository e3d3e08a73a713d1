import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { ScimError } from '../../domain/errors.js';
import type { ListQuery } from '../../domain/list/list-query.js';
import { applyPatch, parsePatchRequest } from '../../domain/patch/engine.js';
import {
  ALL_ATTRIBUTES,
  includesAttribute,
  project,
  type Projection,
} from '../../domain/project/attributes.js';
import { compareResources } from '../../domain/schema/changes.js';
import { validateResource } from '../../domain/schema/validate.js';
import { scimRegistry } from '../scim/scim-registry.js';
import type { ScimResource } from '../../domain/schema/types.js';
import { AuditService } from '../audit/audit.service.js';
import { auditEvent } from '../scim/audit-event.js';
import { MembershipsService } from '../memberships/memberships.service.js';
import type { ReadResult } from '../scim/resource-http.js';
import { listResources } from '../scim/resource-list.js';
import { RESOURCE_COLUMNS, locationOf, toScimResource, type ResourceRow } from '../scim/resource-rows.js';
import { deleteResourceRow, findResourceRow, lockForWrite, lockTenant } from '../scim/resource-store.js';
import type { ScimCall } from '../scim/scim-context.js';
import { PG_UNIQUE_VIOLATION, SqlBuilder, pgErrorCode, runSql } from '../scim/sql.js';
import { userColumns } from './user-columns.js';

/** SCIM Users (RFC 7644 §3) on scim_user: every statement is scoped to the caller's tenant. */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

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
    const { resource, ignored, dialects } = validateResource(scimRegistry, 'User', body, 'create');
    this.noteIgnored(ignored);
    if (dialects.length > 0) this.logger.debug({ dialects }, 'identity-provider dialect applied');
    const stored = withoutPassword(resource);
    const now = new Date();
    const id = randomUUID();
    const columns = userColumns(stored);
    const sql = new SqlBuilder();
    const row = await this.em
      .transactional(async (em) => {
        await lockTenant(em, call.tenant.tenantId);
        const inserted = await runSql<ResourceRow>(
          em,
          `INSERT INTO scim_user AS r (tenant_id, id, user_name, external_id, active, display_name, given_name,
              family_name, primary_email, user_type, created_at, last_modified, version, data)
           VALUES (${sql.param(call.tenant.tenantId)}, ${sql.param(id)}, ${sql.param(columns.user_name)},
              ${sql.param(columns.external_id)}, ${sql.param(columns.active)}, ${sql.param(columns.display_name)},
              ${sql.param(columns.given_name)}, ${sql.param(columns.family_name)}, ${sql.param(columns.primary_email)},
              ${sql.param(columns.user_type)}, ${sql.param(now)}, ${sql.param(now)}, 1, ${sql.param(JSON.stringify(stored))}::jsonb)
           RETURNING ${RESOURCE_COLUMNS}`,
          sql.values,
        );
        await this.audit.record(
          em,
          auditEvent(
            call,
            'create',
            'User',
            id,
            compareResources(scimRegistry, 'User', undefined, stored).changedAttributes,
          ),
        );
        return inserted.rows[0];
      })
      .catch((error: unknown) => {
        if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
          throw new ScimError(
            409,
            `A user with userName "${columns.user_name}" already exists`,
            'uniqueness',
          );
        }
        throw error;
      });
    return project(
      scimRegistry,
      'User',
      toScimResource('User', row, call.baseUrl, { groups: [] }),
      projection,
    );
  }

  async get(call: ScimCall, id: string, projection: Projection = ALL_ATTRIBUTES): Promise<ReadResult> {
    const row = await findResourceRow(this.em, 'User', call.tenant.tenantId, id);
    return { resource: await this.present(this.em, call, row, projection), version: row.version };
  }

  async list(call: ScimCall, query: ListQuery): Promise<ScimResource> {
    const withGroups = includesAttribute(scimRegistry, query.projection, 'User', 'groups');
    return listResources(
      this.em,
      call,
      'User',
      query,
      withGroups ? (ids) => this.groupsLookup(call, ids) : undefined,
    );
  }

  private async groupsLookup(call: ScimCall, ids: string[]) {
    const groups = await this.memberships.groupsOf(this.em, call.tenant.tenantId, ids);
    return (id: string) => ({ groups: groupRefs(call, groups.get(id)) });
  }

  /** PUT (RFC 7644 §3.5.1): replaces every writable attribute; readOnly ones in the body are ignored. */
  async replace(call: ScimCall, id: string, body: unknown, ifMatch?: string, projection = ALL_ATTRIBUTES) {
    return this.em.transactional(async (em) => {
      const row = await lockForWrite(em, 'User', call.tenant.tenantId, id, ifMatch);
      const { resource, ignored, dialects } = validateResource(
        scimRegistry,
        'User',
        body,
        'replace',
        row.data,
      );
      this.noteIgnored(ignored);
      if (dialects.length > 0) this.logger.debug({ dialects }, 'identity-provider dialect applied');
      const stored = withoutPassword(resource);
      const { changed, changedAttributes } = compareResources(scimRegistry, 'User', row.data, stored);
      const updated = changed ? await this.save(em, call, row, stored) : row;
      if (updated !== row)
        await this.audit.record(em, auditEvent(call, 'replace', 'User', id, changedAttributes));
      return this.present(em, call, updated, projection);
    });
  }

  /** PATCH (RFC 7644 §3.5.2): all operations or none; an unchanged user keeps its version. */
  async patch(call: ScimCall, id: string, body: unknown, ifMatch?: string, projection = ALL_ATTRIBUTES) {
    const operations = parsePatchRequest(body);
    return this.em.transactional(async (em) => {
      const row = await lockForWrite(em, 'User', call.tenant.tenantId, id, ifMatch);
      const result = applyPatch(scimRegistry, 'User', row.data, operations, { id });
      if (result.dialects.length > 0)
        this.logger.debug({ dialects: result.dialects }, 'identity-provider dialect applied');
      // The engine decided what changed; the password it may carry is dropped, never stored (as on PUT).
      const changedAttributes = result.changedAttributes.filter((name) => name !== 'password');
      const changed = result.changed && changedAttributes.length > 0;
      const updated = changed ? await this.save(em, call, row, withoutPassword(result.resource)) : row;
      if (updated !== row)
        await this.audit.record(em, auditEvent(call, 'patch', 'User', id, changedAttributes));
      return this.present(em, call, updated, projection);
    });
  }

  async delete(call: ScimCall, id: string, ifMatch?: string): Promise<void> {
    await this.em.transactional(async (em) => {
      // FOR UPDATE waits for writes adding this user to a group (they hold it FOR KEY SHARE), so the
      // removal below sees their rows; later ones wait for this and then find no such member.
      await lockForWrite(em, 'User', call.tenant.tenantId, id, ifMatch, 'delete');
      await this.memberships.removeEverywhere(em, call.tenant.tenantId, id);
      await deleteResourceRow(em, 'User', call.tenant.tenantId, id);
      await this.audit.record(em, auditEvent(call, 'delete', 'User', id, []));
    });
  }

  private async save(
    em: EntityManager,
    call: ScimCall,
    row: ResourceRow,
    stored: ScimResource,
  ): Promise<ResourceRow> {
    const columns = userColumns(stored);
    const sql = new SqlBuilder();
    try {
      const { rows } = await runSql<ResourceRow>(
        em,
        `UPDATE scim_user AS r SET user_name = ${sql.param(columns.user_name)}, external_id = ${sql.param(columns.external_id)},
            active = ${sql.param(columns.active)}, display_name = ${sql.param(columns.display_name)},
            given_name = ${sql.param(columns.given_name)}, family_name = ${sql.param(columns.family_name)},
            primary_email = ${sql.param(columns.primary_email)}, user_type = ${sql.param(columns.user_type)},
            data = ${sql.param(JSON.stringify(stored))}::jsonb, last_modified = ${sql.param(new Date())},
            version = r.version + 1
          WHERE r.tenant_id = ${sql.param(call.tenant.tenantId)} AND r.id = ${sql.param(row.id)}
          RETURNING ${RESOURCE_COLUMNS}`,
        sql.values,
      );
      return rows[0];
    } catch (error) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
        throw new ScimError(409, `A user with userName "${columns.user_name}" already exists`, 'uniqueness');
      }
      throw error;
    }
  }

  private async present(em: EntityManager, call: ScimCall, row: ResourceRow, projection: Projection) {
    const related: Record<string, unknown> = {};
    if (includesAttribute(scimRegistry, projection, 'User', 'groups')) {
      const groups = await this.memberships.groupsOf(em, call.tenant.tenantId, [row.id]);
      related.groups = groupRefs(call, groups.get(row.id));
    }
    return project(scimRegistry, 'User', toScimResource('User', row, call.baseUrl, related), projection);
  }

  private noteIgnored(ignored: string[]): void {
    if (ignored.length > 0) this.logger.debug({ ignored }, 'unknown attributes ignored');
  }
}

function groupRefs(call: ScimCall, rows: { value: string; display: string }[] = []) {
  return rows.map((group) => ({
    value: group.value,
    $ref: locationOf(call.baseUrl, 'Group', group.value),
    display: group.display,
    type: 'direct',
  }));
}

/** The password IdPs send on create is accepted and dropped: it is never stored or returned. */
function withoutPassword(resource: ScimResource): ScimResource {
  const { password: _password, ...rest } = resource;
  return rest;
}
