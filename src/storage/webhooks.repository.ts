import { Injectable } from '@nestjs/common';
import type { SystemTx } from './database.js';

export interface WebhookEndpointRow {
  id: string;
  tenant_id: string | null;
  url: string;
  event_types: string[] | null;
  description: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | string | null;
  disabled: boolean;
  disabled_reason: string | null;
  failing_since: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface NewWebhookEndpoint {
  tenantId: string | null;
  url: string;
  eventTypes: readonly string[] | null;
  description: string | null;
  secret: string;
}

export interface WebhookEndpointChanges {
  url?: string;
  eventTypes?: readonly string[] | null;
  description?: string | null;
  /** true: disabled by the operator (reason given); false: enabled again (reason and failure cleared). */
  disabled?: { value: boolean; reason: string | null };
}

/** A delivery a worker has claimed: what to send, where, signed with which secrets. */
export interface ClaimedDelivery {
  id: string;
  /** The first delivery of its chain (its own id for a head). */
  head_id: string;
  lease_token: string;
  /** Attempts made before this one. */
  attempts: number;
  endpoint_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | string | null;
  event_id: string;
  /** Null when the event was pruned before it could be delivered (retention). */
  type: string | null;
  tenant_id: string;
  occurred_at: Date | string | null;
  request_id: string | null;
  api_key_id: string | null;
  data: Record<string, unknown> | null;
}

export interface AttemptRecord {
  endpointId: string;
  tenantId: string | null;
  deliveryId: string | null;
  eventId: string;
  eventType: string;
  status: number | null;
  latencyMs: number;
  responseBody: string | null;
  error: string | null;
}

export type DeliveryOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number }
  /** The retry schedule is spent: the delivery fails and its endpoint is disabled with this reason. */
  | { kind: 'give-up'; disabledReason: string }
  /** The event was pruned before it could be sent: the delivery fails, the endpoint is left alone. */
  | { kind: 'expired' };

export interface WebhookAttemptRow {
  id: string;
  endpoint_id: string;
  delivery_id: string | null;
  event_id: string;
  event_type: string;
  attempted_at: Date | string;
  status: number | null;
  latency_ms: number;
  response_body: string | null;
  error: string | null;
}

export interface WebhookQueueStats {
  /** Change events not yet turned into deliveries (the fan-out's backlog). */
  events_not_fanned_out: number;
  pending_deliveries: number;
  /** Seconds since the oldest pending delivery's event occurred; 0 when none is pending. */
  oldest_pending_seconds: number;
}

const ENDPOINT_COLUMNS = `id, tenant_id, url, event_types, description, secret, previous_secret,
  previous_secret_expires_at, disabled, disabled_reason, failing_since, created_at, updated_at`;

/** Events whose transactions have all ended (the events feed's rule, EventsRepository.page). */
const ENDED = 'e.xid < pg_snapshot_xmin(pg_current_snapshot())';

/**
 * Webhook endpoints, the fan-out of change events into deliveries, the delivery queue and the attempt
 * log (docs/events.md, "Webhooks"). Operator tables: every statement runs in a system transaction.
 */
@Injectable()
export class WebhooksRepository {
  async insertEndpoint(tx: SystemTx, endpoint: NewWebhookEndpoint): Promise<WebhookEndpointRow> {
    const { rows } = await tx.sql<WebhookEndpointRow>(
      `INSERT INTO webhook_endpoint (tenant_id, url, event_types, description, secret)
       VALUES ($1, $2, $3::text[], $4, $5) RETURNING ${ENDPOINT_COLUMNS}`,
      [endpoint.tenantId, endpoint.url, endpoint.eventTypes, endpoint.description, endpoint.secret],
    );
    return rows[0];
  }

  /** A tenant's endpoints (tenantId), every tenant's endpoints (null), or all of them (undefined). */
  async listEndpoints(tx: SystemTx, tenantId: string | null | undefined): Promise<WebhookEndpointRow[]> {
    const { rows } =
      tenantId === undefined
        ? await tx.sql<WebhookEndpointRow>(
            `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint ORDER BY created_at, id`,
          )
        : await tx.sql<WebhookEndpointRow>(
            `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE tenant_id IS NOT DISTINCT FROM $1::uuid
              ORDER BY created_at, id`,
            [tenantId],
          );
    return rows;
  }

  async findEndpoint(tx: SystemTx, id: string): Promise<WebhookEndpointRow | undefined> {
    const { rows } = await tx.sql<WebhookEndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  async updateEndpoint(
    tx: SystemTx,
    id: string,
    changes: WebhookEndpointChanges,
  ): Promise<WebhookEndpointRow | undefined> {
    const sets: string[] = ['updated_at = now()'];
    const values: unknown[] = [id];
    const set = (column: string, value: unknown, cast = '') => {
      values.push(value);
      sets.push(`${column} = $${values.length}${cast}`);
    };
    if (changes.url !== undefined) set('url', changes.url);
    if (changes.eventTypes !== undefined) set('event_types', changes.eventTypes, '::text[]');
    if (changes.description !== undefined) set('description', changes.description);
    if (changes.disabled !== undefined) {
      set('disabled', changes.disabled.value);
      set('disabled_reason', changes.disabled.reason);
      if (!changes.disabled.value) sets.push('failing_since = NULL');
    }
    const { rows } = await tx.sql<WebhookEndpointRow>(
      `UPDATE webhook_endpoint SET ${sets.join(', ')} WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      values,
    );
    return rows[0];
  }

  async deleteEndpoint(tx: SystemTx, id: string): Promise<boolean> {
    const { rows } = await tx.sql(`DELETE FROM webhook_endpoint WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }

  /** A new secret; the current one keeps signing beside it for `graceSeconds`. */
  async rotateSecret(
    tx: SystemTx,
    id: string,
    secret: string,
    graceSeconds: number,
  ): Promise<WebhookEndpointRow | undefined> {
    const { rows } = await tx.sql<WebhookEndpointRow>(
      `UPDATE webhook_endpoint
          SET previous_secret = CASE WHEN $3::int > 0 THEN secret END,
              previous_secret_expires_at = CASE WHEN $3::int > 0 THEN now() + make_interval(secs => $3::int) END,
              secret = $2, updated_at = now()
        WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [id, secret, graceSeconds],
    );
    return rows[0];
  }

  /**
   * Turns the next change events (at most `limit`) into deliveries, one per enabled endpoint that
   * wants each, and moves the fan-out cursor past them, in one statement. The events are read like the
   * events API reads them, in (xid, seq) order and only below the snapshot's xmin, so an event that
   * commits late is never passed over (docs/events.md, "Ordering"). The cursor row is locked with SKIP
   * LOCKED: one worker fans out at a time, the others skip this step. With no enabled endpoint the
   * cursor jumps to the newest event (nothing to deliver: an endpoint receives the events committed
   * after it exists). The number of events read (0: caught up, or another worker is at it).
   */
  async fanOut(tx: SystemTx, limit: number): Promise<{ events: number; deliveries: number }> {
    const { rows } = await tx.sql<{ events: number; deliveries: number }>(
      `WITH cursor AS (
         SELECT xid, seq FROM webhook_fanout WHERE id = 1 FOR UPDATE SKIP LOCKED
       ), anyone AS (
         SELECT EXISTS (SELECT 1 FROM webhook_endpoint WHERE NOT disabled) AS listening
       ), batch AS (
         SELECT e.xid, e.seq, e.id, e.tenant_id, e.type, e.resource_id
           FROM change_event e, cursor c, anyone a
          WHERE a.listening AND (e.xid, e.seq) > (c.xid, c.seq) AND ${ENDED}
          ORDER BY e.xid, e.seq
          LIMIT $1
       ), newest AS (
         SELECT e.xid, e.seq FROM change_event e, cursor c, anyone a
          WHERE NOT a.listening AND (e.xid, e.seq) > (c.xid, c.seq) AND ${ENDED}
          ORDER BY e.xid DESC, e.seq DESC
          LIMIT 1
       ), inserted AS (
         INSERT INTO webhook_delivery (endpoint_id, tenant_id, event_id, event_xid, event_seq, resource_id)
         SELECT ep.id, b.tenant_id, b.id, b.xid, b.seq, b.resource_id
           FROM batch b
           JOIN webhook_endpoint ep
             ON NOT ep.disabled
            AND (ep.tenant_id IS NULL OR ep.tenant_id = b.tenant_id)
            AND (ep.event_types IS NULL OR b.type = ANY (ep.event_types))
          ORDER BY b.xid, b.seq, ep.id
         RETURNING 1
       ), last AS (
         SELECT xid, seq FROM (SELECT xid, seq FROM batch UNION ALL SELECT xid, seq FROM newest) t
          ORDER BY xid DESC, seq DESC LIMIT 1
       ), moved AS (
         UPDATE webhook_fanout f SET xid = l.xid, seq = l.seq FROM last l, cursor c WHERE f.id = 1 RETURNING 1
       )
       SELECT (SELECT count(*) FROM batch)::int AS events, (SELECT count(*) FROM inserted)::int AS deliveries,
              (SELECT count(*) FROM moved)::int AS moved`,
      [limit],
    );
    return rows[0];
  }

  /**
   * Claims due deliveries for `leaseSeconds`, in chains: up to `limit` chain heads — per endpoint and
   * resource only the oldest pending delivery (the next may be sent only once it is delivered or given
   * up: in order per resource), of enabled endpoints, oldest events first — each with up to
   * `followers` of the pending deliveries that follow it in its chain, to be sent one after the other
   * by the same worker (a large PATCH series is one long chain). Heads are locked with FOR UPDATE SKIP
   * LOCKED, so workers claiming at once never claim the same chain; followers need no lock of their
   * own, since no other worker can claim a delivery behind a pending head. A claim whose lease ran out
   * (its worker died) is claimable again. In chain order.
   */
  async claim(
    tx: SystemTx,
    limit: number,
    followers: number,
    leaseSeconds: number,
  ): Promise<ClaimedDelivery[]> {
    const { rows } = await tx.sql<ClaimedDelivery>(
      `WITH heads AS (
         SELECT d.id, d.endpoint_id, d.resource_id, d.event_xid, d.event_seq FROM webhook_delivery d
           JOIN webhook_endpoint ep ON ep.id = d.endpoint_id AND NOT ep.disabled
          WHERE d.state = 'pending' AND d.next_attempt_at <= now()
            AND (d.lease_until IS NULL OR d.lease_until < now())
            AND NOT EXISTS (
              SELECT 1 FROM webhook_delivery p
               WHERE p.endpoint_id = d.endpoint_id AND p.resource_id = d.resource_id AND p.state = 'pending'
                 AND (p.event_xid, p.event_seq, p.id) < (d.event_xid, d.event_seq, d.id))
          ORDER BY d.event_xid, d.event_seq, d.id
          LIMIT $1
          FOR UPDATE OF d SKIP LOCKED
       ), tokens AS (
         -- One lease token per chain: recording a delivery renews the lease of the rest of its chain.
         SELECT h.id AS head_id, gen_random_uuid() AS token FROM heads h
       ), chained AS (
         SELECT h.id AS head_id, 0 AS position, h.id FROM heads h
         UNION ALL
         SELECT h.id, f.position, f.id FROM heads h
         CROSS JOIN LATERAL (
           SELECT n.id, row_number() OVER (ORDER BY n.event_xid, n.event_seq, n.id) AS position, n.free
             FROM (
               SELECT n.id, n.event_xid, n.event_seq,
                      (n.lease_until IS NULL OR n.lease_until < now()) AND n.next_attempt_at <= now() AS free
                 FROM webhook_delivery n
                WHERE n.endpoint_id = h.endpoint_id AND n.resource_id = h.resource_id AND n.state = 'pending'
                  AND (n.event_xid, n.event_seq, n.id) > (h.event_xid, h.event_seq, h.id)
                ORDER BY n.event_xid, n.event_seq, n.id
                LIMIT $2
             ) n
         ) f
         WHERE f.free
       ), contiguous AS (
         -- A chain stops at the first follower that is not free: nothing may overtake it.
         SELECT c.* FROM chained c
          WHERE c.position = (SELECT count(*) FROM chained o WHERE o.head_id = c.head_id AND o.position < c.position)
       ), claimed AS (
         UPDATE webhook_delivery d
            SET lease_until = now() + make_interval(secs => $3::int), lease_token = t.token
           FROM contiguous c JOIN tokens t ON t.head_id = c.head_id WHERE d.id = c.id
         RETURNING d.id, c.head_id, c.position, d.lease_token, d.attempts, d.endpoint_id, d.event_id, d.event_xid,
                   d.event_seq, d.tenant_id
       )
       SELECT cl.id::text AS id, cl.head_id::text AS head_id, cl.lease_token, cl.attempts, cl.endpoint_id,
              cl.event_id, cl.tenant_id, ep.url, ep.secret, ep.previous_secret, ep.previous_secret_expires_at,
              e.type, e.occurred_at, e.request_id, e.api_key_id, e.data
         FROM claimed cl
         JOIN webhook_endpoint ep ON ep.id = cl.endpoint_id
         LEFT JOIN change_event e ON e.xid = cl.event_xid AND e.seq = cl.event_seq
        ORDER BY cl.head_id, cl.position`,
      [limit, followers, leaseSeconds],
    );
    return rows;
  }

  /** Gives up the claims of deliveries not attempted (the rest of a chain after a failure). */
  async release(tx: SystemTx, claims: readonly { id: string; leaseToken: string }[]): Promise<void> {
    if (claims.length === 0) return;
    await tx.sql(
      `UPDATE webhook_delivery d SET lease_until = NULL, lease_token = NULL
         FROM unnest($1::bigint[], $2::uuid[]) AS c(id, token)
        WHERE d.id = c.id AND d.lease_token = c.token`,
      [claims.map((claim) => claim.id), claims.map((claim) => claim.leaseToken)],
    );
  }

  /**
   * Records an attempt of a claimed delivery and its outcome, in one statement: the attempt log row,
   * the delivery (delivered, due again later, or failed), its endpoint's failure state, and a new
   * lease of `leaseSeconds` for `renew` (the rest of its chain, when the worker finds the claim half
   * spent). A claim whose lease ran out and was taken over (another lease token) only adds its attempt
   * to the log.
   */
  async recordAttempt(
    tx: SystemTx,
    delivery: { id: string; leaseToken: string },
    attempt: AttemptRecord,
    outcome: DeliveryOutcome,
    lease: { seconds: number; renew: readonly string[] },
  ): Promise<void> {
    const values: unknown[] = [
      delivery.id,
      delivery.leaseToken,
      attempt.endpointId,
      attempt.tenantId,
      attempt.eventId,
      attempt.eventType,
      attempt.status,
      attempt.latencyMs,
      attempt.responseBody,
      attempt.error,
      lease.seconds,
      lease.renew,
    ];
    let deliverySet: string;
    let endpointUpdate: string;
    if (outcome.kind === 'delivered') {
      deliverySet = `state = 'delivered', finished_at = now()`;
      endpointUpdate = `UPDATE webhook_endpoint SET failing_since = NULL
         WHERE id = $3 AND failing_since IS NOT NULL AND EXISTS (SELECT 1 FROM updated) RETURNING 1`;
    } else if (outcome.kind === 'retry') {
      values.push(outcome.delayMs);
      deliverySet = `next_attempt_at = now() + make_interval(secs => $${values.length}::double precision / 1000)`;
      endpointUpdate = `UPDATE webhook_endpoint SET failing_since = now()
         WHERE id = $3 AND failing_since IS NULL AND EXISTS (SELECT 1 FROM updated) RETURNING 1`;
    } else if (outcome.kind === 'expired') {
      deliverySet = `state = 'failed', finished_at = now()`;
      endpointUpdate = `SELECT 1`;
    } else {
      values.push(outcome.disabledReason);
      deliverySet = `state = 'failed', finished_at = now()`;
      endpointUpdate = `UPDATE webhook_endpoint
           SET disabled = true, disabled_reason = $${values.length}, updated_at = now()
         WHERE id = $3 AND NOT disabled AND EXISTS (SELECT 1 FROM updated) RETURNING 1`;
    }
    await tx.sql(
      `WITH updated AS (
         UPDATE webhook_delivery
            SET ${deliverySet}, attempts = attempts + 1, lease_until = NULL, lease_token = NULL
          WHERE id = $1 AND lease_token = $2::uuid
         RETURNING id
       ), endpoint AS (
         ${endpointUpdate}
       ), renewed AS (
         -- The rest of the chain, by id (primary key lookups), while the claim holds.
         UPDATE webhook_delivery r SET lease_until = now() + make_interval(secs => $11::int)
          WHERE r.id = ANY ($12::bigint[]) AND r.lease_token = $2::uuid AND EXISTS (SELECT 1 FROM updated)
         RETURNING 1
       )
       INSERT INTO webhook_attempt (endpoint_id, tenant_id, delivery_id, event_id, event_type, status, latency_ms,
                                    response_body, error)
       VALUES ($3, $4, $1, $5, $6, $7, $8, $9, $10)`,
      values,
    );
  }

  /** Logs an attempt that belongs to no delivery (a test event). */
  async insertAttempt(tx: SystemTx, attempt: AttemptRecord): Promise<WebhookAttemptRow> {
    const { rows } = await tx.sql<WebhookAttemptRow>(
      `INSERT INTO webhook_attempt (endpoint_id, tenant_id, delivery_id, event_id, event_type, status, latency_ms,
                                    response_body, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING id::text AS id, endpoint_id, delivery_id::text AS delivery_id, event_id, event_type, attempted_at,
                 status, latency_ms, response_body, error`,
      [
        attempt.endpointId,
        attempt.tenantId,
        attempt.deliveryId,
        attempt.eventId,
        attempt.eventType,
        attempt.status,
        attempt.latencyMs,
        attempt.responseBody,
        attempt.error,
      ],
    );
    return rows[0];
  }

  /** An endpoint's attempts, newest first, before the attempt `before` (a cursor) when given. */
  async listAttempts(
    tx: SystemTx,
    endpointId: string,
    query: { before?: string; limit: number },
  ): Promise<WebhookAttemptRow[]> {
    const { rows } = await tx.sql<WebhookAttemptRow>(
      `SELECT id::text AS id, endpoint_id, delivery_id::text AS delivery_id, event_id, event_type, attempted_at,
              status, latency_ms, response_body, error
         FROM webhook_attempt
        WHERE endpoint_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint)
        ORDER BY id DESC
        LIMIT $3`,
      [endpointId, query.before ?? null, query.limit],
    );
    return rows;
  }

  /**
   * Queues the endpoint's events again (manual redelivery): the one with `eventId`, or every one that
   * occurred at or after `since`, that the endpoint would receive (its tenant, its types), among
   * events kept (retention). They are delivered in feed order with the rest, per resource after any
   * earlier pending one. The number queued.
   */
  async redeliver(
    tx: SystemTx,
    endpoint: { id: string; tenantId: string | null; eventTypes: readonly string[] | null },
    which: { eventId: string } | { since: Date },
  ): Promise<number> {
    const byEvent = 'eventId' in which;
    const { rows } = await tx.sql<{ queued: number }>(
      `WITH queued AS (
         INSERT INTO webhook_delivery (endpoint_id, tenant_id, event_id, event_xid, event_seq, resource_id)
         SELECT $1, e.tenant_id, e.id, e.xid, e.seq, e.resource_id
           FROM change_event e
          WHERE ($2::uuid IS NULL OR e.tenant_id = $2::uuid)
            AND ($3::text[] IS NULL OR e.type = ANY ($3::text[]))
            AND ${byEvent ? 'e.id = $4::uuid' : 'e.occurred_at >= $4::timestamptz'}
            AND ${ENDED}
          ORDER BY e.xid, e.seq
         RETURNING 1
       )
       SELECT count(*)::int AS queued FROM queued`,
      [endpoint.id, endpoint.tenantId, endpoint.eventTypes, byEvent ? which.eventId : which.since],
    );
    return rows[0]?.queued ?? 0;
  }

  /** The queue's depth and lag (metrics). */
  async stats(tx: SystemTx): Promise<WebhookQueueStats> {
    const { rows } = await tx.sql<WebhookQueueStats>(
      `SELECT (SELECT count(*) FROM change_event e, webhook_fanout f
                WHERE f.id = 1 AND (e.xid, e.seq) > (f.xid, f.seq))::int AS events_not_fanned_out,
              (SELECT count(*) FROM webhook_delivery WHERE state = 'pending')::int AS pending_deliveries,
              coalesce((SELECT extract(epoch FROM now() - min(e.occurred_at))
                 FROM webhook_delivery d JOIN change_event e ON e.xid = d.event_xid AND e.seq = d.event_seq
                WHERE d.state = 'pending'), 0)::float8 AS oldest_pending_seconds`,
    );
    return rows[0];
  }

  /** Deletes finished deliveries and attempts older than `cutoff` (the events' retention). */
  async prune(tx: SystemTx, cutoff: Date): Promise<number> {
    const { rows } = await tx.sql<{ pruned: number }>(
      `WITH deliveries AS (
         DELETE FROM webhook_delivery WHERE state <> 'pending' AND finished_at < $1 RETURNING 1
       ), attempts AS (
         DELETE FROM webhook_attempt WHERE attempted_at < $1 RETURNING 1
       )
       SELECT ((SELECT count(*) FROM deliveries) + (SELECT count(*) FROM attempts))::int AS pruned`,
      [cutoff],
    );
    return rows[0]?.pruned ?? 0;
  }
}
