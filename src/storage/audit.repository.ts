import { Injectable } from '@nestjs/common';
import type { TenantTx } from './database.js';
import { MEMBERS_CHANGED_SQL } from './memberships.repository.js';

/** One SCIM write of the transaction's tenant, as the audit trail stores it. */
export interface AuditRowInput {
  apiKeyId: string;
  requestId: string;
  operation: string;
  resourceType: string;
  resourceId: string;
  attributes: string[];
}

export interface AuditRow {
  id: string;
  occurred_at: Date | string;
  api_key_id: string;
  request_id: string;
  operation: string;
  resource_type: string;
  resource_id: string;
  attributes: string[];
}

/** audit_event: written in the transaction of the change it describes, read newest first. */
@Injectable()
export class AuditRepository {
  /**
   * With `ifMembersChanged`, the row is written only if a membership change of this transaction added
   * or removed a row (MEMBERS_CHANGED_SQL), so it can travel with the changes in one round trip.
   */
  async insert(tx: TenantTx, event: AuditRowInput, ifMembersChanged = false): Promise<void> {
    // Plain SQL on the caller's transaction: this runs on every SCIM write.
    await tx.sql(
      `INSERT INTO audit_event (tenant_id, api_key_id, request_id, operation, resource_type, resource_id, attributes)
       SELECT $1, $2, $3, $4, $5, $6, $7::text[]${ifMembersChanged ? ` WHERE ${MEMBERS_CHANGED_SQL}` : ''}`,
      [
        tx.tenantId,
        event.apiKeyId,
        event.requestId,
        event.operation,
        event.resourceType,
        event.resourceId,
        event.attributes,
      ],
    );
  }

  /** Up to `limit` events of the tenant older than `before` (an event id), newest first. */
  async page(tx: TenantTx, before: string | undefined, limit: number): Promise<AuditRow[]> {
    let query = tx.builder
      .selectFrom('audit_event')
      .select([
        'id',
        'occurred_at',
        'api_key_id',
        'request_id',
        'operation',
        'resource_type',
        'resource_id',
        'attributes',
      ])
      .where('tenant_id', '=', tx.tenantId);
    if (before !== undefined) query = query.where('id', '<', before);
    const { rows } = await tx.query(query.orderBy('id', 'desc').limit(limit));
    return rows as AuditRow[];
  }
}
