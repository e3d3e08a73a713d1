import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { EventDraft } from '../domain/events/event-types.js';
import type { EventPosition } from '../domain/events/event-cursor.js';
import type { SystemTx, TenantTx, Tx } from './database.js';

/** Who caused the events of a write: the SCIM request and the API key it came with. */
export interface EventCause {
  requestId: string;
  apiKeyId: string;
}

export interface ChangeEventRow {
  seq: string;
  xid: string;
  id: string;
  tenant_id: string;
  type: string;
  occurred_at: Date | string;
  request_id: string;
  api_key_id: string;
  data: Record<string, unknown>;
}

export interface EventPageQuery {
  /** Only this tenant's events; all tenants' when undefined (the system transaction only). */
  tenantId?: string;
  after: EventPosition;
  limit: number;
  /** Only these types; all when undefined. */
  types?: readonly string[];
}

const INSERT_COLUMNS = 'tenant_id, request_id, api_key_id, type, resource_type, resource_id, data, xid';

/** The events that begin a resource's history: they take their transaction's own id as their position. */
const CREATED_TYPES: ReadonlySet<string> = new Set(['user.created', 'group.created']);
const CREATED = `(${[...CREATED_TYPES].map((type) => `'${type}'`).join(', ')})`;

/**
 * The position (`xid`) of a write's events about a resource other than its creation: the larger of the
 * writing transaction's id and the newest transaction id that had ended when the statement began (its
 * snapshot's xmax, one past the latest completed id, minus one). Why it is right (docs/events.md, "Per
 * resource, commit order"):
 *
 * - It is never below the transaction's own id, so an event whose position is below a reader's snapshot
 *   xmin is from a transaction that has ended: the feed's rule holds.
 * - Every write of a resource's events holds the resource's row lock, taken by an EARLIER statement of
 *   its transaction (a user or group row; for a group's member events, the group's row: GroupsService,
 *   MembershipsService.removeEverywhere). So an earlier write of the resource had committed when this
 *   statement's snapshot was taken: its transaction id, and so its position (by the same rule), is at
 *   most the latest completed id. The resource's events come in the order its writes committed (ties
 *   by `seq`, the order they were inserted).
 *
 * Nothing is read for it. Before, it was the larger of the transaction's id and the position of the
 * resource's newest event, looked up in change_event_resource_idx. A creation takes its transaction's
 * own id: no write about the resource can have begun before it committed.
 */
const POSITION = `greatest(pg_current_xact_id(), (pg_snapshot_xmax(pg_current_snapshot())::text::bigint - 1)::text::xid8)`;

/**
 * The INSERT of a write's events, given as a jsonb array of EventDrafts (each with an optional
 * `requestId` of its own), in their order. The arguments are SQL placeholders. A created resource has
 * no earlier event to be ordered after: its events take the transaction's id without looking one up.
 * With `onlyIf`, a predicate: no event is written unless it holds (the write they describe happened).
 */
function eventRowsSql(
  { tenant, requestId, apiKeyId, events }: Record<'tenant' | 'requestId' | 'apiKeyId' | 'events', string>,
  onlyIf = 'true',
): string {
  return `INSERT INTO change_event (${INSERT_COLUMNS})
       SELECT ${tenant}, coalesce(e.event->>'requestId', ${requestId}), ${apiKeyId}, e.event->>'type', e.event->>'resourceType', (e.event->>'resourceId')::uuid, e.event->'data',
              CASE WHEN e.event->>'type' IN ${CREATED} THEN pg_current_xact_id()
                   ELSE ${POSITION} END
         FROM jsonb_array_elements(${events}::jsonb) WITH ORDINALITY AS e(event, n)
        WHERE ${onlyIf}
        ORDER BY e.n`;
}

/** A parameterized statement: its text and its values ($1 … in order). */
export interface Statement {
  text: string;
  values: unknown[];
}

/** Makes a write statement into one that also appends events (EventsRepository.appending). */
export type StatementExtension = (statement: Statement) => Statement;

type MemberEventType = 'group.member_added' | 'group.member_removed';

/** SQL placeholders of an EventCause; `requestId` unused by 'per row' events. */
export interface MemberEventPlaceholders {
  requestId?: string;
  apiKeyId: string;
  /**
   * The placeholders of the tenant and of the one group every changed row is of, when the statement
   * changes one group's rows (a PATCH, a PUT): the group is then read by its key, once, and the plan
   * is a few nodes smaller than the general one's (which PostgreSQL sets up on every execution).
   */
  oneGroup?: {
    tenant: string;
    group: string;
    /**
     * The statement changes one row at most (one member added or removed: what Okta and Entra send):
     * its event needs no order and no group read kept apart for several rows, so the plan is smaller
     * still (no materialized CTE, no sort).
     */
    oneRow?: boolean;
  };
}

/** A member event's `data` (version 1), from the group `g` and the changed membership row `c`. */
const MEMBER_EVENT_DATA = `jsonb_build_object('version', 1,
               'group', jsonb_build_object('id', g.id, 'displayName', g.display_name, 'externalId', g.external_id),
               'member', jsonb_build_object('value', c.member_id, 'type', c.member_type))`;

/**
 * The CTE that appends one group.member_added / group.member_removed event per row a membership
 * statement changed, in the same statement: `changed` must return the membership rows' tenant_id,
 * group_id, member_id and member_type. A PATCH adding 1,000 members is still one statement, and a
 * change that touched no row writes no event. `$request` and `$apiKey` are the statement's
 * placeholders for the EventCause. With `type` 'per row' (a Bulk's run of member PATCHes: events of
 * several requests, not made by the statement's own DML), `changed` also returns each event's `type`,
 * `request_id` and order `n`, and only `apiKeyId` is a placeholder.
 */
function memberEventsCte(type: MemberEventType | 'per row', placeholders: MemberEventPlaceholders): string {
  const perRow = type === 'per row';
  const { oneGroup } = placeholders;
  if (oneGroup?.oneRow && !perRow) {
    return `events AS (
      INSERT INTO change_event (${INSERT_COLUMNS})
      SELECT g.tenant_id, ${placeholders.requestId}, ${placeholders.apiKeyId}::uuid, '${type}', 'Group', g.id,
             ${MEMBER_EVENT_DATA},
             ${POSITION}
        FROM changed c CROSS JOIN scim_group g
       WHERE g.tenant_id = ${oneGroup.tenant} AND g.id = ${oneGroup.group}
    )`;
  }
  if (oneGroup && !perRow) {
    return `positioned AS MATERIALIZED (
      SELECT g.tenant_id, g.id, g.display_name, g.external_id, ${POSITION} AS xid
        FROM scim_group g
       WHERE g.tenant_id = ${oneGroup.tenant} AND g.id = ${oneGroup.group}
    ), events AS (
      INSERT INTO change_event (${INSERT_COLUMNS})
      SELECT g.tenant_id, ${placeholders.requestId}, ${placeholders.apiKeyId}::uuid, '${type}', 'Group', g.id,
             ${MEMBER_EVENT_DATA},
             g.xid
        FROM changed c CROSS JOIN positioned g
       ORDER BY c.member_id
    )`;
  }
  return `positioned AS (
      SELECT g.tenant_id, g.id, g.display_name, g.external_id, ${POSITION} AS xid
        FROM scim_group g
       WHERE (g.tenant_id, g.id) IN (SELECT DISTINCT c.tenant_id, c.group_id FROM changed c)
    ), events AS (
      INSERT INTO change_event (${INSERT_COLUMNS})
      SELECT c.tenant_id, ${perRow ? 'c.request_id' : placeholders.requestId}, ${placeholders.apiKeyId}::uuid,
             ${perRow ? 'c.type' : `'${type}'`}, 'Group', c.group_id,
             ${MEMBER_EVENT_DATA},
             g.xid
        FROM changed c JOIN positioned g ON g.tenant_id = c.tenant_id AND g.id = c.group_id
       ORDER BY ${perRow ? 'c.n' : 'c.group_id, c.member_id'}
    )`;
}

/**
 * change_event, the outbox (docs/events.md): appended in the transaction of the write the events
 * describe, read in (xid, seq) order, pruned by age.
 *
 * Why (xid, seq) and the snapshot's xmin: a sequence value is taken when a row is inserted but becomes
 * visible when its transaction commits, so a reader paging by seq alone can read 11 while 10 is still
 * uncommitted and skip 10 for good. `xid` is the writing transaction's id; every transaction whose id
 * is below the reading statement's snapshot xmin has ended, so the events below it are final: no event
 * can appear there later. A page returns only those, in (xid, seq) order, and every event committed
 * afterwards sorts after them. A long-open write transaction delays the feed; it never loses an event.
 */
@Injectable()
export class EventsRepository {
  /**
   * EVENTS_ENABLED: false for a deployment that does not use events. The three places that write
   * change_event rows (insert, appending, memberEvents) then write none; everything else stays as it is.
   */
  private readonly enabled: boolean;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'eventsEnabled'>) {
    this.enabled = config.eventsEnabled;
  }

  /**
   * The CTE of a membership statement that appends its member events (memberEventsCte), or, with
   * events off, one that writes nothing: it still names the cause placeholders, which PostgreSQL must
   * be able to type, and, referenced by nothing and modifying nothing, it is never evaluated.
   */
  memberEvents(type: MemberEventType | 'per row', placeholders: MemberEventPlaceholders): string {
    if (this.enabled) return memberEventsCte(type, placeholders);
    const requestId = type === 'per row' ? '' : `${placeholders.requestId}::text, `;
    return `events AS (SELECT ${requestId}${placeholders.apiKeyId}::uuid WHERE false)`;
  }

  /**
   * Appends the events of a write (in order; none: no statement). Sent now, pipelined with the write.
   * A created resource has no earlier event to be ordered after: its events take the transaction's id
   * without looking one up. An event's own `requestId` (the writes of several requests in one
   * transaction: a Bulk's run of creates) stands in for the cause's.
   */
  async insert(
    tx: TenantTx,
    events: readonly (EventDraft & { requestId?: string })[],
    cause: EventCause,
  ): Promise<void> {
    if (events.length === 0 || !this.enabled) return;
    await tx.sql(eventRowsSql({ tenant: '$1', requestId: '$2', apiKeyId: '$3', events: '$4' }), [
      tx.tenantId,
      cause.requestId,
      cause.apiKeyId,
      JSON.stringify(events),
    ]);
  }

  /**
   * `statement`, a write of one resource row (INSERT or UPDATE … RETURNING), made to append the write's
   * events in the same statement (a data-modifying CTE, as the membership statements append theirs):
   * it answers what `statement` answers, and writes the events only if it wrote a row. One statement
   * fewer than `insert` beside the write: an event costs its row, not a statement of its own (its
   * parse, bind, executor start and end, and its answer). No events, or events off: `statement`.
   */
  appending(
    statement: Statement,
    tenantId: string,
    events: readonly EventDraft[],
    cause: EventCause,
  ): Statement {
    if (events.length === 0 || !this.enabled) return statement;
    const next = statement.values.length + 1;
    if (events.length === 1) {
      // The usual write (a create, most updates): one row, its values placeholders of their own, no
      // array to unpack and order, and a creation's position without the lookup.
      const [{ type, resourceType, resourceId, data }] = events;
      const [tenant, requestId, apiKeyId, eventType, eventResourceType, resource, eventData] = [
        0, 1, 2, 3, 4, 5, 6,
      ].map((i) => `$${next + i}`);
      const position = CREATED_TYPES.has(type) ? 'pg_current_xact_id()' : POSITION;
      return {
        text: `WITH written AS (${statement.text}),
          events AS (
            INSERT INTO change_event (${INSERT_COLUMNS})
            SELECT ${tenant}, ${requestId}, ${apiKeyId}, ${eventType}, ${eventResourceType}, ${resource}, ${eventData}::jsonb, ${position}
              FROM written
          )
          SELECT * FROM written`,
        values: [
          ...statement.values,
          tenantId,
          cause.requestId,
          cause.apiKeyId,
          type,
          resourceType,
          resourceId,
          JSON.stringify(data),
        ],
      };
    }
    const [tenant, requestId, apiKeyId, drafts] = [0, 1, 2, 3].map((i) => `$${next + i}`);
    return {
      text: `WITH written AS (${statement.text}),
        events AS (${eventRowsSql({ tenant, requestId, apiKeyId, events: drafts }, 'EXISTS (SELECT 1 FROM written)')})
        SELECT * FROM written`,
      values: [...statement.values, tenantId, cause.requestId, cause.apiKeyId, JSON.stringify(events)],
    };
  }

  /** Up to `limit` events after `after`, oldest first, only from transactions that have all ended. */
  async page(tx: Tx, query: EventPageQuery): Promise<ChangeEventRow[]> {
    const values: unknown[] = [query.after.xid, query.after.seq, query.limit];
    const where = [
      '(e.xid, e.seq) > ($1::xid8, $2::bigint)',
      'e.xid < pg_snapshot_xmin(pg_current_snapshot())',
    ];
    if (query.tenantId !== undefined) {
      values.push(query.tenantId);
      where.unshift(`e.tenant_id = $${values.length}`);
    }
    if (query.types !== undefined) {
      values.push(query.types);
      where.push(`e.type = ANY($${values.length}::text[])`);
    }
    const { rows } = await tx.sql<ChangeEventRow>(
      `SELECT e.seq::text AS seq, e.xid::text AS xid, e.id, e.tenant_id, e.type, e.occurred_at,
              e.request_id, e.api_key_id, e.data
         FROM change_event e
        WHERE ${where.join(' AND ')}
        ORDER BY e.xid, e.seq
        LIMIT $3`,
      values,
    );
    return rows;
  }

  /**
   * The newest event pruned: of the tenant, or of all tenants. A cursor before it may have missed
   * pruned events. Undefined when nothing was pruned.
   */
  async horizon(tx: Tx, tenantId?: string): Promise<EventPosition | undefined> {
    const { rows } =
      tenantId === undefined
        ? await tx.sql<EventPosition>(
            `SELECT xid::text AS xid, seq::text AS seq FROM change_event_horizon ORDER BY xid DESC, seq DESC LIMIT 1`,
          )
        : await tx.sql<EventPosition>(
            `SELECT xid::text AS xid, seq::text AS seq FROM change_event_horizon WHERE tenant_id = $1`,
            [tenantId],
          );
    return rows[0];
  }

  /**
   * Deletes the events that occurred before `cutoff`, as a prefix of the feed's order: everything
   * before the first event (among ended transactions) that is still young, and records per tenant the
   * newest event deleted. Idempotent and safe to run from any number of instances at once: a second
   * run finds nothing left to delete, and a horizon only ever moves forward. The number deleted.
   */
  async prune(tx: SystemTx, cutoff: Date): Promise<number> {
    const { rows } = await tx.sql<{ pruned: number }>(
      `WITH snapshot AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
       boundary AS (
         SELECT e.xid, e.seq FROM change_event e, snapshot s
          WHERE e.xid < s.xmin AND e.occurred_at >= $1
          ORDER BY e.xid, e.seq LIMIT 1
       ),
       upto AS (
         -- Delete before the boundary, or, with none, before the snapshot's xmin: one range of the
         -- (xid, seq) index (seq starts at 1, so (xmin, 0) is below every event of xmin).
         SELECT coalesce(b.xid, s.xmin) AS xid, coalesce(b.seq, 0) AS seq
           FROM snapshot s LEFT JOIN boundary b ON true
       ),
       deleted AS (
         DELETE FROM change_event e USING upto u
          WHERE (e.xid, e.seq) < (u.xid, u.seq) AND e.occurred_at < $1
         RETURNING e.tenant_id, e.xid, e.seq
       ),
       newest AS (
         SELECT DISTINCT ON (tenant_id) tenant_id, xid, seq FROM deleted ORDER BY tenant_id, xid DESC, seq DESC
       ),
       moved AS (
         INSERT INTO change_event_horizon AS h (tenant_id, xid, seq)
         SELECT tenant_id, xid, seq FROM newest
         ON CONFLICT (tenant_id) DO UPDATE SET xid = excluded.xid, seq = excluded.seq
          WHERE (h.xid, h.seq) < (excluded.xid, excluded.seq)
       )
       SELECT count(*)::int AS pruned FROM deleted`,
      [cutoff],
    );
    return rows[0]?.pruned ?? 0;
  }
}
