import { Migration } from '@mikro-orm/migrations';

export class Migration20261128140831_Initial extends Migration {
  override name = 'Migration20261128140831_Initial';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "tenant" ("id" uuid not null, "name" text not null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "tenant" cascade;`);
  }
}
