import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

/**
 * A cluster that cannot start says why on one line, with PostgreSQL's own reason: "failed to start"
 * alone leaves the operator guessing.
 */
describe('embedded PostgreSQL start failures', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-start-failure-'));
  const pgDir = join(dataDir, 'pg');

  beforeAll(async () => {
    const database = await startEmbeddedPostgres({ dataDir, database: 'postgres' });
    await database.stop();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function startFailure(): Promise<string> {
    const error: unknown = await startEmbeddedPostgres({ dataDir, database: 'postgres' }).then(
      async (database) => {
        await database.stop();
        throw new Error('the cluster started');
      },
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }

  it('names the incompatible PG_VERSION', async () => {
    const versionFile = join(pgDir, 'PG_VERSION');
    const version = readFileSync(versionFile, 'utf8');
    writeFileSync(versionFile, '9\n');
    try {
      const message = await startFailure();
      expect(message).toMatch(/failed to start in .*pg: FATAL: database files are incompatible with server/);
      expect(message).toMatch(/initialized by PostgreSQL version 9/);
    } finally {
      writeFileSync(versionFile, version);
    }
  });

  it('names the unreadable pg_control', async () => {
    const controlFile = join(pgDir, 'global', 'pg_control');
    const control = readFileSync(controlFile);
    truncateSync(controlFile, 10);
    try {
      const message = await startFailure();
      expect(message).toMatch(/failed to start in .*pg: (FATAL|PANIC): .*pg_control/);
    } finally {
      writeFileSync(controlFile, control);
    }
  });
});
