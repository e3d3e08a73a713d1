import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { clusterDirectory } from './postgres-binaries.js';

/** A PostgreSQL cluster that already serves a DATA_DIR (a running server's, or one left by a crash). */
export interface RunningCluster {
  pid: number;
  port: number;
  /** postgres:// URL of a database on that cluster (the embedded cluster's fixed credentials). */
  urlFor(database: string): string;
}

// The embedded cluster's credentials (see embedded-postgres.ts): it listens on 127.0.0.1 only.
const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * The postgres that holds `<dataDir>/pg` right now, from its postmaster.pid (line 1 the pid, 2 the
 * data directory, 4 the port, 8 the status), or undefined when none does. A data directory can be
 * opened by one postgres only, so a tool (the CLI) must connect to this one instead of starting a
 * second, and must never stop it. Waits while the cluster is starting or stopping.
 */
export async function findRunningCluster(
  dataDir: string,
  waitMs = 15_000,
): Promise<RunningCluster | undefined> {
  // Where the server put it: <dataDir>/pg, or its relocated folder (see clusterDirectory).
  const databaseDir = (await clusterDirectory(dataDir)).path;
  for (let waited = 0; ; waited += 100) {
    const state = await readPostmaster(databaseDir);
    if (state === undefined) return undefined;
    if (state.status === 'ready') {
      const port = state.port;
      return {
        pid: state.pid,
        port,
        urlFor: (database) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
      };
    }
    if (waited >= waitMs) {
      throw new Error(`the PostgreSQL in ${databaseDir} (pid ${state.pid}) stayed "${state.status}"`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

interface PostmasterState {
  pid: number;
  port: number;
  status: string;
}

async function readPostmaster(databaseDir: string): Promise<PostmasterState | undefined> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  // A stale file (its postgres died without removing it) or one of a recycled pid is no cluster.
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres') || resolve(lines[1] ?? '') !== databaseDir) return undefined;
  // The status line appears once postgres has finished starting; until then it is "starting".
  const status = lines[7]?.trim() || 'starting';
  if (!Number.isInteger(port) || port <= 0) return { pid, port: 0, status: 'starting' };
  return { pid, port, status };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
