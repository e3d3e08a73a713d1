import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128140831_Initial } from './Migration20261128140831_Initial.js';
import { Migration20261128141626_ScimResources } from './Migration20261128141626_ScimResources.js';
import { Migration20261128142121_AuthAndAudit } from './Migration20261128142121_AuthAndAudit.js';
import { Migration20261201121546_UserTypeAsSent } from './Migration20261201121546_UserTypeAsSent.js';
import { Migration20261201124500_RowLevelSecurity } from './Migration20261201124500_RowLevelSecurity.js';
import { Migration20261201132148_LowercaseColumns } from './Migration20261201132148_LowercaseColumns.js';
import { Migration20261201140000_ApiKeyInvalidation } from './Migration20261201140000_ApiKeyInvalidation.js';
import { Migration20261201150837_ChangeEvents } from './Migration20261201150837_ChangeEvents.js';
import { Migration20261201151116_RateLimit } from './Migration20261201151116_RateLimit.js';
import { Migration20261201171542_Console } from './Migration20261201171542_Console.js';
import { Migration20261201171613_Webhooks } from './Migration20261201171613_Webhooks.js';
import { Migration20261201173842_RateLimitUnlogged } from './Migration20261201173842_RateLimitUnlogged.js';
import { Migration20261201180639_SetupLinkTenantKey } from './Migration20261201180639_SetupLinkTenantKey.js';
import { Migration20261201201407_ChainHeads } from './Migration20261201201407_ChainHeads.js';
import { Migration20261201202201_LeanChangeEvents } from './Migration20261201202201_LeanChangeEvents.js';
import { Migration20261201235000_ChangeEventTypesUnchecked } from './Migration20261201235000_ChangeEventTypesUnchecked.js';

/** Every migration, oldest first. `npm run migration:create` writes a new file; add it here. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261128140831_Initial', class: Migration20261128140831_Initial },
  { name: 'Migration20261128141626_ScimResources', class: Migration20261128141626_ScimResources },
  { name: 'Migration20261128142121_AuthAndAudit', class: Migration20261128142121_AuthAndAudit },
  { name: 'Migration20261201121546_UserTypeAsSent', class: Migration20261201121546_UserTypeAsSent },
  { name: 'Migration20261201124500_RowLevelSecurity', class: Migration20261201124500_RowLevelSecurity },
  { name: 'Migration20261201132148_LowercaseColumns', class: Migration20261201132148_LowercaseColumns },
  { name: 'Migration20261201140000_ApiKeyInvalidation', class: Migration20261201140000_ApiKeyInvalidation },
  { name: 'Migration20261201150837_ChangeEvents', class: Migration20261201150837_ChangeEvents },
  { name: 'Migration20261201151116_RateLimit', class: Migration20261201151116_RateLimit },
  { name: 'Migration20261201171542_Console', class: Migration20261201171542_Console },
  { name: 'Migration20261201171613_Webhooks', class: Migration20261201171613_Webhooks },
  { name: 'Migration20261201173842_RateLimitUnlogged', class: Migration20261201173842_RateLimitUnlogged },
  { name: 'Migration20261201180639_SetupLinkTenantKey', class: Migration20261201180639_SetupLinkTenantKey },
  { name: 'Migration20261201201407_ChainHeads', class: Migration20261201201407_ChainHeads },
  { name: 'Migration20261201202201_LeanChangeEvents', class: Migration20261201202201_LeanChangeEvents },
  {
    name: 'Migration20261201235000_ChangeEventTypesUnchecked',
    class: Migration20261201235000_ChangeEventTypesUnchecked,
  },
];
