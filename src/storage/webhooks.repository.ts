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
  resource_id: string;
  /** Its place in its chain (endpoint, resource). */
  position: string;
  /** The claim of its chain: the same for every delivery claimed with it. */
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
  /** When it was made (recorded later, with others of its chain); now when absent. */
  attemptedAt?: Date;
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

/** A claimed chain, as the worker records attempts of it: its key, its claim, and its head's position. */
export interface ClaimedChain {
  endpointId: string;
  resourceId: string;
  leaseToken: string;
  /** The position of the first delivery recorded (the chain's head while the claim holds). */
  head: string;
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
 * Appends the deliveries of a CTE `queued` (endpoint_id, tenant_id, event_id, xid, seq, resource_id)
 * to their chains, in feed order, and inserts them (CTE `inserted`). Each chain's row is created, or
 * locked and its tail moved by the number appended, and the deliveries take the positions after the
 * old tail: positions are handed out under the chain row's lock, so they are dense, and a chain whose
 * head is past its tail (empty) has its next delivery at its head and becomes due now. Chain rows are
 * taken in key order (two statements appending to the same chains never deadlock).
 */
const APPEND_TO_CHAINS = `numbered AS (
         SELECT q.*, row_number() OVER (PARTITION BY q.endpoint_id, q.resource_id ORDER BY q.xid, q.seq) AS n,
                count(*) OVER (PARTITION BY q.endpoint_id, q.resource_id) AS k
           FROM queued q
       ), chains AS (
         INSERT INTO webhook_chain AS c (endpoint_id, resource_id, tenant_id, tail)
         SELECT endpoint_id, resource_id, tenant_id, k FROM numbered WHERE n = 1
          ORDER BY endpoint_id, resource_id
             ON CONFLICT (endpoint_id, resource_id) DO UPDATE
            SET tail = c.tail + excluded.tail, due_at = CASE WHEN c.head > c.tail THEN now() ELSE c.due_at END
         RETURNING c.endpoint_id, c.resource_id, c.tail
       ), inserted AS (
         INSERT INTO webhook_delivery (endpoint_id, tenant_id, event_id, event_xid, event_seq, resource_id, position)
         SELECT n.endpoint_id, n.tenant_id, n.event_id, n.xid, n.seq, n.resource_id, ch.tail - n.k + n.n
           FROM numbered n JOIN chains ch ON ch.endpoint_id = n.endpoint_id AND ch.resource_id = n.resource_id
          ORDER BY n.xid, n.seq, n.endpoint_id
         RETURNING 1
       )`;

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
   * after it exists). Each delivery is appended to its chain (APPEND_TO_CHAINS). The number of events
   * read (0: caught up, or another worker is at it).
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
       ), queued AS (
         SELECT ep.id AS endpoint_id, b.tenant_id, b.id AS event_id, b.xid, b.seq, b.resource_id
           FROM batch b
           JOIN webhook_endpoint ep
             ON NOT ep.disabled
            AND (ep.tenant_id IS NULL OR ep.tenant_id = b.tenant_id)
            AND (ep.event_types IS NULL OR b.type = ANY (ep.event_types))
       ), ${APPEND_TO_CHAINS}, last AS (
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
   * Claims due chains for `leaseSeconds`: up to `limit` chains whose head is due (queued, past its
   * retry's backoff, or its last claim's lease ran out) of enabled endpoints, longest due first, each
   * with its head and up to `followers` of the deliveries after it, to be sent one after the other by
   * the same worker (a large PATCH series is one long chain). Reads the due chains through their
   * partial index, never the queue: its cost is the number of chains claimed, not the backlog. The
   * chain rows are locked with FOR UPDATE SKIP LOCKED and get a lease token and `due_at` at the
   * lease's end: no other worker claims them while the lease holds, and a dead worker's chains are
   * claimable again after it. Only a chain's head (and what follows it) is ever claimed: the chain row
   * says which position is next (in order per resource). In chain order.
   */
  async claim(
    tx: SystemTx,
    limit: number,
    followers: number,
    leaseSeconds: number,
  ): Promise<ClaimedDelivery[]> {
    const { rows } = await tx.sql<ClaimedDelivery>(
      `WITH due AS (
         -- Per enabled endpoint, its due chains in due order straight from the partial index, stopping
         -- at the limit (a disabled endpoint's chains are never read), then the longest due of those.
         SELECT c.endpoint_id, c.resource_id
           FROM webhook_endpoint ep
          CROSS JOIN LATERAL (
                SELECT c.endpoint_id, c.resource_id, c.due_at FROM webhook_chain c
                 WHERE c.endpoint_id = ep.id AND c.head <= c.tail AND c.due_at <= now()
                 ORDER BY c.due_at
                 LIMIT $1
                 FOR UPDATE SKIP LOCKED
               ) c
          WHERE NOT ep.disabled
          ORDER BY c.due_at
          LIMIT $1
       ), leased AS (
         -- Its head must be visible to this statement's snapshot: a chain whose head moved since (the
         -- lock sees the newest row) is left for the next claim.
         UPDATE webhook_chain c
            SET lease_token = gen_random_uuid(), due_at = now() + make_interval(secs => $3::int)
           FROM due
          WHERE c.endpoint_id = due.endpoint_id AND c.resource_id = due.resource_id
            AND EXISTS (SELECT 1 FROM webhook_delivery h
                         WHERE h.endpoint_id = c.endpoint_id AND h.resource_id = c.resource_id
                           AND h.position = c.head AND h.state = 'pending')
         RETURNING c.endpoint_id, c.resource_id, c.head, least(c.tail, c.head + $2::int) AS last, c.lease_token
       )
       SELECT d.id::text AS id, d.resource_id, d.position::text AS position, l.lease_token, d.attempts,
              d.endpoint_id, d.event_id, d.tenant_id, ep.url, ep.secret, ep.previous_secret,
              ep.previous_secret_expires_at, e.type, e.occurred_at, e.request_id, e.api_key_id, e.data
         FROM leased l
         JOIN webhook_delivery d
           ON d.endpoint_id = l.endpoint_id AND d.resource_id = l.resource_id AND d.state = 'pending'
          AND d.position BETWEEN l.head AND l.last
         JOIN webhook_endpoint ep ON ep.id = l.endpoint_id
         LEFT JOIN change_event e ON e.xid = d.event_xid AND e.seq = d.event_seq
        ORDER BY l.lease_token, d.position`,
      [limit, followers, leaseSeconds],
    );
    return rows;
  }

  /**
   * Records the attempts of a claimed chain's deliveries, sent one after the other from its head, and
   * their outcomes, in one statement: the attempt log rows, the deliveries (delivered, due again
   * later, or failed), the chain, and the endpoint's failure state. Every attempt but the last one
   * finished its delivery (delivered, or pruned before it could be): the worker records a run of
   * successes together, and stops at anything else. The chain row is the lock: the statement changes
   * anything only while the claim holds (its lease token, and the first attempt's delivery is still
   * the chain's head). The head moves past each finished delivery; the claim is kept, its lease
   * renewed, while the worker goes on with the chain (`lease.last` false), and given back (due now)
   * after its last one. A retry gives the claim back too, due after the backoff: its followers wait
   * behind it. Whether the claim held (false: it ran out and was taken over; only the attempts were
   * logged).
   */
  async recordAttempts(
    tx: SystemTx,
    chain: ClaimedChain,
    attempts: readonly { deliveryId: string; attempt: AttemptRecord; outcome: DeliveryOutcome }[],
    lease: { seconds: number; last: boolean },
  ): Promise<boolean> {
    if (attempts.length === 0) return true;
    const final = attempts[attempts.length - 1].outcome;
    const finished = (outcome: DeliveryOutcome) => outcome.kind === 'delivered' || outcome.kind === 'expired';
    if (!attempts.slice(0, -1).every((entry) => finished(entry.outcome))) {
      throw new Error('only the last attempt recorded together may leave its delivery unfinished');
    }
    const values: unknown[] = [
      chain.endpointId,
      chain.resourceId,
      chain.leaseToken,
      chain.head,
      attempts.map((entry) => entry.deliveryId),
      attempts.map((entry) =>
        entry.outcome.kind === 'delivered'
          ? 'delivered'
          : entry.outcome.kind === 'retry'
            ? 'pending'
            : 'failed',
      ),
      attempts.map((entry) => entry.attempt.tenantId),
      attempts.map((entry) => entry.attempt.eventId),
      attempts.map((entry) => entry.attempt.eventType),
      attempts.map((entry) => entry.attempt.status),
      attempts.map((entry) => entry.attempt.latencyMs),
      attempts.map((entry) => entry.attempt.responseBody),
      attempts.map((entry) => entry.attempt.error),
      attempts.map((entry) => entry.attempt.attemptedAt ?? null),
    ];
    const param = (value: unknown) => `$${values.push(value)}`;
    // Past every delivery that is done with (all but a retried one).
    const advance = param(attempts.filter((entry) => entry.outcome.kind !== 'retry').length);
    let chainSet: string;
    let due = 'd.next_attempt_at';
    let endpointUpdate = `SELECT 1`;
    if (final.kind === 'retry') {
      due = `now() + make_interval(secs => ${param(final.delayMs)}::double precision / 1000)`;
      chainSet = `head = c.head + ${advance}::int, lease_token = NULL, due_at = ${due}`;
      endpointUpdate = `UPDATE webhook_endpoint SET failing_since = now()
         WHERE id = $1 AND failing_since IS NULL AND EXISTS (SELECT 1 FROM updated) RETURNING 1`;
    } else if (final.kind === 'give-up') {
      chainSet = `head = c.head + ${advance}::int, lease_token = NULL, due_at = now()`;
      endpointUpdate = `UPDATE webhook_endpoint
           SET disabled = true, disabled_reason = ${param(final.disabledReason)}, updated_at = now()
         WHERE id = $1 AND NOT disabled AND EXISTS (SELECT 1 FROM updated) RETURNING 1`;
    } else {
      // All finished: renewed while the worker goes on with the chain, else given back.
      const done = `c.head + ${advance}::int > c.tail OR ${param(lease.last)}::boolean`;
      const renewed = `now() + make_interval(secs => ${param(lease.seconds)}::int)`;
      chainSet = `head = c.head + ${advance}::int, lease_token = CASE WHEN ${done} THEN NULL ELSE c.lease_token END,
        due_at = CASE WHEN ${done} THEN now() ELSE ${renewed} END`;
      if (attempts.some((entry) => entry.outcome.kind === 'delivered')) {
        endpointUpdate = `UPDATE webhook_endpoint SET failing_since = NULL
           WHERE id = $1 AND failing_since IS NOT NULL AND EXISTS (SELECT 1 FROM updated) RETURNING 1`;
      }
    }
    const { rows } = await tx.sql<{ applied: boolean }>(
      `WITH input AS (
         SELECT * FROM unnest($5::bigint[], $6::text[], $7::uuid[], $8::uuid[], $9::text[], $10::int[], $11::int[],
                              $12::text[], $13::text[], $14::timestamptz[])
                  WITH ORDINALITY AS i(id, state, tenant_id, event_id, event_type, status, latency_ms, response_body,
                                       error, attempted_at, n)
       ), chain AS (
         UPDATE webhook_chain c SET ${chainSet}
          WHERE c.endpoint_id = $1 AND c.resource_id = $2 AND c.lease_token = $3::uuid AND c.head = $4::bigint
         RETURNING 1
       ), updated AS (
         UPDATE webhook_delivery d
            SET state = i.state, attempts = d.attempts + 1,
                finished_at = CASE WHEN i.state <> 'pending' THEN now() END,
                next_attempt_at = CASE WHEN i.state = 'pending' THEN ${due} ELSE d.next_attempt_at END
           FROM input i
          WHERE d.id = i.id AND d.state = 'pending' AND EXISTS (SELECT 1 FROM chain)
         RETURNING d.id
       ), endpoint AS (
         ${endpointUpdate}
       ), logged AS (
         INSERT INTO webhook_attempt (endpoint_id, tenant_id, delivery_id, event_id, event_type, status, latency_ms,
                                      response_body, error, attempted_at)
         SELECT $1, i.tenant_id, i.id, i.event_id, i.event_type, i.status, i.latency_ms, i.response_body, i.error,
                coalesce(i.attempted_at, now())
           FROM input i ORDER BY i.n
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM updated) AS applied`,
      values,
    );
    return rows[0]?.applied ?? false;
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
   * events kept (retention). They are appended to their chains in feed order: per resource after
   * every delivery already queued (pending ones included), like any new event. The number queued.
   */
  async redeliver(
    tx: SystemTx,
    endpoint: { id: string; tenantId: string | null; eventTypes: readonly string[] | null },
    which: { eventId: string } | { since: Date },
  ): Promise<number> {
    const byEvent = 'eventId' in which;
    const { rows } = await tx.sql<{ queued: number }>(
      `WITH queued AS (
         SELECT $1::uuid AS endpoint_id, e.tenant_id, e.id AS event_id, e.xid, e.seq, e.resource_id
           FROM change_event e
          WHERE ($2::uuid IS NULL OR e.tenant_id = $2::uuid)
            AND ($3::text[] IS NULL OR e.type = ANY ($3::text[]))
            AND ${byEvent ? 'e.id = $4::uuid' : 'e.occurred_at >= $4::timestamptz'}
            AND ${ENDED}
       ), ${APPEND_TO_CHAINS}
       SELECT count(*)::int AS queued FROM inserted`,
      [endpoint.id, endpoint.tenantId, endpoint.eventTypes, byEvent ? which.eventId : which.since],
    );
    return rows[0]?.queued ?? 0;
  }

  /** The queue's depth and lag (metrics). */
  async stats(tx: SystemTx): Promise<WebhookQueueStats> {
    const { rows } = await tx.sql<WebhookQueueStats>(
      `SELECT (SELECT count(*) FROM change_event e, webhook_fanout f
                WHERE f.id = 1 AND (e.xid, e.seq) > (f.xid, f.seq))::int AS events_not_fanned_out,
              (SELECT coalesce(sum(tail - head + 1), 0) FROM webhook_chain WHERE head <= tail)::int
                AS pending_deliveries,
              -- A chain's head is its oldest pending delivery.
              coalesce((SELECT extract(epoch FROM now() - min(e.occurred_at))
                 FROM webhook_chain c
                 JOIN webhook_delivery d
                   ON d.endpoint_id = c.endpoint_id AND d.resource_id = c.resource_id AND d.position = c.head
                  AND d.state = 'pending'
                 JOIN change_event e ON e.xid = d.event_xid AND e.seq = d.event_seq
                WHERE c.head <= c.tail), 0)::float8 AS oldest_pending_seconds`,
    );
    return rows[0];
  }

  /**
   * Deletes finished deliveries and attempts older than `cutoff` (the events' retention), and the rows
   * of empty chains: one queued later starts again at position 1 (positions are unique among pending
   * deliveries only). An append that locked a chain first makes it non-empty, and the delete skips it.
   */
  async prune(tx: SystemTx, cutoff: Date): Promise<number> {
    const { rows } = await tx.sql<{ pruned: number }>(
      `WITH deliveries AS (
         DELETE FROM webhook_delivery WHERE state <> 'pending' AND finished_at < $1 RETURNING 1
       ), attempts AS (
         DELETE FROM webhook_attempt WHERE attempted_at < $1 RETURNING 1
       ), chains AS (
         DELETE FROM webhook_chain WHERE head > tail AND lease_token IS NULL RETURNING 1
       )
       SELECT ((SELECT count(*) FROM deliveries) + (SELECT count(*) FROM attempts))::int AS pruned`,
      [cutoff],
    );
    return rows[0]?.pruned ?? 0;
  }
}
