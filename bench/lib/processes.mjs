import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';

/** A server process the bench started, with its recent output for error messages. */
export class ServerProcess {
  constructor(name, child) {
    this.name = name;
    this.child = child;
    this.output = [];
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const keep = (chunk) => {
      this.output.push(...String(chunk).split('\n').filter(Boolean));
      if (this.output.length > 40) this.output.splice(0, this.output.length - 40);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
  }

  get pid() {
    return this.child.pid;
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Peak resident set size in bytes so far (VmHWM), or undefined once the process is gone. */
  peakRss() {
    return statusField(this.pid, 'VmHWM');
  }

  rss() {
    return statusField(this.pid, 'VmRSS');
  }

  /** CPU time (user + system) used so far, in milliseconds; undefined once the process is gone. */
  cpuMs() {
    return processCpuMs(this.pid);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  async stop(graceMs = 15_000) {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.running && this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

function statusField(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Starts `node <args>` on this Node (the pinned Node 24) and waits until `readyPath` answers 200. */
/**
 * The environment our server runs with in every bench: on 127.0.0.1, warnings only, the schema already
 * migrated, and no per-tenant rate limit (it would measure itself; the floors have none).
 */
export function ourServerEnv({ port, metricsPort = 0, databaseUrl, adminToken }) {
  return {
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
    RATE_LIMIT_RPS: '1000000',
    RATE_LIMIT_BURST: '1000000',
  };
}

export async function startServer({ name, args, env, port, readyPath, cwd, timeoutMs = 60_000 }) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = new ServerProcess(name, child);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!server.running) {
      throw new Error(`${name} exited before it was ready:\n${server.output.join('\n')}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}${readyPath}`, {
        signal: AbortSignal.timeout(2000),
      });
      if (response.status === 200) return server;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await server.stop();
  throw new Error(`${name} was not ready within ${timeoutMs / 1000} s:\n${server.output.join('\n')}`);
}

/** Child processes of runNode still running, for an interrupt to end. */
export const activeChildren = new Set();

/** Runs `node <script> <args>` to completion and returns its stdout (stderr passes through). */
export function runNode(script, args, { timeoutMs, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    activeChildren.add(child);
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      activeChildren.delete(child);
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${script} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The fields of /proc/<pid>/stat after the command, or undefined when the process is gone. */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) process `pid` has used so far, in milliseconds; undefined once it is gone. */
export function processCpuMs(pid) {
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
  return fields ? ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 : undefined;
}

/**
 * CPU time (user + system, ms) a PostgreSQL cluster has used so far: its postmaster's own and that of
 * its ended children (the kernel adds those to the postmaster when it reaps them), plus that of its live
 * children (the backends, autovacuum, the checkpointer, the WAL writer). The difference of two readings
 * is the cluster's CPU between them. Undefined when the postmaster is gone or /proc cannot be read.
 */
export function clusterCpuMs(clusterDir) {
  let pid;
  try {
    pid = Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  const own = statFields(pid);
  if (!own) return undefined;
  // utime, stime, cutime and cstime are fields 14 to 17 of stat(5), in clock ticks (USER_HZ, 100).
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / 100;
}
