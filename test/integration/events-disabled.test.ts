/**
 * EVENTS_ENABLED=false: a deployment that does not use change events writes no change_event row,
 * whatever the write (users and groups created, replaced, patched and deleted; members added and
 * removed one by one, by PUT and by deleting a member), while the writes, their audit trail and the
 * group's membership work as with events on. With events on (the default) test/integration/events.test.ts
 * holds; the same writes here append events, so this test can tell the switch from a broken outbox.
 */
import { startTestApp, type TestApp } from '../support/app.js';
import { GROUP_SCHEMA, newUser, patchOp, scimAs, type ScimRequests } from '../support/scim-requests.js';
import { createTenant } from '../support/tenants.js';

/** Every kind of SCIM write that appends events when they are on; the ids of what is left. */
async function everyKindOfWrite(scim: ScimRequests): Promise<{ groupId: string; kept: string }> {
  const created = async (userName: string): Promise<string> => {
    const res = await scim.post('Users', newUser(userName));
    expect(res.statusCode).toBe(201);
    return res.json().id;
  };
  const alice = await created('alice@example.com');
  const bob = await created('bob@example.com');
  const carol = await created('carol@example.com');

  const group = await scim.post('Groups', {
    schemas: [GROUP_SCHEMA],
    displayName: 'Engineering',
    members: [{ value: alice }],
  });
  expect(group.statusCode).toBe(201);
  const groupId: string = group.json().id;

  const patched = [
    scim.patch(`Users/${alice}`, patchOp({ op: 'replace', path: 'active', value: false })),
    scim.patch(`Users/${alice}`, patchOp({ op: 'replace', path: 'userType', value: 'Admin' })),
    scim.patch(`Groups/${groupId}`, patchOp({ op: 'add', path: 'members', value: [{ value: bob }] })),
    scim.patch(`Groups/${groupId}`, patchOp({ op: 'remove', path: `members[value eq "${alice}"]` })),
    scim.patch(`Groups/${groupId}`, patchOp({ op: 'replace', path: 'displayName', value: 'Eng' })),
  ];
  for (const response of patched) expect((await response).statusCode).toBe(200);

  const replaced = await scim.put(`Groups/${groupId}`, {
    schemas: [GROUP_SCHEMA],
    displayName: 'Eng',
    members: [{ value: bob }, { value: carol }],
  });
  expect(replaced.statusCode).toBe(200);
  // Deleting a member removes it from the group (group.member_removed when events are on).
  expect((await scim.delete(`Users/${bob}`)).statusCode).toBe(204);
  return { groupId, kept: carol };
}

describe.each([
  ['false', 0],
  ['true', 1],
] as const)('EVENTS_ENABLED=%s', (enabled, minimumEventsPerWrite) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ EVENTS_ENABLED: enabled });
  });
  afterAll(() => t?.close());

  it(
    enabled === 'false'
      ? 'writes no change_event row, and the writes and their audit trail are as usual'
      : 'writes change events for the same writes',
    async () => {
      const tenant = await createTenant(t.app, 'Acme');
      const scim = scimAs(t.app, tenant.apiKey);
      const { groupId, kept } = await everyKindOfWrite(scim);

      const group = await scim.get(`Groups/${groupId}`);
      expect(group.json()).toMatchObject({ displayName: 'Eng', members: [{ value: kept }] });
      expect(group.json().members).toHaveLength(1);

      const count = async (table: string) =>
        Number(
          (
            await t.db.client.query(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`, [
              tenant.tenantId,
            ])
          ).rows[0].n,
        );
      const audited = await count('audit_event');
      // 3 users created, group created, 5 patches, a PUT, a delete.
      expect(audited).toBeGreaterThanOrEqual(11);
      const events = await count('change_event');
      if (minimumEventsPerWrite === 0) expect(events).toBe(0);
      else expect(events).toBeGreaterThanOrEqual(audited);
    },
  );
});
