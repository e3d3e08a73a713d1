-- Run once by the postgres image when it initialises an empty data directory.
-- Behind PgBouncer the statement_timeout startup parameter is dropped (it is in
-- ignore_startup_parameters): the role carries the server-side limit instead (DB_STATEMENT_TIMEOUT_MS,
-- 10 s by default; the application's client-side deadline holds either way).
ALTER ROLE scim SET statement_timeout = '10s';
