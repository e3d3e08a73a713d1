import { startTestApp, type TestApp } from '../support/app.js';

describe('health endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('GET /health/live answers 200 without auth', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('GET /health/ready answers 200 when the database is reachable and migrated', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, migrations: { status: 'up' } },
    });
    expect(res.statusCode).toBe(200);
  });
});
