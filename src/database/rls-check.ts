import pg from 'pg';
import { APP_ROLE, TENANT_SCOPE_SQL, tenantScopeParams } from '../storage/tenant-scope.js';

/** A tenant id no tenant has: the check reads nothing, it only asks PostgreSQL what would apply. */
const NO_TENANT = '00000000-0000-0000-0000-000000000000';

/**
 * Why requests would bypass row-level security on the database at `databaseUrl`, in one line; undefined
 * when every tenant table is subject to it. Asks PostgreSQL itself (`row_security_active`) inside a
 * transaction scoped like a request's (TENANT_SCOPE_SQL), so superusers, BYPASSRLS, table ownership,
 * a missing policy and `row_security = off` are all seen, whatever their cause. Rolls back.
 */
export async function rowLevelSecurityBypass(databaseUrl: string): Promise<string | undefined> {
  // Bounded: an unreachable database must not hold up the start (the server starts without one).
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 5_000,
    query_timeout: 5_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN');
    try {
      await client.query(TENANT_SCOPE_SQL, tenantScopeParams(NO_TENANT));
      const { rows } = await client.query<{
        role: string;
        superuser: boolean;
        bypassrls: boolean;
        owned: string[];
        unprotected: string[];
      }>(
        `SELECT current_user AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
                coalesce(array_agg(c.relname::text ORDER BY c.relname)
                  FILTER (WHERE pg_has_role(current_user, c.relowner, 'USAGE')), '{}') AS owned,
                coalesce(array_agg(c.relname::text ORDER BY c.relname)
                  FILTER (WHERE NOT row_security_active(c.oid)), '{}') AS unprotected
           FROM pg_roles r
           CROSS JOIN pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
          WHERE r.rolname = current_user
            AND c.relkind IN ('r', 'p')
            AND (c.relname = 'tenant'
                 OR EXISTS (SELECT 1 FROM pg_attribute a
                             WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
          GROUP BY r.rolname, r.rolsuper, r.rolbypassrls`,
      );
      const found = rows[0];
      if (!found || found.unprotected.length === 0) return undefined;
      return describeBypass(found);
    } finally {
      await client.query('ROLLBACK');
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

function describeBypass(found: {
  role: string;
  superuser: boolean;
  bypassrls: boolean;
  owned: string[];
  unprotected: string[];
}): string {
  const role = `"${found.role}"`;
  const because = found.superuser
    ? `requests run as ${role}, a superuser`
    : found.bypassrls
      ? `requests run as ${role}, which has BYPASSRLS`
      : found.owned.length > 0
        ? `requests run as ${role}, which owns ${found.owned.join(', ')}`
        : `the tables have no row-level security (are the migrations applied?)`;
  const fix =
    found.role === APP_ROLE
      ? `ALTER ROLE ${APP_ROLE} NOSUPERUSER NOBYPASSRLS and let it own nothing`
      : `create the role ${APP_ROLE}, make ${role} its member and grant it the tables (docs/storage-model.md, "Tenant isolation")`;
  return `row-level security is BYPASSED on ${found.unprotected.join(', ')}: ${because}, so tenant isolation rests on the application's queries alone. To enforce it: ${fix}`;
}
