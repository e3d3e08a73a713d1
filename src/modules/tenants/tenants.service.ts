import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { ScimError } from '../../domain/errors.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { TenantEntity } from './tenant.entity.js';
import { isUuid } from '../../domain/ids.js';

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

@Injectable()
export class TenantsService {
  constructor(
    private readonly em: EntityManager,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /** Creates the tenant and its first key in one transaction. */
  async create(name: string): Promise<CreatedTenant> {
    return this.em.fork().transactional(async (em) => {
      const tenant = em.create(TenantEntity, { id: randomUUID(), name, createdAt: new Date() });
      // The entities have no ORM relation, so the tenant row goes first for the key's foreign key.
      await em.flush();
      const key = this.apiKeys.createIn(em, tenant.id, {}, tenant.createdAt);
      return { ...toView(tenant), apiKeyId: key.id, apiKey: key.apiKey };
    });
  }

  async list(): Promise<TenantView[]> {
    const tenants = await this.em.fork().find(TenantEntity, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return tenants.map(toView);
  }

  async get(id: string): Promise<TenantView> {
    const tenant = isUuid(id) ? await this.em.fork().findOne(TenantEntity, { id }) : null;
    if (!tenant) throw ScimError.notFound(`Tenant ${id} not found`);
    return toView(tenant);
  }

  /**
   * Deletes the tenant and, through ON DELETE CASCADE, its keys, users, groups, memberships and audit
   * trail: its keys stop authenticating with the next request. The one statement locks the tenant row
   * before the cascade reaches any other row; SCIM writes lock the same row first (lockTenant, FOR KEY
   * SHARE), so this waits for the writes in flight and writes arriving meanwhile answer 401 after it.
   */
  async delete(id: string): Promise<void> {
    const deleted = isUuid(id) ? await this.em.fork().nativeDelete(TenantEntity, { id }) : 0;
    if (!deleted) throw ScimError.notFound(`Tenant ${id} not found`);
  }
}

function toView(tenant: { id: string; name: string; createdAt: Date }): TenantView {
  return { id: tenant.id, name: tenant.name, createdAt: tenant.createdAt.toISOString() };
}
