import { TenantEntity } from '../modules/tenants/tenant.entity.js';

/** Every entity of the app, so the ORM, the migrator and the CLI see the same model. */
export const ENTITIES = [TenantEntity];
