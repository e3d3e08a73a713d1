export const TEMPLATE_DATABASE = 'scim_test_template';

/** The PostgreSQL server of this test run (set by globalSetup). */
export function serverUrl(): string {
  const url = process.env.TEST_PG_SERVER_URL;
  if (!url)
    throw new Error('TEST_PG_SERVER_URL is unset: run tests through jest (globalSetup starts PostgreSQL)');
  return url;
}

export function databaseUrl(database: string): string {
  const parsed = new URL(serverUrl());
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The maintenance database, for CREATE/DROP DATABASE. */
export function adminUrl(): string {
  return databaseUrl('postgres');
}

/**
 * The URL the application under test connects with: through the run's PgBouncer under
 * `npm run test:pgbouncer`, else the server itself.
 */
export function appDatabaseUrl(database: string): string {
  const bouncer = process.env.TEST_PGBOUNCER_URL;
  if (!bouncer) return databaseUrl(database);
  const parsed = new URL(bouncer);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
