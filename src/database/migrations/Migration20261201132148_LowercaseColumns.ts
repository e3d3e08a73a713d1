import { Migration } from '@mikro-orm/migrations';

/**
 * Hand-written: the case-insensitive columns get a lowercase copy that PostgreSQL computes (a STORED
 * generated column), and the indexes on lower(<column>) are replaced by indexes on the copy. Under
 * row-level security a condition that applies a function not marked LEAKPROOF to a column, such as
 * `lower(user_name) = lower($1)`, is never an index condition, so those indexes went unused by requests
 * and every case-insensitive lookup scanned the tenant; `user_name_lower = lower($1)` keeps its index.
 * See docs/storage-model.md, "Tenant isolation".
 */
export class Migration20261201132148_LowercaseColumns extends Migration {
  override name = 'Migration20261201132148_LowercaseColumns';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "scim_user" add "user_name_lower" text generated always as (lower(user_name)) stored not null, add "display_name_lower" text generated always as (lower(display_name)) stored null, add "family_name_lower" text generated always as (lower(family_name)) stored null, add "primary_email_lower" text generated always as (lower(primary_email)) stored null;`,
    );
    this.addSql(
      `alter table "scim_group" add "display_name_lower" text generated always as (lower(display_name)) stored not null;`,
    );
    // userName and group displayName stay unique per tenant case-insensitively (RFC 7643 §4.1.1; Okta
    // links by name): the new unique constraint holds before the old unique index goes.
    this.addSql(
      `alter table "scim_user" add constraint "scim_user_user_name_lower_uq" unique ("tenant_id", "user_name_lower");`,
    );
    this.addSql(
      `alter table "scim_group" add constraint "scim_group_display_name_lower_uq" unique ("tenant_id", "display_name_lower");`,
    );
    this.addSql(
      `create index "scim_user_display_name_lower_idx" on "scim_user" ("tenant_id", "display_name_lower");`,
    );
    this.addSql(
      `create index "scim_user_family_name_lower_idx" on "scim_user" ("tenant_id", "family_name_lower");`,
    );
    this.addSql(
      `create index "scim_user_primary_email_lower_idx" on "scim_user" ("tenant_id", "primary_email_lower");`,
    );
    this.addSql(`drop index "scim_user_user_name_uq";`);
    this.addSql(`drop index "scim_group_display_name_uq";`);
    this.addSql(`drop index "scim_user_primary_email_idx";`);
    this.addSql(`drop index "scim_user_display_name_idx";`);
    this.addSql(`drop index "scim_user_family_name_idx";`);
  }

  override down(): void | Promise<void> {
    this.addSql(
      `create unique index "scim_user_user_name_uq" on "scim_user" ("tenant_id", lower("user_name"));`,
    );
    this.addSql(
      `create unique index "scim_group_display_name_uq" on "scim_group" ("tenant_id", lower("display_name"));`,
    );
    this.addSql(
      `create index "scim_user_primary_email_idx" on "scim_user" ("tenant_id", lower("primary_email"));`,
    );
    this.addSql(
      `create index "scim_user_display_name_idx" on "scim_user" ("tenant_id", lower("display_name"));`,
    );
    this.addSql(
      `create index "scim_user_family_name_idx" on "scim_user" ("tenant_id", lower("family_name"));`,
    );
    // Dropping the columns drops their indexes and constraints.
    this.addSql(`alter table "scim_group" drop column "display_name_lower";`);
    this.addSql(
      `alter table "scim_user" drop column "user_name_lower", drop column "display_name_lower", drop column "family_name_lower", drop column "primary_email_lower";`,
    );
  }
}
