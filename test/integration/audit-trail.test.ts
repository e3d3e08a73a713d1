import { startTestApp, type TestApp } from '../support/app.js';
import { newUser, patchOp, scimAs } from '../support/scim-requests.js';
import { createTenant } from '../support/tenants.js';

const ADMIN_TOKEN = 'operator-token-0123456789abcdef';

describe('audit trail of SCIM writes (GET /admin/v1/tenants/{id}/audit-events)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN });
  });
  afterAll(() => t?.close());

  async function auditEvents(tenantId: string) {
    const res = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/tenants/${tenantId}/audit-events`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json().events as Record<string, unknown>[];
  }

  it('records a user create, patch and delete newest first, with the key, request id and attribute names only', async () => {
    const tenant = await createTenant(t.app, 'Audited');
    const bystander = await createTenant(t.app, 'Bystander');
    const scim = scimAs(t.app, tenant.apiKey);
    const created = await scim.post('Users', newUser('ada@example.com'), { 'x-request-id': 'audit-create' });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const patched = await scim.patch(
      `Users/${id}`,
      patchOp({ op: 'replace', path: 'active', value: false }),
      {
        'x-request-id': 'audit-patch',
      },
    );
    expect(patched.statusCode).toBeLessThan(300);
    expect((await scim.delete(`Users/${id}`, { 'x-request-id': 'audit-delete' })).statusCode).toBe(204);
    // A read and a refused write leave no trace.
    await scim.get(`Users/${id}`);
    await scim.post('Users', { schemas: [] });

    const events = await auditEvents(tenant.tenantId);
    expect(events.map((e) => [e.operation, e.requestId, e.resourceType, e.resourceId, e.apiKeyId])).toEqual([
      ['delete', 'audit-delete', 'User', id, tenant.apiKeyId],
      ['patch', 'audit-patch', 'User', id, tenant.apiKeyId],
      ['create', 'audit-create', 'User', id, tenant.apiKeyId],
    ]);
    expect(events[1].attributes).toEqual(['active']);
    expect(events[2].attributes).toEqual(expect.arrayContaining(['userName']));
    // Names, never values (PII).
    expect(JSON.stringify(events)).not.toContain('ada@example.com');
    expect(await auditEvents(bystander.tenantId)).toEqual([]);
  });
});
