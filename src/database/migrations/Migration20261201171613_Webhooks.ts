import { Migration } from '@mikro-orm/migrations';

/** The request's tenant; no setting or an empty one (no scope) is NULL, which matches no row. */
const TENANT = `nullif(current_setting('app.tenant_id', true), '')::uuid`;

/**
 * Webhooks (docs/events.md, "Webhooks"): endpoints, the fan-out cursor over change_event, the
 * delivery queue and the attempt log. They are the operator's tables: only the owner (the system path:
 * the operator API and the delivery worker) reads or writes them; requests, as the app role, get no
 * grant, and row-level security (like every table with a tenant_id) keeps them out should one be given.
 */
export class Migration20261201171613_Webhooks extends Migration {
  override name = 'Migration20261201171613_Webhooks';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "webhook_attempt" ("id" bigserial primary key, "endpoint_id" uuid not null, "tenant_id" uuid null, "delivery_id" bigint null, "event_id" uuid not null, "event_type" text not null, "attempted_at" timestamptz not null default now(), "status" int null, "latency_ms" int not null, "response_body" text null, "error" text null);`,
    );
    this.addSql(`create index "webhook_attempt_endpoint_idx" on "webhook_attempt" ("endpoint_id", "id");`);

    this.addSql(
      `create table "webhook_delivery" ("id" bigserial primary key, "endpoint_id" uuid not null, "tenant_id" uuid not null, "event_id" uuid not null, "event_xid" xid8 not null, "event_seq" bigint not null, "resource_id" uuid not null, "state" text not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null default now(), "lease_until" timestamptz null, "lease_token" uuid null, "created_at" timestamptz not null default now(), "finished_at" timestamptz null);`,
    );
    this.addSql(
      `create index "webhook_delivery_queue_idx" on "webhook_delivery" ("state", "event_xid", "event_seq");`,
    );
    this.addSql(
      `create index "webhook_delivery_chain_idx" on "webhook_delivery" ("endpoint_id", "resource_id", "state", "event_xid", "event_seq");`,
    );

    this.addSql(
      `create table "webhook_endpoint" ("id" uuid not null default gen_random_uuid(), "tenant_id" uuid null, "url" text not null, "event_types" text[] null, "description" text null, "secret" text not null, "previous_secret" text null, "previous_secret_expires_at" timestamptz null, "disabled" boolean not null default false, "disabled_reason" text null, "failing_since" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_endpoint_tenant_idx" on "webhook_endpoint" ("tenant_id", "created_at");`,
    );

    this.addSql(
      `create table "webhook_fanout" ("id" serial primary key, "xid" xid8 not null, "seq" bigint not null);`,
    );

    // Hand-written: foreign keys, checks, the one fan-out row and row-level security.
    this.addSql(`insert into "webhook_fanout" ("id", "xid", "seq") values (1, '0', 0);`);
    this.addSql(
      `alter table "webhook_fanout" add constraint "webhook_fanout_one_row_check" check ("id" = 1);`,
    );
    this.addSql(
      `alter table "webhook_endpoint" add constraint "webhook_endpoint_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_delivery" add constraint "webhook_delivery_endpoint_fk" foreign key ("endpoint_id") references "webhook_endpoint" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_delivery" add constraint "webhook_delivery_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_delivery" add constraint "webhook_delivery_state_check" check ("state" in ('pending', 'delivered', 'failed'));`,
    );
    this.addSql(
      `alter table "webhook_attempt" add constraint "webhook_attempt_endpoint_fk" foreign key ("endpoint_id") references "webhook_endpoint" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_attempt" add constraint "webhook_attempt_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    for (const table of ['webhook_endpoint', 'webhook_delivery', 'webhook_attempt']) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(
        `create policy "tenant_isolation" on "${table}" using ("tenant_id" = ${TENANT}) with check ("tenant_id" = ${TENANT});`,
      );
    }
    // No grant to the app role (scim_app): nothing a SCIM request runs touches these tables.
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "webhook_attempt" cascade;`);
    this.addSql(`drop table if exists "webhook_delivery" cascade;`);
    this.addSql(`drop table if exists "webhook_endpoint" cascade;`);
    this.addSql(`drop table if exists "webhook_fanout" cascade;`);
  }
}
