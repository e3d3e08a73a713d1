import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TenantsService } from '../../src/modules/tenants/tenants.service.js';

export interface TestTenant {
  tenantId: string;
  /** Send as `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  apiKeyId: string;
}

/** Creates a tenant with its first API key through the same service as the operator API and the CLI. */
export async function createTenant(app: NestFastifyApplication, name = 'Test tenant'): Promise<TestTenant> {
  const created = await app.get(TenantsService, { strict: false }).create(name);
  return { tenantId: created.id, apiKey: created.apiKey, apiKeyId: created.apiKeyId };
}
