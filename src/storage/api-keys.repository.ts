import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { isUuid } from '../domain/ids.js';
import type { SystemTx, TenantTx, Tx } from './database.js';

export interface ApiKeyRow {
  id: string;
  name: string;
  created_at: Date | string;
  expires_at: Date | string | null;
  last_used_at: Date | string | null;
  revoked_at: Date | string | null;
}

/** What authenticating a token needs of its key. */
export interface KeyForVerification {
  id: string;
  tenant_id: string;
  token_hash: string;
  revoked_at: Date | string | null;
  expires_at: Date | string | null;
}

export interface NewApiKeyRow {
  id: string;
  name: string;
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date | null;
}

const VISIBLE = ['id', 'name', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'] as const;

/** api_key: tenants' keys, only ever with the hash of their token. */
@Injectable()
export class ApiKeysRepository {
  /**
   * The key a token names, found by its id before any tenant is known (system work): one indexed
   * read per SCIM request, outside a transaction.
   */
  async findForVerification(tx: SystemTx, keyId: string): Promise<KeyForVerification | undefined> {
    const { rows } = await tx.sql<KeyForVerification>(
      'SELECT id, tenant_id, token_hash, revoked_at, expires_at FROM api_key WHERE id = $1',
      [keyId],
    );
    return rows[0];
  }

  /** A key of `tenantId` (the tenant's own transaction, or the system one that creates the tenant). */
  async insert(tx: Tx, tenantId: string, key: NewApiKeyRow): Promise<void> {
    await tx.query(
      tx.builder.insertInto('api_key').values({
        id: key.id,
        tenant_id: tenantId,
        name: key.name,
        token_hash: key.tokenHash,
        created_at: key.createdAt,
        expires_at: key.expiresAt,
        last_used_at: null,
        revoked_at: null,
      }),
    );
  }

  async list(tx: TenantTx): Promise<ApiKeyRow[]> {
    const { rows } = await tx.query(
      tx.builder
        .selectFrom('api_key')
        .select(VISIBLE)
        .where('tenant_id', '=', tx.tenantId)
        .orderBy('created_at')
        .orderBy('id'),
    );
    return rows as ApiKeyRow[];
  }

  /** Sets revoked_at unless already set; false when the tenant has no such key. */
  async revoke(tx: TenantTx, keyId: string, at: Date): Promise<boolean> {
    if (!isUuid(keyId)) return false;
    const { rows } = await tx.sql(
      `UPDATE api_key SET revoked_at = coalesce(revoked_at, $3) WHERE tenant_id = $1 AND id = $2 RETURNING id`,
      [tx.tenantId, keyId, at],
    );
    return rows.length > 0;
  }

  /**
   * Records when a key was last used: like the lookup it follows, one statement by key id outside
   * any request's transaction.
   */
  /**
   * Records a use at `at`; never moves lastUsedAt back (each instance writes its own uses, and an
   * earlier one may commit after a later one of another instance).
   */
  async touch(tx: SystemTx, keyId: string, at: Date): Promise<void> {
    await tx.query(
      tx.builder
        .updateTable('api_key')
        .set({ last_used_at: sql<Date>`greatest(last_used_at, ${at})` })
        .where('id', '=', keyId),
    );
  }
}
