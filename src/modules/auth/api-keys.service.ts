import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { ScimError } from '../../domain/errors.js';
import { TenantEntity } from '../tenants/tenant.entity.js';
import { isUuid } from '../../domain/ids.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { isoTimestamp } from '../scim/resource-rows.js';
import { runSql } from '../scim/sql.js';
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

export type VerifyResult = { ok: true; key: AuthenticatedKey } | { ok: false; detail: string };

export const DEFAULT_KEY_NAME = 'default';

interface KeyRow {
  id: string;
  tenant_id: string;
  token_hash: string;
  revoked_at: Date | string | null;
  expires_at: Date | string | null;
}

/** lastUsedAt is written at most this often per key, so authentication stays a read. */
const LAST_USED_INTERVAL_MS = 60_000;
/** Compared against when the key id is unknown, so that case costs the same hash and comparison. */
const UNKNOWN_KEY_HASH = hashToken('unknown');

@Injectable()
export class ApiKeysService implements OnModuleDestroy {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly lastTouched = new Map<string, number>();
  private readonly pendingTouches = new Set<Promise<void>>();

  constructor(private readonly em: EntityManager) {}

  /**
   * Checks a presented bearer token. Reads the key row on every call (no cache), so a revocation or
   * a tenant deletion takes effect on the next request on every instance.
   */
  async verify(token: string): Promise<VerifyResult> {
    const parsed = parseToken(token);
    if (!parsed) return { ok: false, detail: 'Invalid API key' };
    // One indexed read per request, without an identity map: this runs before every SCIM call.
    const { rows } = await runSql<KeyRow>(
      this.em,
      'SELECT id, tenant_id, token_hash, revoked_at, expires_at FROM api_key WHERE id = $1',
      [parsed.keyId],
    );
    const key = rows[0];
    if (!tokenMatches(token, key?.token_hash ?? UNKNOWN_KEY_HASH) || !key) {
      return { ok: false, detail: 'Invalid API key' };
    }
    // Only a caller holding the right secret learns why a real key is refused.
    if (key.revoked_at) return { ok: false, detail: 'API key has been revoked' };
    if (key.expires_at && new Date(isoTimestamp(key.expires_at)).getTime() <= Date.now()) {
      return { ok: false, detail: 'API key has expired' };
    }
    this.touch(key.id);
    return { ok: true, key: { tenantId: key.tenant_id, apiKeyId: key.id } };
  }

  async create(tenantId: string, options: NewApiKeyOptions = {}): Promise<CreatedApiKey> {
    const em = this.em.fork();
    await this.requireTenant(em, tenantId);
    const created = this.createIn(em, tenantId, options);
    await em.flush();
    return created;
  }

  /** Adds a key to `em`'s unit of work (flushed by the caller), e.g. a new tenant's first key. */
  createIn(
    em: EntityManager,
    tenantId: string,
    options: NewApiKeyOptions = {},
    now = new Date(),
  ): CreatedApiKey {
    if (options.expiresAt && options.expiresAt.getTime() <= now.getTime()) {
      throw ScimError.badRequest('invalidValue', 'expiresAt must be in the future');
    }
    const issued = issueToken();
    const key = em.create(ApiKeyEntity, {
      id: issued.keyId,
      tenantId,
      name: options.name ?? DEFAULT_KEY_NAME,
      tokenHash: issued.tokenHash,
      createdAt: now,
      expiresAt: options.expiresAt ?? null,
      lastUsedAt: null,
      revokedAt: null,
    });
    return {
      id: key.id,
      name: key.name,
      createdAt: now.toISOString(),
      expiresAt: iso(key.expiresAt),
      apiKey: issued.token,
    };
  }

  async list(tenantId: string): Promise<ApiKeyView[]> {
    const em = this.em.fork();
    await this.requireTenant(em, tenantId);
    const keys = await em.find(ApiKeyEntity, { tenantId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return keys.map((key) => ({
      id: key.id,
      name: key.name,
      createdAt: key.createdAt.toISOString(),
      expiresAt: iso(key.expiresAt),
      lastUsedAt: iso(key.lastUsedAt),
      revokedAt: iso(key.revokedAt),
    }));
  }

  /** Revokes a key at once; revoking a revoked key again keeps the first revocation time. */
  async revoke(tenantId: string, keyId: string): Promise<void> {
    const em = this.em.fork();
    await this.requireTenant(em, tenantId);
    const key = isUuid(keyId) ? await em.findOne(ApiKeyEntity, { id: keyId, tenantId }) : null;
    if (!key) throw ScimError.notFound(`API key ${keyId} not found`);
    key.revokedAt ??= new Date();
    await em.flush();
  }

  async onModuleDestroy(): Promise<void> {
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
    const write = this.em
      .fork()
      .nativeUpdate(ApiKeyEntity, { id: keyId }, { lastUsedAt: new Date(now) })
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: error, apiKeyId: keyId }, 'could not record lastUsedAt'),
      )
      .finally(() => this.pendingTouches.delete(write));
    this.pendingTouches.add(write);
  }

  private async requireTenant(em: EntityManager, tenantId: string): Promise<void> {
    const found = isUuid(tenantId) ? await em.count(TenantEntity, { id: tenantId }) : 0;
    if (!found) throw ScimError.notFound(`Tenant ${tenantId} not found`);
  }
}

function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}
