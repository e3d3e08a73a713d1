import { Injectable } from '@nestjs/common';
import { isUuid } from '../domain/ids.js';
import type { SystemTx, TenantTx } from './database.js';

export interface SetupLinkRow {
  id: string;
  created_at: Date | string;
  expires_at: Date | string;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
}

/** What signing in with a setup token needs of its link, found before its tenant is known. */
export interface SetupLinkForSignIn {
  id: string;
  tenant_id: string;
  tenant_name: string;
  token_hash: string;
  expires_at: Date | string;
  revoked_at: Date | string | null;
}

/** setup_link: a tenant's setup links, only ever with the hash of their token. */
@Injectable()
export class SetupLinksRepository {
  async insert(
    tx: TenantTx,
    link: { id: string; tokenHash: string; createdAt: Date; expiresAt: Date },
  ): Promise<void> {
    await tx.query(
      tx.builder.insertInto('setup_link').values({
        id: link.id,
        tenant_id: tx.tenantId,
        token_hash: link.tokenHash,
        created_at: link.createdAt,
        expires_at: link.expiresAt,
        revoked_at: null,
        last_used_at: null,
      }),
    );
  }

  /** The tenant's links, newest first. */
  async list(tx: TenantTx): Promise<SetupLinkRow[]> {
    const { rows } = await tx.query(
      tx.builder
        .selectFrom('setup_link')
        .select(['id', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'])
        .where('tenant_id', '=', tx.tenantId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc'),
    );
    return rows;
  }

  /**
   * Revokes the link (a second revocation keeps the first time) and deletes the sessions it started,
   * in the caller's transaction: they stop working together. False when the tenant has no such link.
   * Two statements, in this order: the UPDATE waits for a sign-in holding the link (findForSignIn
   * locks it), and the DELETE, with a snapshot taken after that wait, sees the session it made.
   */
  async revoke(tx: TenantTx, id: string, now: Date): Promise<boolean> {
    if (!isUuid(id)) return false;
    const { rows } = await tx.sql<{ id: string }>(
      'UPDATE setup_link SET revoked_at = coalesce(revoked_at, $3) WHERE tenant_id = $1 AND id = $2 RETURNING id',
      [tx.tenantId, id, now],
    );
    if (rows.length === 0) return false;
    await tx.sql('DELETE FROM console_session WHERE tenant_id = $1 AND setup_link_id = $2', [
      tx.tenantId,
      id,
    ]);
    return true;
  }

  /**
   * The link a setup token names, with its tenant's name (system work: the tenant is not known yet),
   * held for the sign-in's transaction: a revocation of the link waits for the session to be written
   * and then deletes it (revoke), and a tenant deletion waits too (or, first, leaves nothing to find).
   * The lock is the one the sign-in's own `markUsed` needs (FOR NO KEY UPDATE), taken first: two
   * sign-ins with one link queue on it instead of both holding a share lock and deadlocking on the
   * update.
   */
  async findForSignIn(tx: SystemTx, id: string): Promise<SetupLinkForSignIn | undefined> {
    const { rows } = await tx.sql<SetupLinkForSignIn>(
      `SELECT l.id, l.tenant_id, t.name AS tenant_name, l.token_hash, l.expires_at, l.revoked_at
         FROM setup_link l JOIN tenant t ON t.id = l.tenant_id WHERE l.id = $1
          FOR NO KEY UPDATE OF l FOR KEY SHARE OF t`,
      [id],
    );
    return rows[0];
  }

  async markUsed(tx: SystemTx, id: string, now: Date): Promise<void> {
    await tx.sql('UPDATE setup_link SET last_used_at = $2 WHERE id = $1', [id, now]);
  }
}
