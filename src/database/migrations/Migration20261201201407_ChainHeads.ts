import { Migration } from '@mikro-orm/migrations';

/** The request's tenant; no setting or an empty one (no scope) is NULL, which matches no row. */
const TENANT = `nullif(current_setting('app.tenant_id', true), '')::uuid`;

/**
 * Webhook chains (docs/events.md, "How delivery works"): a row per endpoint and resource that keeps
 * its chain's head (the next position to send), its tail and its claim, so that a claim reads due
 * chains through a partial index instead of testing every pending delivery for an earlier one. Each
 * delivery gets its position in its chain; the claim's lease moves from the deliveries to the chain.
 * Existing deliveries are numbered in the order they were sent in (finished ones first, then the
 * pending ones in feed order) and their chains created, due when their head was.
 */
export class Migration20261201201407_ChainHeads extends Migration {
  override name = 'Migration20261201201407_ChainHeads';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "webhook_chain" ("endpoint_id" uuid not null, "resource_id" uuid not null, "tenant_id" uuid not null, "head" bigint not null default '1', "tail" bigint not null default '0', "due_at" timestamptz not null default now(), "lease_token" uuid null, primary key ("endpoint_id", "resource_id"));`,
    );
    this.addSql(
      `create index "webhook_chain_due_idx" on "webhook_chain" ("endpoint_id", "due_at") where "head" <= "tail";`,
    );

    this.addSql(`alter table "webhook_delivery" add "position" bigint null;`);
    this.addSql(
      `update "webhook_delivery" d set "position" = n."position"
         from (select "id", row_number() over (partition by "endpoint_id", "resource_id"
                 order by "state" = 'pending', "event_xid", "event_seq", "id") as "position"
                 from "webhook_delivery") n
        where d."id" = n."id";`,
    );
    this.addSql(
      `insert into "webhook_chain" ("endpoint_id", "resource_id", "tenant_id", "head", "tail", "due_at")
       select "endpoint_id", "resource_id", (array_agg("tenant_id"))[1],
              count(*) filter (where "state" <> 'pending') + 1, count(*),
              coalesce(max(greatest("next_attempt_at", coalesce("lease_until", '-infinity')))
                         filter (where "state" = 'pending'), now())
         from "webhook_delivery" group by "endpoint_id", "resource_id";`,
    );
    this.addSql(`alter table "webhook_delivery" alter column "position" set not null;`);

    this.addSql(`drop index "webhook_delivery_chain_idx";`);
    this.addSql(`alter table "webhook_delivery" drop column "lease_token", drop column "lease_until";`);
    this.addSql(
      `create unique index "webhook_delivery_chain_idx" on "webhook_delivery" ("endpoint_id", "resource_id", "position") where "state" = 'pending';`,
    );

    // Hand-written: foreign keys and row-level security, like the other webhook tables (no grant to
    // the app role: an operator table).
    this.addSql(
      `alter table "webhook_chain" add constraint "webhook_chain_endpoint_fk" foreign key ("endpoint_id") references "webhook_endpoint" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_chain" add constraint "webhook_chain_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(`alter table "webhook_chain" enable row level security;`);
    this.addSql(
      `create policy "tenant_isolation" on "webhook_chain" using ("tenant_id" = ${TENANT}) with check ("tenant_id" = ${TENANT});`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "webhook_delivery_chain_idx";`);
    this.addSql(
      `alter table "webhook_delivery" add "lease_token" uuid null, add "lease_until" timestamptz null;`,
    );
    // The claims move back to the deliveries: a chain's head holds its lease.
    this.addSql(
      `update "webhook_delivery" d set "lease_token" = c."lease_token", "lease_until" = c."due_at"
         from "webhook_chain" c
        where c."lease_token" is not null and d."endpoint_id" = c."endpoint_id"
          and d."resource_id" = c."resource_id" and d."position" = c."head" and d."state" = 'pending';`,
    );
    this.addSql(`alter table "webhook_delivery" drop column "position";`);
    this.addSql(
      `create index "webhook_delivery_chain_idx" on "webhook_delivery" ("endpoint_id", "resource_id", "state", "event_xid", "event_seq");`,
    );
    this.addSql(`drop table if exists "webhook_chain" cascade;`);
  }
}
