import { Writable } from 'node:stream';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTenant } from '../support/tenants.js';

describe('request handling basics', () => {
  let t: TestApp;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    t = await startTestApp({ LOG_LEVEL: 'info' }, sink);
  });
  afterAll(() => t.close());

  it('echoes a sane X-Request-Id and writes one log line for the request, without Authorization', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/health/live?filter=secret',
      headers: { 'x-request-id': 'abc-123', authorization: 'Bearer top-secret-key' },
    });
    expect(res.headers['x-request-id']).toBe('abc-123');
    const line = lines.find((l) => l.reqId === 'abc-123' && l.msg === 'request completed');
    expect(line).toMatchObject({
      method: 'GET',
      path: '/health/live',
      route: '/health/live',
      statusCode: 200,
    });
    expect(typeof line?.durationMs).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('top-secret-key');
    expect(JSON.stringify(lines)).not.toContain('filter=secret');
  });

  it('names the API key and the user agent of an authenticated SCIM request, never the key itself', async () => {
    const acme = await createTenant(t.app);
    const userAgent = 'Okta SCIM Client 1.0.0';
    const res = await t.app.inject({
      method: 'GET',
      url: '/scim/v2/Users',
      headers: {
        'x-request-id': 'log-fields-1',
        authorization: `Bearer ${acme.apiKey}`,
        'user-agent': userAgent,
      },
    });
    expect(res.statusCode).toBe(200);
    const line = lines.find((l) => l.reqId === 'log-fields-1' && l.msg === 'request completed');
    expect(line).toMatchObject({
      route: '/scim/v2/Users',
      statusCode: 200,
      tenantId: acme.tenantId,
      apiKeyId: acme.apiKeyId,
      userAgent,
    });
    expect(JSON.stringify(lines)).not.toContain(acme.apiKey);
  });

  it("keeps a refused request's line without an API key, and bounds a long user agent", async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/scim/v2/Users',
      headers: { 'x-request-id': 'log-fields-2', 'user-agent': 'x'.repeat(5000) },
    });
    expect(res.statusCode).toBe(401);
    const line = lines.find((l) => l.reqId === 'log-fields-2' && l.msg === 'request completed');
    expect(line).toMatchObject({ statusCode: 401, userAgent: 'x'.repeat(256) });
    expect(line).not.toHaveProperty('apiKeyId');
    expect(line).not.toHaveProperty('tenantId');
  });

  it('replaces an unsafe X-Request-Id with a generated one', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'bad id\n{' },
    });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with a SCIM-shaped 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/no/such/route' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(res.json()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
      detail: expect.any(String),
    });
  });
});
