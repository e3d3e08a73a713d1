import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../../src/database/embedded-postgres.js';

/**
 * A private embedded PostgreSQL cluster of one test file: the outage tests stop, restart, freeze and
 * thaw it, which they must never do to the cluster other test files share.
 */
export class Cluster {
  private frozen: number[] = [];

  private constructor(
    private readonly dataDir: string,
    private database: EmbeddedDatabase | undefined,
    readonly port: number,
  ) {}

  static async start(): Promise<Cluster> {
    const dataDir = mkdtempSync(join(tmpdir(), 'scim-reliability-'));
    const database = await startEmbeddedPostgres({ dataDir, database: 'postgres' });
    return new Cluster(dataDir, database, Number(new URL(database.url).port));
  }

  /** postgres:// URL of `name` on this cluster. */
  url(name: string): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/${name}`;
  }

  /** A new empty database (the server migrates it at start). */
  async createDatabase(name: string): Promise<string> {
    await this.sql('postgres', (client) => client.query(`CREATE DATABASE ${name}`));
    return this.url(name);
  }

  /** Runs `work` with a connected client on `database`, then disconnects. */
  async sql<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.url(database), connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** Stops the cluster (a fast shutdown: connections are cut, as when the database goes down). */
  async stopDatabase(): Promise<void> {
    const running = this.database;
    this.database = undefined;
    await running?.stop();
  }

  /** Starts the stopped cluster again on the same port and data. */
  async startDatabase(): Promise<void> {
    if (this.database) return;
    this.database = await startEmbeddedPostgres({
      dataDir: this.dataDir,
      database: 'postgres',
      port: this.port,
    });
  }

  /**
   * SIGSTOP the postmaster and every backend of this cluster (found through postmaster.pid and their
   * parent pid): the database still accepts TCP connections but answers nothing, like a hung host.
   */
  freeze(): void {
    const postmaster = this.postmasterPid();
    const children = pgrepChildren(postmaster);
    this.frozen = [postmaster, ...children];
    for (const pid of this.frozen) process.kill(pid, 'SIGSTOP');
  }

  /** SIGCONT whatever freeze() stopped; safe to call twice. */
  thaw(): void {
    for (const pid of this.frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    this.frozen = [];
  }

  async stop(): Promise<void> {
    this.thaw();
    await this.stopDatabase().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private postmasterPid(): number {
    const pid = Number(readFileSync(join(this.dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 1) throw new Error('postmaster.pid names no process');
    return pid;
  }
}

function pgrepChildren(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
}
