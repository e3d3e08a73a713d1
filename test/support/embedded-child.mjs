// Starts an embedded PostgreSQL in a child process, prints its URL, then waits to be killed. Used to
// leave an orphaned postgres behind, as a crashed server would. Node strips the TypeScript types; the
// sources import each other as `./x.js`, which is resolved to `./x.ts` here.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});

const { startEmbeddedPostgres } = await import('../../src/database/embedded-postgres.ts');
const database = await startEmbeddedPostgres({ dataDir: process.argv[2] });
console.log(`READY ${database.url}`);
setInterval(() => undefined, 1000);
