import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../../../src/database/embedded-postgres.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const SERVER_ENTRY = resolve(REPO_ROOT, 'dist/src/main.js');
export const ADMIN_TOKEN = 'reliability-admin-token-0123456789';

/** Every server process a test started and has not seen exit, so afterAll can end them by PID. */
const running = new Set<ServerProcess>();

export interface ServerOptions {
  databaseUrl: string;
  /** Extra environment, e.g. timeouts. */
  env?: Record<string, string>;
  /** Upper bound for the start (hang detection, not a timing assertion). */
  startTimeoutMs?: number;
  /** Fixed port, e.g. to restart a killed server where clients expect it. */
  port?: number;
}

/** The built server (`node dist/src/main.js`) as a child process on 127.0.0.1. */
export class ServerProcess {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        running.delete(this);
        done({ code, signal });
      }),
    );
    const keep = (chunk: Buffer) => {
      this.output.push(...String(chunk).split('\n').filter(Boolean));
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    running.add(this);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.isRunning) process.kill(this.pid, signal);
  }

  /** The error lines the server logged (pino level 50 and above), for the report of a 5xx. */
  errors(limit = 5): string[] {
    const messages = this.output
      .filter((line) => /"level":(50|60)/.test(line))
      .map((line) => {
        try {
          const entry = JSON.parse(line) as {
            msg?: string;
            err?: { type?: string; message?: string; stack?: string };
          };
          const at = entry.err?.stack?.split('\n')[1]?.trim() ?? '';
          return `${entry.err?.type ?? ''}: ${entry.err?.message ?? entry.msg ?? ''} ${at}`;
        } catch {
          return line.slice(0, 300);
        }
      });
    return [...new Set(messages)].slice(0, limit);
  }

  /** The last lines the server printed, for failure messages. */
  tail(lines = 30): string {
    return this.output.slice(-lines).join('\n');
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.isRunning) return this.exited;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill9(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}

/** Spawns the server and waits (bounded) until GET /health/ready answers 200. */
export async function startServerProcess(options: ServerOptions): Promise<ServerProcess> {
  if (!existsSync(SERVER_ENTRY)) {
    throw new Error(
      `${SERVER_ENTRY} is missing: run \`npm run build\` first (the reliability globalSetup does)`,
    );
  }
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      // Several servers run at once: none takes the default metrics port unless a test asks.
      METRICS_PORT: '0',
      DATABASE_URL: options.databaseUrl,
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      // Fuzzing and races send far more than an identity provider: no 429 from the tenant's bucket.
      RATE_LIMIT_RPS: '1000000',
      RATE_LIMIT_BURST: '1000000',
      // The header fuzz sends bad keys from 127.0.0.1 on purpose; the limiter would then 429 the good ones.
      AUTH_FAILURE_RPS: '1000000',
      AUTH_FAILURE_BURST: '1000000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = new ServerProcess(child, port);
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (!server.isRunning) throw new Error(`the server exited before it was ready:\n${server.tail()}`);
    if ((await readiness(server.baseUrl)) === 200) return server;
    await sleep(100);
  }
  await server.kill9();
  throw new Error(
    `the server was not ready within ${options.startTimeoutMs ?? 60_000} ms:\n${server.tail()}`,
  );
}

/** GET /health/ready, or 0 when nothing answers within 5 s. */
export async function readiness(baseUrl: string): Promise<number> {
  try {
    const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Ends every server process this test file started and that still runs (afterAll). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.kill9()));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
