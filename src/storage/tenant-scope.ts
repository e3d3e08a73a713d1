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

/** How a tenant transaction runs its statements (`Database.transaction`). */
export interface TransactionOptions {
  /**
   * Plan every prepared statement of the transaction once per connection (`plan_cache_mode` =
   * force_generic_plan, transaction-local), never again per call. For writes whose statements all find
   * their rows by key (the membership changes): left to itself, PostgreSQL kept re-planning some of
   * them on every call because a plan made for the given ids is estimated a little cheaper, and
   * planning the membership DELETE with its event step took 0.78 ms, three times its execution, inside
   * the group's row lock (docs/benchmarks.md, "The outbox"). Not for lists: a filter's custom plan
   * (a `sw` prefix as an index range) is worth making.
   */
  genericPlans?: boolean;
  /**
   * Runs the work again, in a new transaction, when PostgreSQL ended it as the victim of a deadlock
   * (`deadlock_detected`), up to DEADLOCK_ATTEMPTS times in all: for writes whose lock orders can meet
   * in a cycle that no single order avoids (a member's DELETE locks its groups, and nested groups are
   * both members and groups: docs/storage-model.md, "Lock order"). The work must do nothing but its
   * statements (it runs again from the start); a deadlock rolled everything back.
   */
  retryDeadlocks?: boolean;
}

/** How many times a `retryDeadlocks` transaction runs at most. */
export const DEADLOCK_ATTEMPTS = 3;

/**
 * The first statement of a tenant transaction: TENANT_SCOPE_SQL, with the transaction-local settings
 * its options ask for in the same statement. The transactions of `Database.shared` commit without
 * waiting for their WAL to reach the disk (`synchronous_commit` off): the closing durable transaction
 * waits for all of them at once (one flush instead of one per operation). Fixed texts: four at most.
 */
export function tenantScopeSql({ genericPlans = false }: TransactionOptions, asyncCommit: boolean): string {
  return (
    TENANT_SCOPE_SQL +
    (asyncCommit ? `, set_config('synchronous_commit', 'off', true)` : '') +
    (genericPlans ? `, set_config('plan_cache_mode', 'force_generic_plan', true)` : '')
  );
}

/** Whether `text` is the first statement of a tenant transaction: TENANT_SCOPE_SQL, with or without settings. */
export function isTenantScope(text: string): boolean {
  return text === TENANT_SCOPE_SQL || text.startsWith(`${TENANT_SCOPE_SQL}, set_config(`);
}
