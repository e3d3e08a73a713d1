import { Writable } from 'node:stream';
import { ConnectionHealthService } from '../../src/modules/team/connection-health.service.js';
import { Database } from '../../src/storage/database.js';
import { ScimConnectionRepository } from '../../src/storage/scim-connection.repository.js';
import { sqlObservers, type SqlEvent } from '../../src/storage/sql.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newUser, scimAs } from '../support/scim-requests.js';
import { createTenant } from '../support/tenants.js';

const ADMIN_TOKEN = 'operator-token-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

/**
 * The SCIM connection's health is recorded after the response, throttled, outside the request's
 * transaction: it never adds a write per request, and its failure never reaches the request.
 */
describe('connection health recording', () => {
  let t: TestApp;
  const logLines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    t = await startTestApp({ ADMIN_TOKEN, LOG_LEVEL: 'warn' }, sink);
  });
  afterAll(() => t?.close());

  const settled = () => t.app.get(ConnectionHealthService, { strict: false }).settled();
  const connection = async (tenantId: string) =>
    (
      await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${tenantId}/connection`, headers: ADMIN })
    ).json();

  it('writes the last request once for a burst of requests (per process, at most once a minute)', async () => {
    const tenant = await createTenant(t.app, 'Busy');
    const scim = scimAs(t.app, tenant.apiKey);
    const writes: SqlEvent[] = [];
    const observe = (event: SqlEvent) => {
      if (event.text.includes('INSERT INTO scim_connection')) writes.push(event);
    };
    sqlObservers.add(observe);
    try {
      for (let i = 0; i < 10; i += 1) {
        expect((await scim.get('Users', { 'user-agent': `Entra/${i}` })).statusCode).toBe(200);
      }
      await settled();
    } finally {
      sqlObservers.delete(observe);
    }
    expect(writes).toHaveLength(1);
    expect(await connection(tenant.tenantId)).toMatchObject({
      lastRequestApiKeyId: tenant.apiKeyId,
      lastRequestUserAgent: 'Entra/0',
    });
  });

  it("a revoked key's refusal is the tenant's last error (the identity provider still sends the old key)", async () => {
    const tenant = await createTenant(t.app, 'Rotated');
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/admin/v1/tenants/${tenant.tenantId}/api-keys/${tenant.apiKeyId}`,
      headers: ADMIN,
    });
    expect(revoked.statusCode).toBe(204);
    const res = await scimAs(t.app, tenant.apiKey).post('Users', newUser('late@acme.test'));
    expect(res.statusCode).toBe(401);
    await settled();
    expect((await connection(tenant.tenantId)).lastError).toEqual({
      at: expect.any(String),
      status: 401,
      detail: 'API key has been revoked',
      method: 'POST',
      path: '/scim/v2/Users',
    });
  });

  it('a wrong key is nobody’s error: no tenant is charged with it', async () => {
    const tenant = await createTenant(t.app, 'Bystander');
    const res = await scimAs(t.app, `scim_${tenant.apiKeyId}_${'A'.repeat(43)}`).get('Users');
    expect(res.statusCode).toBe(401);
    await settled();
    expect((await connection(tenant.tenantId)).lastError).toBeUndefined();
  });

  it('SCIM requests still succeed when the health cannot be written', async () => {
    const tenant = await createTenant(t.app, 'Unlucky');
    await t.db.client.query('ALTER TABLE scim_connection RENAME TO scim_connection_away');
    try {
      const scim = scimAs(t.app, tenant.apiKey);
      expect((await scim.post('Users', newUser('first@acme.test'))).statusCode).toBe(201);
      expect((await scim.get('Users/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
      await settled();
    } finally {
      await t.db.client.query('ALTER TABLE scim_connection_away RENAME TO scim_connection');
    }
    expect(logLines.some((line) => line.includes('could not record the SCIM connection health'))).toBe(true);
  });

  it('several instances share the row: a late write never moves a time backward', async () => {
    const tenant = await createTenant(t.app, 'Shared');
    const db = t.app.get(Database, { strict: false });
    const connections = t.app.get(ScimConnectionRepository, { strict: false });
    const at = (iso: string) => new Date(iso);
    const error = (iso: string, status: number) => ({
      at: at(iso),
      status,
      scimType: null,
      detail: `error ${status}`,
      method: 'GET',
      path: '/scim/v2/Users',
    });
    // Instance A saw the newest request and error; instance B writes older ones after it.
    await db.systemStatement((tx) =>
      connections.record(
        tx,
        tenant.tenantId,
        { at: at('2026-12-01T10:00:00Z'), apiKeyId: tenant.apiKeyId, userAgent: 'A' },
        error('2026-12-01T10:00:00Z', 500),
      ),
    );
    await db.systemStatement((tx) =>
      connections.record(
        tx,
        tenant.tenantId,
        { at: at('2026-12-01T09:59:00Z'), apiKeyId: tenant.apiKeyId, userAgent: 'B' },
        error('2026-12-01T09:59:30Z', 404),
      ),
    );
    // A newer error from B alone moves the error, not the request.
    await db.systemStatement((tx) =>
      connections.record(tx, tenant.tenantId, undefined, error('2026-12-01T10:01:00Z', 409)),
    );
    expect(await connection(tenant.tenantId)).toMatchObject({
      lastRequestAt: '2026-12-01T10:00:00.000Z',
      lastRequestUserAgent: 'A',
      lastError: { at: '2026-12-01T10:01:00.000Z', status: 409, detail: 'error 409' },
    });
  });
});
