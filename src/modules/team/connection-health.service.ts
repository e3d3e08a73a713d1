import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requestTags } from '../../http/request-tags.js';
import { Database } from '../../storage/database.js';
import {
  ScimConnectionRepository,
  type ScimErrorSeen,
  type ScimRequestSeen,
} from '../../storage/scim-connection.repository.js';

/** The last request of a tenant is written at most this often per process (like API keys' lastUsedAt). */
export const REQUEST_WRITE_INTERVAL_MS = 60_000;
/** Errors of a tenant are written at most this often per process; the newest of a burst follows. */
export const ERROR_WRITE_INTERVAL_MS = 5_000;
/** Most tenants one process tracks; the oldest entry goes first. */
const TENANTS_MAX = 10_000;
const DETAIL_MAX = 500;
const USER_AGENT_MAX = 300;

interface TenantState {
  requestWrittenAt: number;
  errorWrittenAt: number;
  /** An error that arrived inside the error interval, written when it ends. */
  pendingError?: ScimErrorSeen;
  timer?: NodeJS.Timeout;
}

/** What onSend learnt of an error response, for onResponse. */
interface ErrorBody {
  scimType?: unknown;
  detail?: unknown;
}

const ERROR_INFO = Symbol('scimErrorInfo');

/**
 * The health of each tenant's SCIM connection (GET /admin/v1/tenants/{id}/connection): the identity
 * provider's last request (time, API key, user agent) and the last 4xx/5xx it got (method, path,
 * status, scimType, detail). Recorded from Fastify hooks after the response is sent, never in the
 * request's transaction, fire and forget: a failed write is logged and never reaches the request.
 * Throttled per process: the request at most once a minute per tenant, errors at most once every
 * 5 seconds per tenant with the newest of a burst written when the interval ends. With several
 * instances each writes its own, and the row keeps the newest of each (one row per tenant, shared).
 * Only requests whose API key authenticated are attributed to a tenant.
 */
@Injectable()
export class ConnectionHealthService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ConnectionHealthService.name);
  private readonly tenants = new Map<string, TenantState>();
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly connections: ScimConnectionRepository,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    // An application context without HTTP (the CLI) has no adapter.
    const fastify = this.adapterHost?.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || typeof fastify.addHook !== 'function') return;
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (
        reply.statusCode >= 400 &&
        isScim(request) &&
        typeof payload === 'string' &&
        payload.length < 10_000
      ) {
        try {
          (request as unknown as Record<symbol, ErrorBody>)[ERROR_INFO] = JSON.parse(payload) as ErrorBody;
        } catch {
          // Not JSON: recorded without a detail.
        }
      }
      done(null, payload);
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      try {
        if (isScim(request)) this.seen(request, reply);
      } catch (error) {
        this.logger.warn({ err: error }, 'could not note the SCIM connection health');
      }
      done();
    });
  }

  /** Resolves when the writes under way have ended (shutdown, and tests that read what was written). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const state of this.tenants.values()) if (state.timer) clearTimeout(state.timer);
    await Promise.allSettled([...this.pending]);
  }

  private seen(request: FastifyRequest, reply: FastifyReply): void {
    const tags = requestTags(request.raw);
    if (!tags.tenantId || this.closed) return;
    const now = Date.now();
    const state = this.stateOf(tags.tenantId, now);
    let seenRequest: ScimRequestSeen | undefined;
    if (now - state.requestWrittenAt >= REQUEST_WRITE_INTERVAL_MS) {
      state.requestWrittenAt = now;
      const agent = request.headers['user-agent'];
      seenRequest = {
        at: new Date(now),
        apiKeyId: tags.apiKeyId ?? null,
        userAgent: typeof agent === 'string' ? agent.slice(0, USER_AGENT_MAX) : null,
      };
    }
    let seenError: ScimErrorSeen | undefined;
    if (reply.statusCode >= 400) {
      const body = (request as unknown as Record<symbol, ErrorBody | undefined>)[ERROR_INFO];
      const error: ScimErrorSeen = {
        at: new Date(now),
        status: reply.statusCode,
        scimType: typeof body?.scimType === 'string' ? body.scimType : null,
        detail: typeof body?.detail === 'string' ? body.detail.slice(0, DETAIL_MAX) : '',
        method: request.method,
        // The route's path without its query string (a filter may carry PII).
        path: request.url.split('?')[0].slice(0, 300),
      };
      if (now - state.errorWrittenAt >= ERROR_WRITE_INTERVAL_MS) {
        state.errorWrittenAt = now;
        seenError = error;
      } else {
        state.pendingError = error;
        state.timer ??= setTimeout(
          () => this.flush(tags.tenantId!),
          ERROR_WRITE_INTERVAL_MS - (now - state.errorWrittenAt),
        ).unref();
      }
    }
    if (seenRequest || seenError) this.write(tags.tenantId, seenRequest, seenError);
  }

  private flush(tenantId: string): void {
    const state = this.tenants.get(tenantId);
    if (!state) return;
    state.timer = undefined;
    const error = state.pendingError;
    state.pendingError = undefined;
    if (!error || this.closed) return;
    state.errorWrittenAt = Date.now();
    this.write(tenantId, undefined, error);
  }

  private write(tenantId: string, request?: ScimRequestSeen, error?: ScimErrorSeen): void {
    const write = this.db
      .systemStatement((tx) => this.connections.record(tx, tenantId, request, error))
      .catch((failure: unknown) =>
        this.logger.warn({ err: failure, tenantId }, 'could not record the SCIM connection health'),
      )
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  private stateOf(tenantId: string, now: number): TenantState {
    let state = this.tenants.get(tenantId);
    if (!state) {
      if (this.tenants.size >= TENANTS_MAX) {
        for (const [id, old] of this.tenants) {
          if (old.timer) continue;
          if (now - old.requestWrittenAt >= REQUEST_WRITE_INTERVAL_MS) this.tenants.delete(id);
        }
      }
      state = { requestWrittenAt: -Infinity, errorWrittenAt: -Infinity };
      this.tenants.set(tenantId, state);
    }
    return state;
  }
}

function isScim(request: FastifyRequest): boolean {
  return request.url.startsWith('/scim/v2');
}
