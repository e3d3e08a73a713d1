import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server.js';

describe('server start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-data-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const config = () =>
    loadConfig({
      PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    });

  async function readiness(baseUrl: string): Promise<number> {
    return (await fetch(`${baseUrl}/health/ready`)).status;
  }

  it('becomes ready on a fresh DATA_DIR (initialises and migrates the embedded database)', async () => {
    const lines: string[] = [];
    const server = await startServer(config(), (line) => lines.push(line));
    try {
      expect(await readiness(server.baseUrl)).toBe(200);
      expect(lines.join('\n')).toMatch(/applied migrations/);
      expect(server.databaseLabel).toBe('embedded');
    } finally {
      await server.stop();
    }
  });

  it('becomes ready again on the existing DATA_DIR, with nothing left to migrate', async () => {
    const lines: string[] = [];
    const server = await startServer(config(), (line) => lines.push(line));
    try {
      expect(await readiness(server.baseUrl)).toBe(200);
      expect(lines.join('\n')).not.toMatch(/applied migrations/);
    } finally {
      await server.stop();
    }
  });

  it('fails the start with a clear message when DATABASE_URL points nowhere', async () => {
    const bad = loadConfig({
      PORT: '0',
      METRICS_PORT: '0',
      DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none',
      LOG_LEVEL: 'silent',
    });
    await expect(startServer(bad)).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});
