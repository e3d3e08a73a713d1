import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { ScimError } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { ApiKeyInvalidations } from '../../storage/api-key-invalidations.js';
import { ApiKeysRepository, type ApiKeyRow } from '../../storage/api-keys.repository.js';
import { Database, type TenantTx, type Tx } from '../../storage/database.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { isoOrNull, isoTimestamp } from '../../storage/timestamps.js';
import { hashToken, issueToken, parseToken, tokenMatches } from './api-key-token.js';

/** An API key as operators see it: never the secret or its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A freshly created key: the token (`apiKey`) is in this response and nowhere else, ever. */
export interface CreatedApiKey {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  apiKey: string;
}

export interface NewApiKeyOptions {
  name?: string;
  expiresAt?: Date;
}

/** Who a valid token belongs to. */
export interface AuthenticatedKey {
  tenantId: string;
  apiKeyId: string;
}

export type VerifyResult =
  | { ok: true; key: AuthenticatedKey }
  | {
      ok: false;
      detail: string;
      reason: 'unknown_key' | 'revoked_key' | 'expired_key';
      /** A real key refused (revoked, expired): whose it is, for the log line and the connection's health. */
      key?: AuthenticatedKey;
    };

export const DEFAULT_KEY_NAME = 'default';

/** lastUsedAt is written at most this often per key, so authentication stays a read. */
const LAST_USED_INTERVAL_MS = 60_000;
/** Compared against when the key id is unknown, so that case costs the same hash and comparison. */
const UNKNOWN_KEY_HASH = hashToken('unknown');
/** Most keys one process keeps verified in memory; the oldest entry goes first. */
const KEY_CACHE_MAX = 10_000;

/** What verifying a token needs of its key, as read from api_key. */
interface KnownKey {
  id: string;
  tenantId: string;
  tokenHash: string;
  revoked: boolean;
  /** Epoch ms, or null: never expires. Checked on every request, cached or not. */
  expiresAt: number | null;
}

@Injectable()
export class ApiKeysService implements OnModuleDestroy {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly lastTouched = new Map<string, number>();
  private readonly pendingTouches = new Set<Promise<void>>();
  /** Keys read recently, by id, oldest first; trusted for `cacheTtlMs` while the listener is live. */
  private readonly cache = new Map<string, { key: KnownKey; cachedAt: number }>();
  /** Bumped by every invalidation: a read that started before one must not be cached. */
  private generation = 0;
  private readonly cacheTtlMs: number;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Database,
    private readonly keys: ApiKeysRepository,
    private readonly tenants: TenantsRepository,
    private readonly invalidations: ApiKeyInvalidations,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cacheTtlMs = config.authCacheTtlMs;
    this.unsubscribe = invalidations.subscribe((keyId) => this.forget(keyId));
  }

  /**
   * Checks a presented bearer token. A key verified in the last AUTH_CACHE_TTL_MS is taken from memory
   * (no round trip); a revocation, an expiry change or a deletion anywhere evicts it at once on every
   * instance (ApiKeyInvalidations), and without a live listener every call reads the key.
   */
  async verify(token: string): Promise<VerifyResult> {
    const parsed = parseToken(token);
    if (!parsed) return { ok: false, detail: 'Invalid API key', reason: 'unknown_key' };
    const key = await this.lookup(parsed.keyId);
    if (!tokenMatches(token, key?.tokenHash ?? UNKNOWN_KEY_HASH) || !key) {
      return { ok: false, detail: 'Invalid API key', reason: 'unknown_key' };
    }
    // Only a caller holding the right secret learns why a real key is refused.
    const owner = { tenantId: key.tenantId, apiKeyId: key.id };
    if (key.revoked) {
      return { ok: false, detail: 'API key has been revoked', reason: 'revoked_key', key: owner };
    }
    if (key.expiresAt !== null && key.expiresAt <= Date.now()) {
      return { ok: false, detail: 'API key has expired', reason: 'expired_key', key: owner };
    }
    this.touch(key.id);
    return { ok: true, key: { tenantId: key.tenantId, apiKeyId: key.id } };
  }

  /**
   * The key from the cache, or one indexed read before the tenant is known. Unknown ids are never
   * cached: a key just created on another instance works at once (the failed-auth limiter bounds
   * lookups of unknown ids).
   */
  private async lookup(keyId: string): Promise<KnownKey | undefined> {
    if (this.cacheTtlMs > 0) await this.invalidations.start();
    const cached = this.cache.get(keyId);
    if (cached) {
      if (this.invalidations.live && Date.now() - cached.cachedAt < this.cacheTtlMs) return cached.key;
      this.cache.delete(keyId);
    }
    const generation = this.generation;
    const row = await this.db.systemStatement((tx) => this.keys.findForVerification(tx, keyId));
    if (!row) return undefined;
    const key: KnownKey = {
      id: row.id,
      tenantId: row.tenant_id,
      tokenHash: row.token_hash,
      revoked: row.revoked_at !== null,
      expiresAt: row.expires_at === null ? null : new Date(isoTimestamp(row.expires_at)).getTime(),
    };
    if (this.cacheTtlMs > 0 && this.invalidations.live && generation === this.generation) {
      if (this.cache.size >= KEY_CACHE_MAX) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(keyId, { key, cachedAt: Date.now() });
    }
    return key;
  }

  /** Evicts a deleted tenant's keys on this instance at once (the others through the notifications). */
  forgetTenant(tenantId: string): void {
    this.generation += 1;
    for (const [keyId, entry] of this.cache) if (entry.key.tenantId === tenantId) this.cache.delete(keyId);
  }

  /** Evicts one key (`null`: every key) and keeps reads already under way from caching what they saw. */
  private forget(keyId: string | null): void {
    this.generation += 1;
    if (keyId === null) this.cache.clear();
    else this.cache.delete(keyId);
  }

  /** `record` runs in the same transaction with the new key's id (the audit trail of the change). */
  async create(
    tenantId: string,
    options: NewApiKeyOptions = {},
    record?: (tx: TenantTx, keyId: string) => Promise<void>,
  ): Promise<CreatedApiKey> {
    requireTenantId(tenantId);
    return this.db.transaction(tenantId, async (tx) => {
      await this.tenants.require(tx);
      const created = await this.createIn(tx, tenantId, options);
      await record?.(tx, created.id);
      return created;
    });
  }

  /** Adds a key to the tenant inside `tx`, e.g. a new tenant's first key in the transaction creating it. */
  async createIn(
    tx: Tx,
    tenantId: string,
    options: NewApiKeyOptions = {},
    now = new Date(),
  ): Promise<CreatedApiKey> {
    if (options.expiresAt && options.expiresAt.getTime() <= now.getTime()) {
      throw ScimError.badRequest('invalidValue', 'expiresAt must be in the future');
    }
    const issued = issueToken();
    const name = options.name ?? DEFAULT_KEY_NAME;
    const expiresAt = options.expiresAt ?? null;
    await this.keys.insert(tx, tenantId, {
      id: issued.keyId,
      name,
      tokenHash: issued.tokenHash,
      createdAt: now,
      expiresAt,
    });
    return {
      id: issued.keyId,
      name,
      createdAt: now.toISOString(),
      expiresAt: expiresAt ? expiresAt.toISOString() : null,
      apiKey: issued.token,
    };
  }

  async list(tenantId: string): Promise<ApiKeyView[]> {
    requireTenantId(tenantId);
    const rows = await this.db.transaction(tenantId, async (tx) => {
      await this.tenants.require(tx);
      return this.keys.list(tx);
    });
    return rows.map(toView);
  }

  /** Revokes a key at once; revoking a revoked key again keeps the first revocation time. */
  async revoke(
    tenantId: string,
    keyId: string,
    record?: (tx: TenantTx, keyId: string) => Promise<void>,
  ): Promise<void> {
    requireTenantId(tenantId);
    await this.db.transaction(tenantId, async (tx) => {
      await this.tenants.require(tx);
      if (!(await this.keys.revoke(tx, keyId, new Date()))) {
        throw ScimError.notFound(`API key ${keyId} not found`);
      }
      await record?.(tx, keyId);
    });
    // This instance without waiting for its own notification; the others through theirs.
    this.forget(keyId);
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe();
    await Promise.allSettled([...this.pendingTouches]);
  }

  /** Records use off the request path: fire and forget, at most once a minute per key and process. */
  private touch(keyId: string): void {
    const now = Date.now();
    const last = this.lastTouched.get(keyId);
    if (last !== undefined && now - last < LAST_USED_INTERVAL_MS) return;
    if (this.lastTouched.size >= 10_000) {
      for (const [id, at] of this.lastTouched)
        if (now - at >= LAST_USED_INTERVAL_MS) this.lastTouched.delete(id);
    }
    this.lastTouched.set(keyId, now);
    const write = this.db
      .systemStatement((tx) => this.keys.touch(tx, keyId, new Date(now)))
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: error, apiKeyId: keyId }, 'could not record lastUsedAt'),
      )
      .finally(() => this.pendingTouches.delete(write));
    this.pendingTouches.add(write);
  }
}

function toView(key: ApiKeyRow): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    createdAt: isoTimestamp(key.created_at),
    expiresAt: isoOrNull(key.expires_at),
    lastUsedAt: isoOrNull(key.last_used_at),
    revokedAt: isoOrNull(key.revoked_at),
  };
}

/** An operator call naming a tenant id that cannot exist is a 404 before any transaction opens. */
export function requireTenantId(tenantId: string): void {
  if (!isUuid(tenantId)) throw ScimError.notFound(`Tenant ${tenantId} not found`);
}
