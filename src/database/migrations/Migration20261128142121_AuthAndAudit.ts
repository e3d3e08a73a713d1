import { Migration } from '@mikro-orm/migrations';

export class Migration20261128142121_AuthAndAudit extends Migration {
  override name = 'Migration20261128142121_AuthAndAudit';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "api_key" ("id" uuid not null, "tenant_id" uuid not null, "name" text not null, "token_hash" text not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`,
    );

    this.addSql(
      `create table "audit_event" ("id" bigserial primary key, "tenant_id" uuid not null, "occurred_at" timestamptz not null default now(), "api_key_id" uuid not null, "request_id" text not null, "operation" text not null, "resource_type" text not null, "resource_id" text not null, "attributes" text[] not null);`,
    );
    // Hand-written: foreign keys, checks and indexes that the entity model does not express.
    // Deleting a tenant deletes its keys (they stop authenticating at once) and its audit trail.
    this.addSql(
      `alter table "api_key" add constraint "api_key_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "audit_event" add constraint "audit_event_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "audit_event" add constraint "audit_event_operation_check" check ("operation" in ('create', 'replace', 'patch', 'delete'));`,
    );
    this.addSql(
      `alter table "audit_event" add constraint "audit_event_resource_type_check" check ("resource_type" in ('User', 'Group'));`,
    );
    this.addSql(`create index "api_key_tenant_idx" on "api_key" ("tenant_id", "created_at");`);
    // The operator API lists a tenant's trail newest first, paging by id.
    this.addSql(`create index "audit_event_tenant_idx" on "audit_event" ("tenant_id", "id" desc);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "api_key" cascade;`);
    this.addSql(`drop table if exists "audit_event" cascade;`);
  }
}
