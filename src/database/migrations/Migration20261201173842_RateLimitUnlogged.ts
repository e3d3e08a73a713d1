import { Migration } from '@mikro-orm/migrations';

/**
 * The shared rate limit's counters skip the write-ahead log: a counter's upsert then commits without
 * waiting for a WAL flush (the cost a tenant's request paid when it had to wait for a reservation).
 * What is lost: after a crash PostgreSQL empties an unlogged table, and a standby has no copy of it,
 * so a crash or a failover restarts the current windows (at most one window's requests allowed twice),
 * which a rate limit can afford.
 */
export class Migration20261201173842_RateLimitUnlogged extends Migration {
  override name = 'Migration20261201173842_RateLimitUnlogged';

  override up(): void | Promise<void> {
    this.addSql(`alter table "rate_limit" set unlogged;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "rate_limit" set logged;`);
  }
}
