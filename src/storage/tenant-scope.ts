/**
 * The role tenant-scoped transactions run as, created by the row-level security migration: no
 * superuser, no BYPASSRLS, owner of nothing, so the `tenant_isolation` policies always apply to it.
 */
export const APP_ROLE = 'scim_app';

/**
 * The first statement of every tenant-scoped transaction: the request's tenant, which the row-level
 * security policies on the tenant tables read from `app.tenant_id`, and the switch to APP_ROLE
 * (SET LOCAL ROLE). Both are transaction-local (`set_config(…, true)`): COMMIT or ROLLBACK restores
 * the connecting role and clears the tenant, so nothing leaks into the next transaction on a pooled
 * connection, also through PgBouncer in transaction mode.
 *
 * The connecting role owns the tables (migrations and cross-tenant system work run as it, without
 * this statement), and owners are not subject to row-level security. When the connecting role may
 * not switch (APP_ROLE missing: the migration could not create it), the role stays as it is ('none'),
 * and the server says at start that requests bypass row-level security (rls-check.ts).
 */
export const TENANT_SCOPE_SQL = `SELECT set_config('app.tenant_id', $1, true), set_config('role', CASE WHEN pg_has_role(session_user, to_regrole('${APP_ROLE}'), 'MEMBER') THEN '${APP_ROLE}' ELSE 'none' END, true)`;

/** The parameters of TENANT_SCOPE_SQL. */
export function tenantScopeParams(tenantId: string): unknown[] {
  return [tenantId];
}
