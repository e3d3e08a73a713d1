import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { ScimError } from '../../domain/errors.js';
import { runSql } from '../scim/sql.js';
import { TenantEntity } from '../tenants/tenant.entity.js';
import { isUuid } from '../../domain/ids.js';
import { decodeCursor, encodeCursor } from '../../domain/list/cursor.js';
import { AuditEventEntity } from './audit-event.entity.js';

export type AuditOperation = 'create' | 'replace' | 'patch' | 'delete';
export type AuditResourceType = 'User' | 'Group';

/** One SCIM write, as the service that made it describes it. */
export interface AuditEventInput {
  tenantId: string;
  apiKeyId: string;
  requestId: string;
  operation: AuditOperation;
  resourceType: AuditResourceType;
  resourceId: string;
  /** Names of the attributes the write changed (never their values: PII). */
  attributes: string[];
}

export interface AuditEventView {
  id: string;
  time: string;
  apiKeyId: string;
  requestId: string;
  operation: AuditOperation;
  resourceType: AuditResourceType;
  resourceId: string;
  attributes: string[];
}

export interface AuditEventPage {
  events: AuditEventView[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 500;

@Injectable()
export class AuditService {
  constructor(private readonly em: EntityManager) {}

  /**
   * Inserts the event through `em`, i.e. inside the caller's transaction when `em` is the one of
   * `em.transactional(...)`: the trail commits or rolls back with the change it describes.
   */
  async record(em: EntityManager, event: AuditEventInput): Promise<void> {
    // Plain SQL on the caller's transaction: this runs on every SCIM write.
    await runSql(
      em,
      `INSERT INTO audit_event (tenant_id, api_key_id, request_id, operation, resource_type, resource_id, attributes)
       VALUES ($1, $2, $3, $4, $5, $6, $7::text[])`,
      [
        event.tenantId,
        event.apiKeyId,
        event.requestId,
        event.operation,
        event.resourceType,
        event.resourceId,
        [...new Set(event.attributes)],
      ],
    );
  }

  /** A tenant's trail, newest first, one page at a time. */
  async list(tenantId: string, options: { cursor?: string; limit?: number } = {}): Promise<AuditEventPage> {
    const limit = options.limit ?? AUDIT_PAGE_DEFAULT;
    // The cursor names the last event of the previous page (the domain codec, kind `before`).
    const before = options.cursor === undefined ? undefined : decodeCursor(options.cursor, ['before']).id;
    const em = this.em.fork();
    if (!isUuid(tenantId) || !(await em.count(TenantEntity, { id: tenantId }))) {
      throw ScimError.notFound(`Tenant ${tenantId} not found`);
    }
    const rows = await em.find(
      AuditEventEntity,
      before === undefined ? { tenantId } : { tenantId, id: { $lt: before } },
      { orderBy: { id: 'desc' }, limit: limit + 1 },
    );
    const page = rows.slice(0, limit);
    return {
      events: page.map((row) => ({
        id: row.id,
        time: row.occurredAt.toISOString(),
        apiKeyId: row.apiKeyId,
        requestId: row.requestId,
        operation: row.operation as AuditOperation,
        resourceType: row.resourceType as AuditResourceType,
        resourceId: row.resourceId,
        attributes: row.attributes,
      })),
      nextCursor: rows.length > limit ? encodeCursor({ kind: 'before', id: page[page.length - 1].id }) : null,
    };
  }
}
