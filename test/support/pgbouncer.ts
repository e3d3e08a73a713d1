import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgBouncer {
  /** `postgres://…@127.0.0.1:<port>/<database>` of the server's URL, through PgBouncer. */
  url: string;
  stop(): Promise<void>;
}

/**
 * The settings a deployment needs too (docs/deployment.md, "PgBouncer"): transaction pooling, and
 * `statement_timeout` among the ignored startup parameters (the pg driver sends DB_STATEMENT_TIMEOUT_MS
 * as one; PgBouncer refuses a connection with a startup parameter it does not know otherwise).
 */
export const PGBOUNCER_SETTINGS = {
  pool_mode: 'transaction',
  ignore_startup_parameters: 'extra_float_digits,statement_timeout',
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The pgbouncer program (Debian's package: .ci/run installs it), or undefined. */
export function pgbouncerBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

/**
 * A PgBouncer in transaction pooling mode on a free 127.0.0.1 port in front of the PostgreSQL at
 * `serverUrl` (every database, as the URL's user), for the test run; `stop()` ends it.
 */
export async function startPgBouncer(serverUrl: string): Promise<PgBouncer> {
  const binary = pgbouncerBinary();
  if (!binary) throw new Error('pgbouncer is not installed (apt-get install pgbouncer)');
  const server = new URL(serverUrl);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'scim-pgbouncer-'));
  const user = decodeURIComponent(server.username);
  const password = decodeURIComponent(server.password);
  const ini = [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || 5432} user=${user} password=${password}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    // Clients are not authenticated (127.0.0.1, a test run); PgBouncer logs in as the URL's user.
    'auth_type = any',
    `pool_mode = ${PGBOUNCER_SETTINGS.pool_mode}`,
    `ignore_startup_parameters = ${PGBOUNCER_SETTINGS.ignore_startup_parameters}`,
    'max_client_conn = 1000',
    'default_pool_size = 20',
    'max_db_connections = 40',
    'server_reset_query =',
    'log_connections = 0',
    'log_disconnections = 0',
    '',
  ].join('\n');
  const config = join(dir, 'pgbouncer.ini');
  await writeFile(config, ini);
  // PgBouncer does not run as root: it switches to the `postgres` OS user, which must read the file.
  await chmod(dir, 0o755);
  await chmod(config, 0o644);
  const args = process.getuid?.() === 0 ? ['-u', 'postgres', config] : [config];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));

  const through = new URL(serverUrl);
  through.hostname = '127.0.0.1';
  through.port = String(port);
  const url = through.toString();
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM'); // immediate shutdown (SIGINT waits for clients)
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return { url, stop };
    } catch (error) {
      await client.end().catch(() => undefined);
      if (exited || attempt >= 50) {
        await stop();
        throw new Error(`pgbouncer did not start: ${String(error)}\n${output}`);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}
