import { Migration } from '@mikro-orm/migrations';

export class Migration20261128141626_ScimResources extends Migration {
  override name = 'Migration20261128141626_ScimResources';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "scim_group" ("tenant_id" uuid not null, "id" uuid not null, "display_name" text not null, "external_id" text null, "created_at" timestamptz not null, "last_modified" timestamptz not null, "version" int not null default 1, "data" jsonb not null, primary key ("tenant_id", "id"));`,
    );

    this.addSql(
      `create table "scim_membership" ("tenant_id" uuid not null, "group_id" uuid not null, "member_id" uuid not null, "member_type" text not null, primary key ("tenant_id", "group_id", "member_id"));`,
    );

    this.addSql(
      `create table "scim_user" ("tenant_id" uuid not null, "id" uuid not null, "user_name" text not null, "external_id" text null, "active" boolean not null default true, "display_name" text null, "given_name" text null, "family_name" text null, "primary_email" text null, "user_type" text not null default 'Viewer', "created_at" timestamptz not null, "last_modified" timestamptz not null, "version" int not null default 1, "data" jsonb not null, primary key ("tenant_id", "id"));`,
    );
    // Hand-written: expression indexes, foreign keys and checks that the entity model does not express.
    // Every unique index and foreign key leads with tenant_id, so the schema can be sharded by tenant.
    this.addSql(
      `alter table "scim_user" add constraint "scim_user_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "scim_group" add constraint "scim_group_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "scim_membership" add constraint "scim_membership_group_fk" foreign key ("tenant_id", "group_id") references "scim_group" ("tenant_id", "id") on delete cascade;`,
    );
    this.addSql(
      `alter table "scim_membership" add constraint "scim_membership_member_type_check" check ("member_type" in ('User', 'Group'));`,
    );
    // userName and group displayName are unique per tenant case-insensitively (RFC 7643 §4.1.1; Okta links by name).
    this.addSql(
      `create unique index "scim_user_user_name_uq" on "scim_user" ("tenant_id", lower("user_name"));`,
    );
    this.addSql(
      `create unique index "scim_group_display_name_uq" on "scim_group" ("tenant_id", lower("display_name"));`,
    );
    this.addSql(`create index "scim_user_external_id_idx" on "scim_user" ("tenant_id", "external_id");`);
    this.addSql(
      `create index "scim_user_primary_email_idx" on "scim_user" ("tenant_id", lower("primary_email"));`,
    );
    this.addSql(
      `create index "scim_user_display_name_idx" on "scim_user" ("tenant_id", lower("display_name"));`,
    );
    this.addSql(
      `create index "scim_user_family_name_idx" on "scim_user" ("tenant_id", lower("family_name"));`,
    );
    this.addSql(`create index "scim_user_created_idx" on "scim_user" ("tenant_id", "created_at", "id");`);
    this.addSql(`create index "scim_user_last_modified_idx" on "scim_user" ("tenant_id", "last_modified");`);
    this.addSql(`create index "scim_group_external_id_idx" on "scim_group" ("tenant_id", "external_id");`);
    this.addSql(`create index "scim_group_created_idx" on "scim_group" ("tenant_id", "created_at", "id");`);
    this.addSql(`create index "scim_membership_member_idx" on "scim_membership" ("tenant_id", "member_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "scim_group" cascade;`);
    this.addSql(`drop table if exists "scim_membership" cascade;`);
    this.addSql(`drop table if exists "scim_user" cascade;`);
  }
}
