import { Injectable } from '@nestjs/common';
import { AuditRepository } from '../../storage/audit.repository.js';
import { Database, type TenantTx } from '../../storage/database.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { isoTimestamp } from '../../storage/timestamps.js';
import { requireTenantId } from '../auth/api-keys.service.js';
import { decodeCursor, encodeCursor } from '../../domain/list/cursor.js';

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
  constructor(
    private readonly db: Database,
    private readonly events: AuditRepository,
    private readonly tenants: TenantsRepository,
  ) {}

  /**
   * Inserts the event in `tx`, the transaction of the change it describes: the trail commits or rolls
   * back with it. `tx` is the event's tenant's transaction. With `ifMembersChanged`, only if a
   * membership change of the transaction added or removed a row (sent with the changes, unawaited).
   */
  async record(
    tx: TenantTx,
    event: AuditEventInput,
    options: { ifMembersChanged?: boolean } = {},
  ): Promise<void> {
    if (event.tenantId !== tx.tenantId)
      throw new Error('Audit event recorded in another tenant’s transaction');
    await this.events.insert(
      tx,
      { ...event, attributes: [...new Set(event.attributes)] },
      options.ifMembersChanged ?? false,
    );
  }

  /** A tenant's trail, newest first, one page at a time. */
  async list(tenantId: string, options: { cursor?: string; limit?: number } = {}): Promise<AuditEventPage> {
    const limit = options.limit ?? AUDIT_PAGE_DEFAULT;
    // The cursor names the last event of the previous page (the domain codec, kind `before`).
    const before = options.cursor === undefined ? undefined : decodeCursor(options.cursor, ['before']).id;
    requireTenantId(tenantId);
    const rows = await this.db.transaction(tenantId, async (tx) => {
      await this.tenants.require(tx);
      return this.events.page(tx, before, limit + 1);
    });
    const page = rows.slice(0, limit);
    return {
      events: page.map((row) => ({
        id: String(row.id),
        time: isoTimestamp(row.occurred_at),
        apiKeyId: row.api_key_id,
        requestId: row.request_id,
        operation: row.operation as AuditOperation,
        resourceType: row.resource_type as AuditResourceType,
        resourceId: row.resource_id,
        attributes: row.attributes,
      })),
      nextCursor:
        rows.length > limit ? encodeCursor({ kind: 'before', id: String(page[page.length - 1].id) }) : null,
    };
  }
}
