import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/config.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { migrateDatabase } from '../../src/database/migrate.js';
import { validateEveryResponse } from '../support/contract.js';

describe('GET /health/ready follows the database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-health-'));
  let database: EmbeddedDatabase;
  let app: NestFastifyApplication;
  let port: number;

  beforeAll(async () => {
    database = await startEmbeddedPostgres({ dataDir });
    port = Number(new URL(database.url).port);
    await migrateDatabase(database.url);
    app = await createApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: database.url });
    validateEveryResponse(app);
  });
  afterAll(async () => {
    await app.close();
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ready = async () => (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode;

  it('answers 200, then 503 while the database is down, then 200 again once it is back', async () => {
    expect(await ready()).toBe(200);

    await database.stop();
    const down = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });

    database = await startEmbeddedPostgres({ dataDir, port });
    let status = 0;
    for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
      status = await ready();
      if (status !== 200) await new Promise((done) => setTimeout(done, 250));
    }
    expect(status).toBe(200);
  });
});
