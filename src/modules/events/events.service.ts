import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { ScimError } from '../../domain/errors.js';
import {
  decodeEventCursor,
  encodeEventCursor,
  FEED_START,
  isBefore,
  type EventPosition,
} from '../../domain/events/event-cursor.js';
import type { EventDraft, EventType } from '../../domain/events/event-types.js';
import { Database, type TenantTx } from '../../storage/database.js';
import {
  EventsRepository,
  type ChangeEventRow,
  type EventCause,
  type StatementExtension,
} from '../../storage/events.repository.js';
import { allInOrder } from '../../storage/pipeline.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { isoTimestamp } from '../../storage/timestamps.js';
import { requireTenantId } from '../auth/api-keys.service.js';
import type { TenantContext } from '../auth/tenant-context.js';

export const EVENTS_PAGE_DEFAULT = 100;
export const EVENTS_PAGE_MAX = 1000;

export interface ChangeEventView {
  id: string;
  type: EventType;
  tenantId: string;
  occurredAt: string;
  requestId: string;
  apiKeyId: string;
  data: Record<string, unknown>;
}

export interface ChangeEventPage {
  events: ChangeEventView[];
  /** Where to poll from next: the last event's position, or the `after` given when there was none. */
  nextCursor: string;
}

export interface EventFeedQuery {
  after?: string;
  limit?: number;
  types?: readonly EventType[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The change events of SCIM writes (docs/events.md): written by the SCIM services in their own
 * transaction (the outbox), read by the operator API in commit-safe order, pruned after the retention.
 */
@Injectable()
export class EventsService {
  private readonly retentionMs: number;

  constructor(
    private readonly db: Database,
    private readonly events: EventsRepository,
    private readonly tenants: TenantsRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.retentionMs = config.eventRetentionDays * DAY_MS;
  }

  /** Who caused the events of a SCIM request's write. */
  causeOf(scope: { tenant: TenantContext }): EventCause {
    return { requestId: scope.tenant.requestId, apiKeyId: scope.tenant.apiKeyId };
  }

  /**
   * Appends the events of a write in `tx`, its own transaction: sent now, unawaited by the caller
   * until its other statements' answers (one round trip with them). No events, no statement.
   */
  record(tx: TenantTx, scope: { tenant: TenantContext }, events: readonly EventDraft[]): Promise<void> {
    return this.events.insert(tx, events, this.causeIn(tx, scope));
  }

  /**
   * The events of a write to one resource row, appended by the write's own statement: pass it to the
   * repository's insert or update (EventsRepository.appending). One statement fewer than `record`.
   */
  appendedTo(
    tx: TenantTx,
    scope: { tenant: TenantContext },
    events: readonly EventDraft[],
  ): StatementExtension {
    const cause = this.causeIn(tx, scope);
    return (statement) => this.events.appending(statement, tx.tenantId, events, cause);
  }

  /** The cause of events written in `tx`, which must be the request's tenant's transaction. */
  private causeIn(tx: TenantTx, scope: { tenant: TenantContext }): EventCause {
    if (scope.tenant.tenantId !== tx.tenantId)
      throw new Error('Change event recorded in another tenant’s transaction');
    return this.causeOf(scope);
  }

  /** A tenant's events after the cursor, oldest first (404 for an unknown tenant). */
  async listTenant(tenantId: string, query: EventFeedQuery): Promise<ChangeEventPage> {
    const after = query.after === undefined ? undefined : decodeEventCursor(query.after);
    requireTenantId(tenantId);
    return this.db.transaction(tenantId, async (tx) => {
      // One round trip: the tenant, the horizon and the page, sent together with COMMIT.
      const known = this.tenants.require(tx);
      const horizon = this.events.horizon(tx, tenantId);
      const rows = this.events.page(tx, this.pageQuery(after, query, tenantId));
      tx.commit();
      const [, pruned, page] = await allInOrder(known, horizon, rows);
      return this.page(after, pruned, page);
    });
  }

  /** Every tenant's events after the cursor, oldest first (the system transaction: all tenants). */
  async listAll(query: EventFeedQuery): Promise<ChangeEventPage> {
    const after = query.after === undefined ? undefined : decodeEventCursor(query.after);
    return this.db.system(async (tx) => {
      // The ORM's transaction runs one statement at a time.
      const pruned = await this.events.horizon(tx);
      const rows = await this.events.page(tx, this.pageQuery(after, query));
      return this.page(after, pruned, rows);
    });
  }

  /**
   * Deletes the events older than the retention period (EVENT_RETENTION_DAYS) as of `now`. Any number
   * of instances may run it at once: the deletion is idempotent.
   */
  prune(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.retentionMs);
    return this.db.system((tx) => this.events.prune(tx, cutoff));
  }

  private pageQuery(after: EventPosition | undefined, query: EventFeedQuery, tenantId?: string) {
    return {
      tenantId,
      after: after ?? FEED_START,
      limit: query.limit ?? EVENTS_PAGE_DEFAULT,
      types: query.types,
    };
  }

  private page(
    after: EventPosition | undefined,
    horizon: EventPosition | undefined,
    rows: ChangeEventRow[],
  ): ChangeEventPage {
    // A cursor before the newest pruned event may have missed events: the reader must start over.
    if (after !== undefined && horizon !== undefined && isBefore(after, horizon)) {
      throw new ScimError(
        410,
        `The cursor points before events that were deleted after the retention period; start again without after (events are kept ${Math.round(this.retentionMs / DAY_MS)} days)`,
        'expiredCursor',
      );
    }
    const last = rows.at(-1);
    // An empty first page starts the reader at the newest pruned event: nothing before it is left, so
    // polling from there is no 410.
    const start = after ?? horizon ?? FEED_START;
    return {
      events: rows.map(toView),
      nextCursor: encodeEventCursor(last ? { xid: last.xid, seq: last.seq } : start),
    };
  }
}

function toView(row: ChangeEventRow): ChangeEventView {
  return {
    id: row.id,
    type: row.type as EventType,
    tenantId: row.tenant_id,
    occurredAt: isoTimestamp(row.occurred_at),
    requestId: row.request_id,
    apiKeyId: row.api_key_id,
    data: row.data,
  };
}
