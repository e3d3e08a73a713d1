import { Migration } from '@mikro-orm/migrations';

/**
 * The shared per-tenant rate limit's counters (src/modules/auth/shared-rate-limit.ts): the table
 * rate-limiter-flexible's RateLimiterPostgres writes, created here rather than by the library at run
 * time (`tableCreated: true`), with the columns in the order of its `INSERT … VALUES ($1, $2, $3)`.
 */
export class Migration20261201151116_RateLimit extends Migration {
  override name = 'Migration20261201151116_RateLimit';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "rate_limit" ("key" varchar(255) not null, "points" int not null default 0, "expire" bigint null, primary key ("key"));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "rate_limit" cascade;`);
  }
}
