import { Injectable } from '@nestjs/common';
import { AuditRepository } from '../../storage/audit.repository.js';
import { Database, type TenantTx, type Tx } from '../../storage/database.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { isoTimestamp } from '../../storage/timestamps.js';
import { requireTenantId } from '../auth/api-keys.service.js';
import { decodeCursor, encodeCursor } from '../../domain/list/cursor.js';

export const AUDIT_OPERATIONS = ['create', 'replace', 'patch', 'delete'] as const;
export type AuditOperation = (typeof AUDIT_OPERATIONS)[number];
/** SCIM resources, and what the operator API and the console change (Tenant, ApiKey, SetupLink). */
export const AUDIT_RESOURCE_TYPES = ['User', 'Group', 'Tenant', 'ApiKey', 'SetupLink'] as const;
export type AuditResourceType = (typeof AUDIT_RESOURCE_TYPES)[number];

/**
 * Who called the operator API, for the audit trail: `operator` (ADMIN_TOKEN or an operator session)
 * or `setup-link:<link id>` (a tenant admin's console session), and the request id.
 */
export interface OperatorCall {
  actor: string;
  requestId: string;
}

/** A change made through the operator API or the console. */
export interface OperatorEventInput {
  operation: AuditOperation;
  resourceType: AuditResourceType;
  resourceId: string;
  attributes: string[];
}

export interface AuditFilters {
  resourceType?: AuditResourceType;
  resourceId?: string;
  operation?: AuditOperation;
}

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
  /** The API key of a SCIM write; null for a change made through the operator API or the console. */
  apiKeyId: string | null;
  /** `api-key:<key id>` for a SCIM write, else the OperatorCall's actor. */
  actor: string;
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

  /** Several events of `tx`'s tenant at once (a Bulk's run of member PATCHes), in order, one statement. */
  async recordMany(tx: TenantTx, events: readonly AuditEventInput[]): Promise<void> {
    if (events.some((event) => event.tenantId !== tx.tenantId))
      throw new Error('Audit event recorded in another tenant’s transaction');
    await this.events.insertMany(
      tx,
      events.map((event) => ({ ...event, attributes: [...new Set(event.attributes)] })),
    );
  }

  /**
   * Records a change made through the operator API or the console by `call.actor`, in `tx`: the
   * tenant's own transaction, or the system one that changes the tenant row.
   */
  async recordOperator(
    tx: Tx,
    tenantId: string,
    call: OperatorCall,
    event: OperatorEventInput,
  ): Promise<void> {
    await this.events.insertOperatorEvent(tx, tenantId, {
      ...event,
      actor: call.actor,
      requestId: call.requestId,
    });
  }

  /** A tenant's trail, newest first, one page at a time. */
  async list(
    tenantId: string,
    options: { cursor?: string; limit?: number } & AuditFilters = {},
  ): Promise<AuditEventPage> {
    const limit = options.limit ?? AUDIT_PAGE_DEFAULT;
    // The cursor names the last event of the previous page (the domain codec, kind `before`).
    const before = options.cursor === undefined ? undefined : decodeCursor(options.cursor, ['before']).id;
    requireTenantId(tenantId);
    const rows = await this.db.transaction(tenantId, async (tx) => {
      await this.tenants.require(tx);
      return this.events.page(tx, before, limit + 1, {
        resourceType: options.resourceType,
        resourceId: options.resourceId,
        operation: options.operation,
      });
    });
    const page = rows.slice(0, limit);
    return {
      events: page.map((row) => ({
        id: String(row.id),
        time: isoTimestamp(row.occurred_at),
        apiKeyId: row.api_key_id,
        actor: row.actor ?? `api-key:${row.api_key_id}`,
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
