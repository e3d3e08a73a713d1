import { Injectable } from '@nestjs/common';
import type { TenantTx, Tx } from './database.js';
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
  api_key_id: string | null;
  actor: string | null;
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

  /** Several SCIM writes' rows (a Bulk's run of member PATCHes) in one statement, in the order given. */
  async insertMany(tx: TenantTx, events: readonly AuditRowInput[]): Promise<void> {
    if (events.length === 0) return;
    await tx.sql(
      `INSERT INTO audit_event (tenant_id, api_key_id, request_id, operation, resource_type, resource_id, attributes)
       SELECT $1, (e.item->>'apiKeyId')::uuid, e.item->>'requestId', e.item->>'operation', e.item->>'resourceType',
              e.item->>'resourceId', ARRAY(SELECT jsonb_array_elements_text(e.item->'attributes'))
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(item, n)
        ORDER BY e.n`,
      [tx.tenantId, JSON.stringify(events)],
    );
  }

  /**
   * A change made through the operator API or the console, by `actor`, in `tx`: the tenant's own
   * transaction, or the system one of a change to the tenant row itself (a rename).
   */
  async insertOperatorEvent(
    tx: Tx,
    tenantId: string,
    event: Omit<AuditRowInput, 'apiKeyId'> & { actor: string },
  ): Promise<void> {
    await tx.sql(
      `INSERT INTO audit_event (tenant_id, actor, request_id, operation, resource_type, resource_id, attributes)
       VALUES ($1, $2, $3, $4, $5, $6, $7::text[])`,
      [
        tenantId,
        event.actor,
        event.requestId,
        event.operation,
        event.resourceType,
        event.resourceId,
        event.attributes,
      ],
    );
  }

  /**
   * Up to `limit` events of the tenant older than `before` (an event id), newest first, matching the
   * filters. A resource's history walks audit_event_resource_idx; the others the tenant's trail.
   */
  async page(
    tx: TenantTx,
    before: string | undefined,
    limit: number,
    filters: { resourceType?: string; resourceId?: string; operation?: string } = {},
  ): Promise<AuditRow[]> {
    let query = tx.builder
      .selectFrom('audit_event')
      .select([
        'id',
        'occurred_at',
        'api_key_id',
        'actor',
        'request_id',
        'operation',
        'resource_type',
        'resource_id',
        'attributes',
      ])
      .where('tenant_id', '=', tx.tenantId);
    if (before !== undefined) query = query.where('id', '<', before);
    if (filters.resourceType !== undefined) query = query.where('resource_type', '=', filters.resourceType);
    if (filters.resourceId !== undefined) query = query.where('resource_id', '=', filters.resourceId);
    if (filters.operation !== undefined) query = query.where('operation', '=', filters.operation);
    const { rows } = await tx.query(query.orderBy('id', 'desc').limit(limit));
    return rows as AuditRow[];
  }
}
