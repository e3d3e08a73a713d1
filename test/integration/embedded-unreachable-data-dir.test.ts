import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { canReach, clusterDirectory, RELOCATED_CLUSTERS_DIR } from '../../src/database/postgres-binaries.js';
import { findRunningCluster } from '../../src/database/running-cluster.js';

/**
 * Run as root, PostgreSQL runs as the OS user `postgres`, which cannot traverse a mode-700 home
 * (/root): a checkout there crashed with `spawn … initdb EACCES`. The binaries and the cluster go
 * where that user can reach them instead.
 */
describe('embedded PostgreSQL under a folder others cannot traverse', () => {
  const outer = mkdtempSync(join(tmpdir(), 'scim-private-'));
  const dataDir = join(outer, 'checkout', '.data');
  const stranger = { uid: 54321, gid: 54321 };
  // What a relocation creates (as root): /var/lib/scim-server/<hash>/pg, and /var/lib/scim-server
  // itself when it was not there. The test removes exactly that, and nothing another run made.
  const created: string[] = [];
  let relocatedDir: string | undefined;

  describe('a cluster started there', () => {
    beforeAll(async () => {
      mkdirSync(dataDir, { recursive: true });
      chmodSync(outer, 0o700);
      const cluster = await clusterDirectory(dataDir);
      if (cluster.relocated) {
        for (const folder of [RELOCATED_CLUSTERS_DIR, dirname(cluster.path)]) {
          if (!existsSync(folder)) created.push(folder);
        }
      }
    });
    afterAll(() => {
      rmSync(outer, { recursive: true, force: true });
      for (const folder of [...created].reverse()) {
        // The cluster's own folder goes with its content; a shared parent only when it is empty.
        if (folder === RELOCATED_CLUSTERS_DIR) {
          if (existsSync(folder) && readdirSync(folder).length === 0) rmdirSync(folder);
        } else rmSync(folder, { recursive: true, force: true });
      }
    });

    it('tells a folder another user can reach from one it cannot (modes of every folder above)', () => {
      expect(canReach(join(dataDir, 'pg'), stranger)).toBe(false);
      chmodSync(outer, 0o711);
      try {
        expect(canReach(join(dataDir, 'pg'), stranger)).toBe(true);
        expect(canReach(join(outer, 'checkout'), stranger, 'w')).toBe(false);
      } finally {
        chmodSync(outer, 0o700);
      }
    });

    it('starts there, and the CLI finds the running cluster through the same DATA_DIR', async () => {
      const asRoot = process.getuid?.() === 0;
      const database = await startEmbeddedPostgres({ dataDir, database: 'postgres' });
      try {
        // As root the cluster moves out of the unreachable DATA_DIR; as anyone else it stays in it.
        expect(database.relocated).toBe(asRoot);
        if (database.relocated) relocatedDir = database.clusterDir;
        expect(database.clusterDir).toBe(asRoot ? relocatedDir : join(dataDir, 'pg'));
        expect(existsSync(join(database.clusterDir, 'PG_VERSION'))).toBe(true);
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          expect((await client.query('select 1 as one')).rows[0].one).toBe(1);
        } finally {
          await client.end();
        }
        const running = await findRunningCluster(dataDir);
        expect(running?.port).toBe(Number(new URL(database.url).port));
      } finally {
        await database.stop();
      }
    });
  });

  it('leaves nothing behind under /var/lib/scim-server that it created', () => {
    expect(created.filter((folder) => existsSync(folder))).toEqual([]);
  });
});
