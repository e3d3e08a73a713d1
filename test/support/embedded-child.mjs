// Starts an embedded PostgreSQL in a child process, prints its URL, then waits to be killed. Used to
// leave an orphaned postgres behind, as a crashed server would. Node strips the TypeScript types.
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.ts';

const database = await startEmbeddedPostgres({ dataDir: process.argv[2] });
console.log(`READY ${database.url}`);
setInterval(() => undefined, 1000);
