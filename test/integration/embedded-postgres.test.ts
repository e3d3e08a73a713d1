import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function selectOne(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('select 1 as one')).rows[0].one;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-embedded-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('recovers when a crashed process left its postgres running', async () => {
    // A child starts the cluster and is then killed without a chance to stop it.
    const child = spawn(process.execPath, ['test/support/embedded-child.mjs', dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((done, fail) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /READY (\S+)/.exec(out);
        if (match) done(match[1]);
      });
      child.on('exit', (code) => fail(new Error(`child exited early (${code})`)));
    });
    expect(await selectOne(url)).toBe(1);
    child.kill('SIGKILL');
    await new Promise((done) => child.once('exit', done));

    const pidFile = join(dataDir, 'pg', 'postmaster.pid');
    const orphan = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    expect(isAlive(orphan)).toBe(true);

    const again = await startEmbeddedPostgres({ dataDir });
    try {
      expect(isAlive(orphan)).toBe(false);
      expect(await selectOne(again.url)).toBe(1);
    } finally {
      await again.stop();
    }
    expect(existsSync(pidFile)).toBe(false);
  });
});
