import { Migration } from '@mikro-orm/migrations';

/** The role requests run as (Migration20261201124500_RowLevelSecurity). */
const APP_ROLE = 'scim_app';

/** The request's tenant; no setting or an empty one (no scope) is NULL, which matches no row. */
const TENANT = `nullif(current_setting('app.tenant_id', true), '')::uuid`;

/** What the audit trail records: SCIM writes, and the changes made through the operator API or the console. */
const AUDIT_RESOURCE_TYPES = ['User', 'Group', 'Tenant', 'ApiKey', 'SetupLink'];

/**
 * The console's backend (docs/console.md): setup links and console sessions, the health of each
 * tenant's SCIM connection, the actor of changes made through the operator API, and the columns and
 * indexes the team API pages over (keyset pages by name, by role then name; a resource's history).
 */
export class Migration20261201171542_Console extends Migration {
  override name = 'Migration20261201171542_Console';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "console_session" ("id_hash" text not null, "role" text not null, "tenant_id" uuid null, "setup_link_id" uuid null, "csrf_token" text not null, "created_at" timestamptz not null default now(), "last_seen_at" timestamptz not null default now(), "expires_at" timestamptz not null, primary key ("id_hash"));`,
    );
    this.addSql(`create index "console_session_setup_link_idx" on "console_session" ("setup_link_id");`);

    this.addSql(
      `create table "scim_connection" ("tenant_id" uuid not null, "last_request_at" timestamptz null, "last_request_api_key_id" uuid null, "last_request_user_agent" text null, "last_error_at" timestamptz null, "last_error_status" int null, "last_error_scim_type" text null, "last_error_detail" text null, "last_error_method" text null, "last_error_path" text null, primary key ("tenant_id"));`,
    );

    this.addSql(
      `create table "setup_link" ("id" uuid not null, "tenant_id" uuid not null, "token_hash" text not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "revoked_at" timestamptz null, "last_used_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`create index "setup_link_tenant_idx" on "setup_link" ("tenant_id", "created_at");`);

    this.addSql(`alter table "audit_event" add "actor" text null;`);
    this.addSql(`alter table "audit_event" alter column "api_key_id" drop not null;`);
    this.addSql(
      `create index "audit_event_resource_idx" on "audit_event" ("tenant_id", "resource_id", "id");`,
    );

    this.addSql(
      `alter table "scim_user" add "team_role" text generated always as (case lower(user_type) when 'admin' then 'Admin' when 'editor' then 'Editor' else 'Viewer' end) stored not null, add "team_name_lower" text generated always as (lower(coalesce(display_name, nullif(btrim(coalesce(given_name, '') || ' ' || coalesce(family_name, '')), ''), user_name))) stored not null;`,
    );
    this.addSql(
      `create index "scim_user_team_name_idx" on "scim_user" ("tenant_id", "team_name_lower", "id");`,
    );
    this.addSql(
      `create index "scim_user_team_role_idx" on "scim_user" ("tenant_id", "team_role", "team_name_lower", "id");`,
    );

    // Hand-written: foreign keys, checks and row-level security, which the entity model does not express.
    // Deleting a tenant deletes its links, sessions and connection health; revoking a link deletes its
    // sessions (SetupLinksService), and deleting one (with its tenant) does too.
    this.addSql(
      `alter table "setup_link" add constraint "setup_link_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "console_session" add constraint "console_session_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "console_session" add constraint "console_session_setup_link_fk" foreign key ("setup_link_id") references "setup_link" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "scim_connection" add constraint "scim_connection_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    // An operator session belongs to no tenant; a tenant admin's to its tenant, through its link.
    this.addSql(
      `alter table "console_session" add constraint "console_session_role_check" check (("role" = 'operator' and "tenant_id" is null and "setup_link_id" is null) or ("role" = 'tenantAdmin' and "tenant_id" is not null and "setup_link_id" is not null));`,
    );
    this.addSql(`alter table "audit_event" drop constraint "audit_event_resource_type_check";`);
    this.addSql(
      `alter table "audit_event" add constraint "audit_event_resource_type_check" check ("resource_type" in (${AUDIT_RESOURCE_TYPES.map((type) => `'${type}'`).join(', ')}));`,
    );
    // Every event names who made it: the API key of a SCIM write, or the actor of an operator change.
    this.addSql(
      `alter table "audit_event" add constraint "audit_event_actor_check" check ("api_key_id" is not null or "actor" is not null);`,
    );
    for (const table of ['setup_link', 'console_session', 'scim_connection']) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(
        `create policy "tenant_isolation" on "${table}" using ("tenant_id" = ${TENANT}) with check ("tenant_id" = ${TENANT});`,
      );
    }
    // Operator calls on a tenant's links run in its scope: they create, list and revoke links and end a
    // revoked link's sessions. Signing in, finding a session and recording connection health are system
    // work (the tenant is not known yet, or the write is not a request's).
    this.addSql(`do $$
begin
  if to_regrole('${APP_ROLE}') is null then return; end if;
  grant select, insert, update on "setup_link" to "${APP_ROLE}";
  grant select, delete on "console_session" to "${APP_ROLE}";
  grant select on "scim_connection" to "${APP_ROLE}";
end $$;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "audit_event" drop constraint "audit_event_actor_check";`);
    this.addSql(`delete from "audit_event" where "api_key_id" is null;`);
    this.addSql(`alter table "audit_event" drop constraint "audit_event_resource_type_check";`);
    this.addSql(
      `alter table "audit_event" add constraint "audit_event_resource_type_check" check ("resource_type" in ('User', 'Group'));`,
    );
    this.addSql(`drop table if exists "console_session" cascade;`);
    this.addSql(`drop table if exists "scim_connection" cascade;`);
    this.addSql(`drop table if exists "setup_link" cascade;`);

    this.addSql(`drop index "audit_event_resource_idx";`);
    this.addSql(`alter table "audit_event" drop column "actor";`);
    this.addSql(`alter table "audit_event" alter column "api_key_id" set not null;`);

    this.addSql(`drop index "scim_user_team_name_idx";`);
    this.addSql(`drop index "scim_user_team_role_idx";`);
    this.addSql(`alter table "scim_user" drop column "team_role", drop column "team_name_lower";`);
  }
}
