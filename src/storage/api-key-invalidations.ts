import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** The channel the api_key triggers notify (migration ApiKeyInvalidation): a key id, or '*' for every key. */
export const API_KEY_CHANNEL = 'scim_api_key';

/** Told a key id whose cached state is stale, or `null`: forget every key. */
export type Invalidation = (keyId: string | null) => void;

/** Longest wait to connect the listener (also the bound on the first request that starts it). */
const CONNECT_TIMEOUT_MS = 2_000;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 30_000;

/**
 * One dedicated PostgreSQL connection per process that LISTENs on `scim_api_key`, so every process
 * learns at once that a key was revoked, re-dated or deleted (also by a tenant deletion or the CLI)
 * anywhere. `live` is true only while the connection listens: a cache must not trust itself
 * otherwise, since notifications sent meanwhile are lost. Losing the connection tells subscribers
 * `null` (forget everything) and reconnects with a bounded backoff.
 *
 * Started by the first caller of `start()` (the first authentication), so processes that never
 * authenticate (the CLI) never hold the connection.
 *
 * LISTEN needs a session: through PgBouncer in transaction pooling mode it would seem to work and
 * receive nothing. The listener connects to DATABASE_LISTEN_URL when set (the PostgreSQL server
 * itself); `DATABASE_LISTEN_URL=none` runs without one, and then `live` is true from the start:
 * caches trust what they read for their TTL alone (said once, as a warning, at the first start()).
 */
@Injectable()
export class ApiKeyInvalidations implements OnModuleDestroy {
  private readonly logger = new Logger(ApiKeyInvalidations.name);
  private readonly subscribers = new Set<Invalidation>();
  private client: pg.Client | undefined;
  private firstAttempt: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lossLogged = false;
  private closed = false;
  private listening = false;

  /** undefined: the ORM's own URL; null: no listener (TTL only). */
  private readonly listenUrl: string | null | undefined;

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.listenUrl = config.databaseListenUrl;
  }

  /** True while notifications are being received, or always when there is no listener (TTL only). */
  get live(): boolean {
    return this.listening || this.listenUrl === null;
  }

  /** Calls `handler` on every invalidation; returns the unsubscribe. */
  subscribe(handler: Invalidation): () => void {
    this.subscribers.add(handler);
    return () => this.subscribers.delete(handler);
  }

  /**
   * Starts listening (once); resolves when the first attempt has connected or failed, never rejects.
   * After a failure it keeps retrying in the background.
   */
  start(): Promise<void> {
    if (this.listenUrl === null && !this.firstAttempt) {
      this.logger.warn(
        'DATABASE_LISTEN_URL=none: API key revocations reach other instances only after AUTH_CACHE_TTL_MS',
      );
      this.firstAttempt = Promise.resolve();
    }
    this.firstAttempt ??= this.connect();
    return this.firstAttempt;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.listening = false;
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.listenUrl ?? this.orm.config.get('clientUrl'),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'scim-api-key-listener',
    });
    // Registered before connecting: a connection lost at any point is handled once, here.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel !== API_KEY_CHANNEL || client !== this.client) return;
      const payload = message.payload ?? '*';
      this.publish(payload === '*' ? null : payload);
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${API_KEY_CHANNEL}`);
    } catch (error) {
      if (client === this.client) {
        if (!this.lossLogged) {
          this.lossLogged = true;
          this.logger.warn(
            { err: error },
            'API key invalidation listener cannot connect: every request reads its key until it does',
          );
        }
        this.lost(client);
      }
      return;
    }
    if (this.closed || client !== this.client) {
      await client.end().catch(() => undefined);
      return;
    }
    this.failures = 0;
    // Whatever was cached before was not covered by this connection's notifications.
    this.publish(null);
    this.listening = true;
    if (this.lossLogged) {
      this.lossLogged = false;
      this.logger.log('API key invalidation listener connected again: verified keys are cached again');
    }
  }

  /** The connection is gone: forget every cached key, stop trusting the cache, reconnect later. */
  private lost(client: pg.Client): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.listening = false;
    this.publish(null);
    client.end().catch(() => undefined);
    if (this.closed) return;
    if (!this.lossLogged) {
      this.lossLogged = true;
      this.logger.warn(
        'API key invalidation listener lost its connection: every request reads its key until it reconnects',
      );
    }
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.failures);
    this.failures += 1;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  private publish(keyId: string | null): void {
    for (const handler of this.subscribers) handler(keyId);
  }
}
