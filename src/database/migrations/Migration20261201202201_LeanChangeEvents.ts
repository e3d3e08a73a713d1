import { Migration } from '@mikro-orm/migrations';

/**
 * What appending a change event costs a SCIM write, made smaller (docs/benchmarks.md, "The outbox's
 * cost"). A change_event row had five index entries and a foreign-key check; it now has three entries
 * (two for a creation) and no per-row check:
 *
 * - The primary key is `(tenant_id, xid, seq)`, which is the tenant feed's order: one index serves
 *   both, where the key on `seq` alone and `change_event_tenant_order_idx` were two. (It also includes
 *   tenant_id, as a table distributed by tenant must: test/integration/citus-readiness.test.ts.)
 * - `change_event_resource_idx` (the newest event of a resource, after which a write orders its own
 *   events) has no entry for `user.created` / `group.created`, the events of POST: no write about a
 *   resource can have begun before its creation committed (its id is not known until then), so its
 *   transaction id is larger than the creation's, and the creation never needs to be looked up.
 * - No index on `occurred_at`: pruning deletes a prefix of the feed's `(xid, seq)` order
 *   (EventsRepository.prune), which `change_event_order_idx` reads from its start.
 * - No foreign key to tenant: its check ran once per event row, a thousand times for a PATCH adding a
 *   thousand members. A row can only be appended by a write that holds its tenant (the tenant row
 *   locked FOR KEY SHARE until the write commits: TenantsRepository.holdForWrite), so the tenant exists
 *   for as long as its events can be written; deleting a tenant deletes its events through the trigger
 *   below, which runs after the tenant's row is gone (a write that still held it has committed by
 *   then, and its events are deleted with the rest; a later write finds no tenant to hold).
 */
export class Migration20261201202201_LeanChangeEvents extends Migration {
  override name = 'Migration20261201202201_LeanChangeEvents';

  override up(): void | Promise<void> {
    this.addSql(`drop index "change_event_occurred_at_idx";`);
    this.addSql(`alter table "change_event" drop constraint "change_event_pkey";`);
    this.addSql(`drop index "change_event_tenant_order_idx";`);
    this.addSql(
      `alter table "change_event" add constraint "change_event_pkey" primary key ("tenant_id", "xid", "seq");`,
    );
    this.addSql(`drop index "change_event_resource_idx";`);
    this.addSql(
      `create index "change_event_resource_idx" on "change_event" ("tenant_id", "resource_id", "xid") where "type" not in ('user.created', 'group.created');`,
    );
    this.addSql(`alter table "change_event" drop constraint "change_event_tenant_fk";`);
    this.addSql(`create function "change_event_delete_tenant"() returns trigger language plpgsql as $$
begin
  delete from "change_event" where "tenant_id" = old."id";
  return null;
end $$;`);
    this.addSql(
      `create trigger "change_event_delete_tenant" after delete on "tenant" for each row execute function "change_event_delete_tenant"();`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger "change_event_delete_tenant" on "tenant";`);
    this.addSql(`drop function "change_event_delete_tenant"();`);
    this.addSql(
      `delete from "change_event" e where not exists (select 1 from "tenant" t where t."id" = e."tenant_id");`,
    );
    this.addSql(
      `alter table "change_event" add constraint "change_event_tenant_fk" foreign key ("tenant_id") references "tenant" ("id") on delete cascade;`,
    );
    this.addSql(`drop index "change_event_resource_idx";`);
    this.addSql(
      `create index "change_event_resource_idx" on "change_event" ("tenant_id", "resource_id", "xid");`,
    );
    this.addSql(`alter table "change_event" drop constraint "change_event_pkey";`);
    this.addSql(`alter table "change_event" add constraint "change_event_pkey" primary key ("seq");`);
    this.addSql(
      `create index "change_event_tenant_order_idx" on "change_event" ("tenant_id", "xid", "seq");`,
    );
    this.addSql(`create index "change_event_occurred_at_idx" on "change_event" ("occurred_at");`);
  }
}
