import { Injectable } from '@nestjs/common';
import type { SystemTx } from './database.js';

export interface ConsoleSessionRow {
  role: string;
  tenant_id: string | null;
  tenant_name: string | null;
  setup_link_id: string | null;
  csrf_token: string;
  expires_at: Date | string;
}

export interface NewConsoleSession {
  idHash: string;
  role: string;
  tenantId: string | null;
  setupLinkId: string | null;
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * console_session: found by the hash of the cookie's id before any tenant is known, so system work.
 * A tenant admin's sessions are also deleted in their tenant's scope, when their link is revoked
 * (SetupLinksRepository.revoke).
 */
@Injectable()
export class ConsoleSessionsRepository {
  async insert(tx: SystemTx, session: NewConsoleSession): Promise<void> {
    await tx.query(
      tx.builder.insertInto('console_session').values({
        id_hash: session.idHash,
        role: session.role,
        tenant_id: session.tenantId,
        setup_link_id: session.setupLinkId,
        csrf_token: session.csrfToken,
        created_at: session.createdAt,
        last_seen_at: session.createdAt,
        expires_at: session.expiresAt,
      }),
    );
  }

  /**
   * The live session with this id hash, its idle clock restarted, in one statement: a session past its
   * absolute end or idle for `idleMinutes` is not found (and stays so: its last_seen_at is not moved).
   * PostgreSQL's clock decides, so every instance agrees.
   */
  async touch(tx: SystemTx, idHash: string, idleMinutes: number): Promise<ConsoleSessionRow | undefined> {
    const { rows } = await tx.sql<ConsoleSessionRow>(
      `WITH live AS (
         UPDATE console_session SET last_seen_at = now()
          WHERE id_hash = $1 AND expires_at > now() AND last_seen_at > now() - make_interval(mins => $2)
            -- Revoking a link deletes its sessions; this keeps any that slipped by dead all the same.
            AND (setup_link_id IS NULL OR EXISTS (
                  SELECT 1 FROM setup_link l WHERE l.id = console_session.setup_link_id AND l.revoked_at IS NULL))
          RETURNING role, tenant_id, setup_link_id, csrf_token, expires_at
       )
       SELECT live.*, t.name AS tenant_name FROM live LEFT JOIN tenant t ON t.id = live.tenant_id`,
      [idHash, idleMinutes],
    );
    return rows[0];
  }

  async delete(tx: SystemTx, idHash: string): Promise<void> {
    await tx.sql('DELETE FROM console_session WHERE id_hash = $1', [idHash]);
  }

  /** Deletes sessions that ended (absolute end, or idle for `idleMinutes`); run at each sign-in. */
  async prune(tx: SystemTx, idleMinutes: number): Promise<void> {
    await tx.sql(
      'DELETE FROM console_session WHERE expires_at <= now() OR last_seen_at <= now() - make_interval(mins => $1)',
      [idleMinutes],
    );
  }
}
