import { Injectable } from '@nestjs/common';
import { ScimError } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';
import type { SystemTx, TenantTx, Tx } from './database.js';

export interface TenantRow {
  id: string;
  name: string;
  created_at: Date | string;
}

/** The tenant table: created, listed and deleted by operators; held by every SCIM write. */
@Injectable()
export class TenantsRepository {
  async insert(tx: SystemTx, tenant: { id: string; name: string; createdAt: Date }): Promise<void> {
    await tx.query(
      tx.builder
        .insertInto('tenant')
        .values({ id: tenant.id, name: tenant.name, created_at: tenant.createdAt }),
    );
  }

  async list(tx: SystemTx): Promise<TenantRow[]> {
    const { rows } = await tx.query(
      tx.builder
        .selectFrom('tenant')
        .select(['id', 'name', 'created_at'])
        .orderBy('created_at')
        .orderBy('id'),
    );
    return rows;
  }

  async find(tx: Tx, id: string): Promise<TenantRow | undefined> {
    if (!isUuid(id)) return undefined;
    const { rows } = await tx.query(
      tx.builder.selectFrom('tenant').select(['id', 'name', 'created_at']).where('id', '=', id),
    );
    return rows[0];
  }

  /** Renames the tenant; undefined when there is no such tenant. */
  async rename(tx: SystemTx, id: string, name: string): Promise<TenantRow | undefined> {
    if (!isUuid(id)) return undefined;
    const { rows } = await tx.query(
      tx.builder
        .updateTable('tenant')
        .set({ name })
        .where('id', '=', id)
        .returning(['id', 'name', 'created_at']),
    );
    return rows[0];
  }

  /** The transaction's own tenant exists, or 404 (operator calls that name a tenant). */
  async require(tx: TenantTx): Promise<void> {
    if (!(await this.find(tx, tx.tenantId))) throw ScimError.notFound(`Tenant ${tx.tenantId} not found`);
  }

  /**
   * Deletes the tenant and, through ON DELETE CASCADE, its keys, users, groups, memberships and audit
   * trail. The one statement locks the tenant row before the cascade reaches any other row. False
   * when there was no such tenant.
   */
  async delete(tx: SystemTx, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const { affected } = await tx.query(tx.builder.deleteFrom('tenant').where('id', '=', id));
    return affected > 0;
  }

  /**
   * The first statement of every SCIM write: holds the tenant row (FOR KEY SHARE) for the transaction.
   * Deleting a tenant locks its row before its ON DELETE CASCADE reaches users, groups and audit rows,
   * so taking the tenant first here gives both one lock order: a tenant deletion waits for the writes in
   * flight, and a write that waited for a deletion finds no tenant and answers 401 (its key is gone
   * with it), never a deadlock or a foreign-key error.
   */
  async holdForWrite(tx: TenantTx): Promise<void> {
    const { rows } = await tx.sql('SELECT 1 FROM tenant WHERE id = $1 FOR KEY SHARE', [tx.tenantId]);
    if (rows.length === 0) throw new ScimError(401, 'Invalid API key: its tenant no longer exists');
  }
}
