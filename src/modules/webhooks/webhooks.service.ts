import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig, WebhookConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { ScimError } from '../../domain/errors.js';
import {
  descriptionOf,
  eventTypesOf,
  fieldsOf,
  graceSecondsOf,
  isUuid,
  pastDateTimeOf,
  webhookUrlOf,
} from '../../domain/webhooks/endpoint-input.js';
import { retryDelayMs, scheduleSpanSeconds } from '../../domain/webhooks/retry-schedule.js';
import { generateWebhookSecret, signingSecrets } from '../../domain/webhooks/secret.js';
import { Database } from '../../storage/database.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { isoOrNull, isoTimestamp } from '../../storage/timestamps.js';
import {
  WebhooksRepository,
  type AttemptRecord,
  type ClaimedDelivery,
  type DeliveryOutcome,
  type WebhookAttemptRow,
  type WebhookEndpointChanges,
  type WebhookEndpointRow,
} from '../../storage/webhooks.repository.js';
import { sendWebhook, signedHeaders, type SendResult } from './webhook-sender.js';

export const ATTEMPTS_PAGE_DEFAULT = 50;
export const ATTEMPTS_PAGE_MAX = 500;
/** The type of the event a test send delivers (not a change event: receivers may ignore it). */
export const TEST_EVENT_TYPE = 'webhook.test';

export interface WebhookEndpointView {
  id: string;
  /** The tenant whose events it receives; null: every tenant's. */
  tenantId: string | null;
  url: string;
  eventTypes: string[] | null;
  description: string | null;
  disabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreatedWebhookEndpoint extends WebhookEndpointView {
  secret: string;
}

export interface RotatedSecret {
  id: string;
  secret: string;
  previousSecretExpiresAt: string | null;
}

export interface WebhookAttemptView {
  id: string;
  eventId: string;
  eventType: string;
  /** Null for a test event. */
  deliveryId: string | null;
  attemptedAt: string;
  status: number | null;
  latencyMs: number;
  responseBody: string | null;
  error: string | null;
}

export interface WebhookAttemptPage {
  attempts: WebhookAttemptView[];
  /** Present when there may be older attempts: pass it as `before`. */
  nextCursor?: string;
}

export interface AttemptsQuery {
  before?: string;
  limit?: number;
}

/** An attempt of a claimed delivery, made and not yet recorded. */
export interface DeliveryAttempt {
  claimed: ClaimedDelivery;
  attempt: AttemptRecord;
  outcome: DeliveryOutcome;
}

/**
 * Webhook endpoints and deliveries (docs/events.md, "Webhooks"): the operator API's endpoint
 * management, and what the delivery worker does with a claimed delivery.
 */
@Injectable()
export class WebhooksService {
  readonly config: WebhookConfig;
  /**
   * How long a claim holds (renewed at every recorded attempt of its chain): well beyond one attempt;
   * a worker that died leaves its claims to run out after this, to be sent again.
   */
  readonly leaseSeconds: number;

  constructor(
    private readonly db: Database,
    private readonly webhooks: WebhooksRepository,
    private readonly tenants: TenantsRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.config = config.webhooks;
    this.leaseSeconds = Math.ceil((2 * this.config.timeoutMs) / 1000) + 5;
  }

  /** A new endpoint of a tenant (or of every tenant: null); its secret is in this answer only. */
  async create(tenantId: string | null, body: unknown): Promise<CreatedWebhookEndpoint> {
    const fields = fieldsOf(body, ['url', 'eventTypes', 'description']);
    const url = webhookUrlOf(fields.url, this.config.allowPrivate);
    const eventTypes = eventTypesOf(fields.eventTypes);
    const description = descriptionOf(fields.description);
    if (tenantId !== null && !isUuid(tenantId)) throw ScimError.notFound(`Tenant ${tenantId} not found`);
    const secret = generateWebhookSecret();
    return this.db.system(async (tx) => {
      if (tenantId !== null && !(await this.tenants.find(tx, tenantId))) {
        throw ScimError.notFound(`Tenant ${tenantId} not found`);
      }
      const row = await this.webhooks.insertEndpoint(tx, { tenantId, url, eventTypes, description, secret });
      return { ...toEndpointView(row), secret };
    });
  }

  /** A tenant's endpoints (404 for an unknown tenant), or every endpoint (undefined). */
  async list(tenantId?: string): Promise<{ endpoints: WebhookEndpointView[] }> {
    if (tenantId !== undefined && !isUuid(tenantId)) throw ScimError.notFound(`Tenant ${tenantId} not found`);
    return this.db.system(async (tx) => {
      if (tenantId !== undefined && !(await this.tenants.find(tx, tenantId))) {
        throw ScimError.notFound(`Tenant ${tenantId} not found`);
      }
      const rows = await this.webhooks.listEndpoints(tx, tenantId);
      return { endpoints: rows.map(toEndpointView) };
    });
  }

  async get(id: string): Promise<WebhookEndpointView> {
    return toEndpointView(await this.db.system((tx) => this.require(tx, id)));
  }

  /** PATCH: url, eventTypes, description, disabled (enabling clears the reason and the failure). */
  async update(id: string, body: unknown): Promise<WebhookEndpointView> {
    const fields = fieldsOf(body, ['url', 'eventTypes', 'description', 'disabled']);
    const changes: WebhookEndpointChanges = {};
    if (fields.url !== undefined) changes.url = webhookUrlOf(fields.url, this.config.allowPrivate);
    if (fields.eventTypes !== undefined) changes.eventTypes = eventTypesOf(fields.eventTypes);
    if (fields.description !== undefined) changes.description = descriptionOf(fields.description);
    if (fields.disabled !== undefined) {
      if (typeof fields.disabled !== 'boolean') {
        throw ScimError.badRequest('invalidValue', 'disabled must be true or false');
      }
      changes.disabled = {
        value: fields.disabled,
        reason: fields.disabled ? 'disabled by the operator' : null,
      };
    }
    const found = isUuid(id)
      ? await this.db.system((tx) => this.webhooks.updateEndpoint(tx, id, changes))
      : undefined;
    if (!found) throw notFound(id);
    return toEndpointView(found);
  }

  async delete(id: string): Promise<void> {
    const deleted = isUuid(id) && (await this.db.system((tx) => this.webhooks.deleteEndpoint(tx, id)));
    if (!deleted) throw notFound(id);
  }

  /** A new secret, shown once; the old one keeps signing beside it for the grace period (default 24 h). */
  async rotate(id: string, body: unknown): Promise<RotatedSecret> {
    const fields = fieldsOf(body ?? {}, ['gracePeriodSeconds']);
    const grace = graceSecondsOf(fields.gracePeriodSeconds);
    const secret = generateWebhookSecret();
    const row = isUuid(id)
      ? await this.db.system((tx) => this.webhooks.rotateSecret(tx, id, secret, grace))
      : undefined;
    if (!row) throw notFound(id);
    return { id: row.id, secret, previousSecretExpiresAt: isoOrNull(row.previous_secret_expires_at) };
  }

  /** Sends a `webhook.test` event now (also to a disabled endpoint) and answers the logged attempt. */
  async test(id: string): Promise<WebhookAttemptView> {
    const endpoint = await this.db.system((tx) => this.require(tx, id));
    const now = new Date();
    const eventId = randomUUID();
    const body = JSON.stringify({
      id: eventId,
      type: TEST_EVENT_TYPE,
      tenantId: endpoint.tenant_id,
      occurredAt: now.toISOString(),
      data: { version: 1, endpointId: endpoint.id },
    });
    const result = await this.send(endpoint, eventId, body, now);
    const row = await this.db.system((tx) =>
      this.webhooks.insertAttempt(tx, {
        endpointId: endpoint.id,
        tenantId: endpoint.tenant_id,
        deliveryId: null,
        eventId,
        eventType: TEST_EVENT_TYPE,
        ...result,
      }),
    );
    return toAttemptView(row);
  }

  async attempts(id: string, query: AttemptsQuery): Promise<WebhookAttemptPage> {
    const limit = query.limit ?? ATTEMPTS_PAGE_DEFAULT;
    return this.db.system(async (tx) => {
      await this.require(tx, id);
      const rows = await this.webhooks.listAttempts(tx, id, { before: query.before, limit });
      const views = rows.map(toAttemptView);
      return rows.length === limit ? { attempts: views, nextCursor: rows.at(-1)!.id } : { attempts: views };
    });
  }

  /** Queues one event (`eventId`) or every event since a time (`since`) for the endpoint again. */
  async redeliver(id: string, body: unknown): Promise<{ queued: number }> {
    const fields = fieldsOf(body, ['eventId', 'since']);
    if ((fields.eventId === undefined) === (fields.since === undefined)) {
      throw ScimError.badRequest('invalidValue', 'give either eventId or since');
    }
    let which: { eventId: string } | { since: Date };
    if (fields.eventId !== undefined) {
      if (!isUuid(fields.eventId)) throw ScimError.badRequest('invalidValue', 'eventId must be an event id');
      which = { eventId: fields.eventId };
    } else {
      which = { since: pastDateTimeOf('since', fields.since, new Date()) };
    }
    return this.db.system(async (tx) => {
      const endpoint = await this.require(tx, id);
      const queued = await this.webhooks.redeliver(
        tx,
        { id: endpoint.id, tenantId: endpoint.tenant_id, eventTypes: endpoint.event_types },
        which,
      );
      if (queued === 0 && 'eventId' in which) {
        throw ScimError.notFound(`Event ${which.eventId} not found among this endpoint's events`);
      }
      return { queued };
    });
  }

  /**
   * Sends a claimed delivery (the worker's step), or finds there is nothing to send (its event was
   * pruned first), and says what to record: nothing is recorded here (see `record`).
   */
  async attempt(claimed: ClaimedDelivery): Promise<DeliveryAttempt> {
    const base = {
      endpointId: claimed.endpoint_id,
      tenantId: claimed.tenant_id,
      deliveryId: claimed.id,
      eventId: claimed.event_id,
    };
    if (claimed.type === null) {
      // Pruned (retention) before it could be delivered: nothing left to send.
      return {
        claimed,
        attempt: {
          ...base,
          eventType: 'unknown',
          status: null,
          latencyMs: 0,
          responseBody: null,
          error: 'the event was pruned (EVENT_RETENTION_DAYS) before it could be delivered',
        },
        outcome: { kind: 'expired' },
      };
    }
    const body = JSON.stringify({
      id: claimed.event_id,
      type: claimed.type,
      tenantId: claimed.tenant_id,
      occurredAt: isoTimestamp(claimed.occurred_at!),
      requestId: claimed.request_id,
      apiKeyId: claimed.api_key_id,
      data: claimed.data,
    });
    const now = new Date();
    const result = await this.send(
      {
        url: claimed.url,
        secret: claimed.secret,
        previous_secret: claimed.previous_secret,
        previous_secret_expires_at: claimed.previous_secret_expires_at,
      },
      claimed.event_id,
      body,
      now,
    );
    const failedAttempts = claimed.attempts + 1;
    let outcome: DeliveryOutcome;
    if (result.status !== null && result.status >= 200 && result.status < 300) {
      outcome = { kind: 'delivered' };
    } else {
      const delayMs = retryDelayMs(this.config.retryScheduleSeconds, failedAttempts);
      outcome =
        delayMs !== undefined
          ? { kind: 'retry', delayMs }
          : { kind: 'give-up', disabledReason: this.disabledReason(claimed, failedAttempts, result) };
    }
    return { claimed, attempt: { ...base, attemptedAt: now, eventType: claimed.type, ...result }, outcome };
  }

  /**
   * Records attempts of one claimed chain, made one after the other from its head, in one statement
   * (WebhooksRepository.recordAttempts); `last`: the worker sends nothing more of this chain now (its
   * claim is given back). Whether the claim still held.
   */
  record(attempts: readonly DeliveryAttempt[], last: boolean): Promise<boolean> {
    const first = attempts[0].claimed;
    return this.db.systemStatement((tx) =>
      this.webhooks.recordAttempts(
        tx,
        {
          endpointId: first.endpoint_id,
          resourceId: first.resource_id,
          leaseToken: first.lease_token,
          head: first.position,
        },
        attempts.map(({ claimed, attempt, outcome }) => ({ deliveryId: claimed.id, attempt, outcome })),
        { seconds: this.leaseSeconds, last },
      ),
    );
  }

  private disabledReason(claimed: ClaimedDelivery, attempts: number, result: SendResult): string {
    const span = scheduleSpanSeconds(this.config.retryScheduleSeconds);
    const last = result.status !== null ? `HTTP ${result.status}` : (result.error ?? 'no answer');
    return `event ${claimed.event_id} could not be delivered in ${attempts} attempts over ${describeSpan(span)} (the whole retry schedule); the last attempt: ${last}. Fix the receiver, then PATCH disabled=false (pending deliveries resume) and redeliver what was missed`;
  }

  private send(
    endpoint: Pick<WebhookEndpointRow, 'url' | 'secret' | 'previous_secret' | 'previous_secret_expires_at'>,
    id: string,
    body: string,
    now: Date,
  ): Promise<SendResult> {
    const secrets = signingSecrets(
      {
        secret: endpoint.secret,
        previousSecret: endpoint.previous_secret,
        previousSecretExpiresAt:
          endpoint.previous_secret_expires_at === null
            ? null
            : new Date(isoTimestamp(endpoint.previous_secret_expires_at)),
      },
      now,
    );
    return sendWebhook(endpoint.url, signedHeaders({ id, body }, secrets, now), body, {
      timeoutMs: this.config.timeoutMs,
      allowPrivate: this.config.allowPrivate,
    });
  }

  private async require(tx: Parameters<WebhooksRepository['findEndpoint']>[0], id: string) {
    const row = isUuid(id) ? await this.webhooks.findEndpoint(tx, id) : undefined;
    if (!row) throw notFound(id);
    return row;
  }
}

function notFound(id: string): ScimError {
  return ScimError.notFound(`Webhook endpoint ${id} not found`);
}

function describeSpan(seconds: number): string {
  if (seconds >= 2 * 86400) return `about ${Math.round(seconds / 86400)} days`;
  if (seconds >= 2 * 3600) return `about ${Math.round(seconds / 3600)} hours`;
  return `${Math.round(seconds)} seconds`;
}

function toEndpointView(row: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    url: row.url,
    eventTypes: row.event_types,
    description: row.description,
    disabled: row.disabled,
    disabledReason: row.disabled_reason,
    failingSince: isoOrNull(row.failing_since),
    previousSecretExpiresAt: isoOrNull(row.previous_secret_expires_at),
    createdAt: isoTimestamp(row.created_at),
    updatedAt: isoTimestamp(row.updated_at),
  };
}

function toAttemptView(row: WebhookAttemptRow): WebhookAttemptView {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    deliveryId: row.delivery_id,
    attemptedAt: isoTimestamp(row.attempted_at),
    status: row.status,
    latencyMs: row.latency_ms,
    responseBody: row.response_body,
    error: row.error,
  };
}
