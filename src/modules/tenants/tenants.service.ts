import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ScimError } from '../../domain/errors.js';
import { Database, type SystemTx } from '../../storage/database.js';
import { TenantsRepository, type TenantRow } from '../../storage/tenants.repository.js';
import { isoTimestamp } from '../../storage/timestamps.js';
import { ApiKeysService } from '../auth/api-keys.service.js';

export interface TenantView {
  id: string;
  name: string;
  createdAt: string;
}

/** A new tenant with its first API key; `apiKey` is shown in this response only. */
export interface CreatedTenant extends TenantView {
  apiKeyId: string;
  apiKey: string;
}

/** Tenants are system work: they are not inside any one tenant's scope (Database.system). */
@Injectable()
export class TenantsService {
  constructor(
    private readonly db: Database,
    private readonly tenants: TenantsRepository,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /**
   * Creates the tenant and its first key in one transaction; `record` runs in it too, with the new
   * tenant's id (the audit trail of the change).
   */
  async create(
    name: string,
    record?: (tx: SystemTx, tenantId: string) => Promise<void>,
  ): Promise<CreatedTenant> {
    return this.db.system(async (tx) => {
      const tenant = { id: randomUUID(), name, createdAt: new Date() };
      // The tenant row goes first for the key's foreign key.
      await this.tenants.insert(tx, tenant);
      const key = await this.apiKeys.createIn(tx, tenant.id, {}, tenant.createdAt);
      await record?.(tx, tenant.id);
      return {
        id: tenant.id,
        name: tenant.name,
        createdAt: tenant.createdAt.toISOString(),
        apiKeyId: key.id,
        apiKey: key.apiKey,
      };
    });
  }

  async list(): Promise<TenantView[]> {
    const rows = await this.db.systemStatement((tx) => this.tenants.list(tx));
    return rows.map(toView);
  }

  async get(id: string): Promise<TenantView> {
    const tenant = await this.db.systemStatement((tx) => this.tenants.find(tx, id));
    if (!tenant) throw ScimError.notFound(`Tenant ${id} not found`);
    return toView(tenant);
  }

  /** Renames the tenant; `record` runs in the same transaction (the audit trail of the change). */
  async rename(id: string, name: string, record?: (tx: SystemTx) => Promise<void>): Promise<TenantView> {
    return this.db.system(async (tx) => {
      const tenant = await this.tenants.rename(tx, id, name);
      if (!tenant) throw ScimError.notFound(`Tenant ${id} not found`);
      await record?.(tx);
      return toView(tenant);
    });
  }

  /**
   * Deletes the tenant and, through ON DELETE CASCADE, its keys, users, groups, memberships and audit
   * trail: its keys stop authenticating with the next request. The one statement locks the tenant row
   * before the cascade reaches any other row; SCIM writes lock the same row first (holdForWrite, FOR
   * KEY SHARE), so this waits for the writes in flight and writes arriving meanwhile answer 401 after it.
   */
  async delete(id: string): Promise<void> {
    const deleted = await this.db.systemStatement((tx) => this.tenants.delete(tx, id));
    if (!deleted) throw ScimError.notFound(`Tenant ${id} not found`);
    this.apiKeys.forgetTenant(id);
  }
}

function toView(tenant: TenantRow): TenantView {
  return { id: tenant.id, name: tenant.name, createdAt: isoTimestamp(tenant.created_at) };
}
