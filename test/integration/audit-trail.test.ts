import { startTestApp, type TestApp } from '../support/app.js';
import { ENTERPRISE, GROUP_SCHEMA, newUser, patchOp, scimAs } from '../support/scim-requests.js';
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

  it('a PUT records only the attributes whose values changed, whatever order the stored keys come back in', async () => {
    const tenant = await createTenant(t.app, 'Audited PUT');
    const scim = scimAs(t.app, tenant.apiKey);
    const body = newUser('put@example.com', {
      name: { familyName: 'Lovelace', givenName: 'Ada', formatted: 'Ada Lovelace' },
      emails: [{ type: 'work', primary: true, value: 'put@example.com' }],
      [ENTERPRISE]: { manager: { value: 'm-1' }, department: 'Engines', employeeNumber: '7' },
    });
    const created = await scim.post('Users', body);
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const replaced = await scim.put(`Users/${id}`, { ...body, displayName: 'Ada' });
    expect(replaced.statusCode).toBe(200);
    const group = await scim.post('Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engines',
      externalId: 'g-1',
    });
    const groupId = group.json().id as string;
    const renamed = await scim.put(`Groups/${groupId}`, {
      schemas: [GROUP_SCHEMA],
      externalId: 'g-1',
      displayName: 'Analytical engines',
    });
    expect(renamed.statusCode).toBe(200);

    const events = await auditEvents(tenant.tenantId);
    expect(events.map((e) => [e.operation, e.resourceType, e.attributes])).toEqual([
      ['replace', 'Group', ['displayName']],
      ['create', 'Group', expect.arrayContaining(['displayName', 'externalId'])],
      ['replace', 'User', ['displayName']],
      ['create', 'User', expect.arrayContaining(['userName', 'name', 'emails'])],
    ]);
  });
});
