import { startTestApp, type TestApp } from '../support/app.js';
import { GROUP_SCHEMA, newUser, patchOp, scimAs } from '../support/scim-requests.js';

const ADMIN_TOKEN = 'operator-token-race-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const ROUNDS = 8;

/**
 * An operator deletes a tenant while its identity provider is writing. The deletion cascades through
 * the tenant's rows while the writes lock the same rows: with the locks taken in one order the
 * deletion waits for the writes in flight and later writes find the tenant gone (401) — no deadlock,
 * no 500, no foreign-key error.
 */
describe('deleting a tenant while its identity provider writes', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Every write that arrives after a deletion is a failed authentication (its key is gone): more
    // than the per-address budget over all rounds, which would turn the 401s this test is about into 429s.
    t = await startTestApp({ ADMIN_TOKEN, AUTH_FAILURE_BURST: '1000' });
  });
  afterAll(() => t.close());

  it('the deletion succeeds and every write answers 2xx, 401 or 404', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const created = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/tenants',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        payload: { name: `Doomed ${round}` },
      });
      expect(created.statusCode).toBe(201);
      const { id: tenantId, apiKey } = created.json();
      const scim = scimAs(t.app, apiKey);
      const users: string[] = [];
      for (let i = 0; i < 4; i++)
        users.push((await scim.post('Users', newUser(`idp${i}@example.com`))).json().id);
      const group = await scim.post('Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Everyone',
        members: users.slice(0, 2).map((value) => ({ value })),
      });
      const groupId = group.json().id;

      const writes = [
        scim.patch(`Users/${users[0]}`, patchOp({ op: 'replace', path: 'displayName', value: 'Renamed' })),
        scim.patch(`Users/${users[1]}`, patchOp({ op: 'replace', path: 'active', value: false })),
        scim.put(`Users/${users[2]}`, newUser(`idp2@example.com`, { displayName: 'Put' })),
        scim.delete(`Users/${users[3]}`),
        scim.post('Users', newUser(`late${round}@example.com`)),
        scim.patch(
          `Groups/${groupId}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: users[2] }] }),
        ),
        scim.post('Groups', { schemas: [GROUP_SCHEMA], displayName: 'Late group' }),
      ];
      const [deleted, ...answers] = await Promise.all([
        t.app.inject({ method: 'DELETE', url: `/admin/v1/tenants/${tenantId}`, headers: ADMIN }),
        ...writes,
      ]);

      expect(deleted.statusCode).toBe(204);
      for (const answer of answers) {
        expect([200, 201, 204, 401, 404]).toContain(answer.statusCode);
      }
      // Nothing of the tenant is left behind (change events included: no foreign key, a trigger deletes
      // them), and its key no longer works.
      const { rows } = await t.db.client.query(
        `SELECT 1 FROM scim_user WHERE tenant_id = $1 UNION ALL SELECT 1 FROM scim_group WHERE tenant_id = $1
         UNION ALL SELECT 1 FROM audit_event WHERE tenant_id = $1 UNION ALL SELECT 1 FROM change_event WHERE tenant_id = $1`,
        [tenantId],
      );
      expect(rows).toHaveLength(0);
      expect((await scim.get('Users')).statusCode).toBe(401);
    }
  });
});
