import { Migration } from '@mikro-orm/migrations';

/**
 * Setup links keyed like every other tenant table (docs/deployment.md, "Past one PostgreSQL"): the
 * primary key leads with tenant_id, and a session names its link by (tenant_id, setup_link_id). The
 * token names its link id only, so signing in finds the link by a plain index on id.
 */
export class Migration20261201180639_SetupLinkTenantKey extends Migration {
  override name = 'Migration20261201180639_SetupLinkTenantKey';

  override up(): void | Promise<void> {
    this.addSql(`alter table "console_session" drop constraint "console_session_setup_link_fk";`);
    this.addSql(`alter table "setup_link" drop constraint "setup_link_pkey";`);
    this.addSql(`create index "setup_link_id_idx" on "setup_link" ("id");`);
    this.addSql(`alter table "setup_link" add primary key ("tenant_id", "id");`);
    // An operator session has neither column: MATCH SIMPLE leaves it unchecked.
    this.addSql(
      `alter table "console_session" add constraint "console_session_setup_link_fk" foreign key ("tenant_id", "setup_link_id") references "setup_link" ("tenant_id", "id") on delete cascade;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "console_session" drop constraint "console_session_setup_link_fk";`);
    this.addSql(`drop index "setup_link_id_idx";`);
    this.addSql(`alter table "setup_link" drop constraint "setup_link_pkey";`);
    this.addSql(`alter table "setup_link" add primary key ("id");`);
    this.addSql(
      `alter table "console_session" add constraint "console_session_setup_link_fk" foreign key ("setup_link_id") references "setup_link" ("id") on delete cascade;`,
    );
  }
}
