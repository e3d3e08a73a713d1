import { Migration } from '@mikro-orm/migrations';

/** The role requests run as (Migration20261201124500_RowLevelSecurity). */
const APP_ROLE = 'scim_app';

/** The request's tenant; no setting or an empty one (no scope) is NULL, which matches no row. */
const TENANT = `nullif(current_setting('app.tenant_id', true), '')::uuid`;

/** The event types of docs/events.md: a new type is a new migration, like a new column. */
const CHANGE_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.role_changed',
  'user.deleted',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.member_added',
  'group.member_removed',
];

/**
 * The outbox of change events (docs/events.md): written by SCIM writes in their own transaction,
 * read in (xid, seq) order by the events API, pruned after the retention period; change_event_horizon
 * keeps, per tenant, the newest event pruned, so a cursor from before it is answered 410.
 */
export class Migration20261201150837_ChangeEvents extends Migration {
  override name = 'Migration20261201150837_ChangeEvents';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "change_event" ("seq" bigserial primary key, "xid" xid8 not null default pg_current_xact_id(), "id" uuid not null default gen_random_uuid(), "tenant_id" uuid not null, "type" text not null, "occurred_at" timestamptz not null default now(), "request_id" text not null, "api_key_id" uuid not null, "resource_type" text not null, "resource_id" uuid not null, "data" jsonb not null);`,
    );
    this.addSql(`create index "change_event_order_idx" on "change_event" ("xid", "seq");`);
    this.addSql(
      `create index "change_event_tenant_order_idx" on "change_event" ("tenant_id", "xid", "seq");`,
    );
    this.addSql(`create index "change_event_occurred_at_idx" on "change_event" ("occurred_at");`);
    this.addSql(
      `create index "change_event_resource_idx" on "change_event" ("tenant_id", "resource_id", "xid");`,
    );
    this.addSql(
      `create table "change_event_horizon" ("tenant_id" uuid not null, "xid" xid8 not null, "seq" bigint not null, primary key ("tenant_id"));`,
    );

    // Hand-written: foreign keys, checks and row-level security, which the entity model does not express.
    // Deleting a tenant deletes its events.
    this.addSql(
      `alter table "change_event" add constraint "change_event_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "change_event_horizon" add constraint "change_event_horizon_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "change_event" add constraint "change_event_type_check" check ("type" in (${CHANGE_EVENT_TYPES.map((type) => `'${type}'`).join(', ')}));`,
    );
    this.addSql(
      `alter table "change_event" add constraint "change_event_resource_type_check" check ("resource_type" in ('User', 'Group'));`,
    );
    for (const table of ['change_event', 'change_event_horizon']) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(
        `create policy "tenant_isolation" on "${table}" using ("tenant_id" = ${TENANT}) with check ("tenant_id" = ${TENANT});`,
      );
    }
    // Requests append events and read their tenant's; only the owner (the system path) prunes.
    this.addSql(`do $$
begin
  if to_regrole('${APP_ROLE}') is null then return; end if;
  grant select, insert on "change_event" to "${APP_ROLE}";
  grant usage on sequence "change_event_seq_seq" to "${APP_ROLE}";
  grant select on "change_event_horizon" to "${APP_ROLE}";
end $$;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "change_event" cascade;`);
    this.addSql(`drop table if exists "change_event_horizon" cascade;`);
  }
}
