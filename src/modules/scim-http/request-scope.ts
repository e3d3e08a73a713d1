import type { TenantContext } from '../auth/tenant-context.js';

/** What a SCIM service call needs to know about its request. */
export interface RequestScope {
  tenant: TenantContext;
  /** Absolute base URL for meta.location. */
  baseUrl: string;
}
