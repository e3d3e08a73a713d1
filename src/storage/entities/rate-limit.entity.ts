import { defineEntity, p } from '@mikro-orm/core';

/**
 * The shared per-tenant request counters (src/modules/auth/shared-rate-limit.ts): the table of
 * rate-limiter-flexible's RateLimiterPostgres, in the column order its upsert inserts. `key` is
 * `tenant:<tenant id>`, `points` the requests reserved in the current window, `expire` the window's
 * end in epoch milliseconds. Not a tenant table: no row-level security, written only by the
 * connecting role outside tenant transactions; expired rows are deleted periodically.
 */
export const RateLimitEntity = defineEntity({
  name: 'RateLimit',
  tableName: 'rate_limit',
  properties: {
    key: p.string().length(255).primary(),
    points: p.integer().default(0),
    expire: p.bigint('number').nullable(),
  },
});
