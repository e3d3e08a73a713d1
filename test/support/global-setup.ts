import Module from 'node:module';

type Resolve = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolve };

/**
 * jest loads globalSetup outside its module system (as CommonJS, without moduleNameMapper), so the
 * `./x.js` specifiers of our ESM TypeScript sources would not resolve: map them to the `.ts` files.
 */
function resolveTypeScriptSources(): void {
  const original = loader._resolveFilename;
  loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    try {
      return original.call(this, request, ...rest);
    } catch (error) {
      if (request.startsWith('.') && request.endsWith('.js')) {
        return original.call(this, `${request.slice(0, -3)}.ts`, ...rest);
      }
      throw error;
    }
  };
}

export default async function globalSetup(): Promise<void> {
  resolveTypeScriptSources();
  const { startDatabase } = await import('./start-database.js');
  await startDatabase();
  // `npm run test:pgbouncer`: the applications reach PostgreSQL through a PgBouncer in transaction
  // pooling mode (test/support/pgbouncer.ts); the tests' own clients and the database setup do not.
  if (process.env.TEST_PGBOUNCER === '1') {
    const { startPgBouncer } = await import('./pgbouncer.js');
    const bouncer = await startPgBouncer(process.env.TEST_PG_SERVER_URL!);
    (globalThis as { __PGBOUNCER__?: unknown }).__PGBOUNCER__ = bouncer;
    process.env.TEST_PGBOUNCER_URL = bouncer.url;
  }
}
