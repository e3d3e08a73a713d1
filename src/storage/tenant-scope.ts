/**
 * The first statement of every tenant-scoped transaction. Row-level security on the tenant tables
 * reads `app.tenant_id`; `set_config(…, true)` is transaction-local (SET LOCAL), so nothing leaks
 * into the next transaction on a pooled connection, also through PgBouncer in transaction mode.
 */
export const TENANT_SCOPE_SQL = `SELECT set_config('app.tenant_id', $1, true)`;

/** The parameters of TENANT_SCOPE_SQL. */
export function tenantScopeParams(tenantId: string): unknown[] {
  return [tenantId];
}
