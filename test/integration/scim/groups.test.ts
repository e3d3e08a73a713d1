import { sqlObservers, type SqlEvent } from '../../../src/storage/sql.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { GROUP_SCHEMA, newUser, patchOp, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant } from '../../support/tenants.js';

describe('/scim/v2/Groups and memberships', () => {
  let t: TestApp;
  let scim: ScimRequests;
  let tenantId: string;
  const users: { id: string; userName: string }[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    const tenant = await createTenant(t.app);
    tenantId = tenant.tenantId;
    scim = scimAs(t.app, tenant.apiKey);
    for (let i = 0; i < 4; i++) {
      const res = await scim.post('Users', newUser(`member${i}@example.com`, { displayName: `Member ${i}` }));
      users.push(res.json());
    }
  });
  afterAll(() => t.close());

  async function createGroup(displayName: string, members: string[] = []) {
    const res = await scim.post('Groups', {
      schemas: [GROUP_SCHEMA],
      displayName,
      members: members.map((value) => ({ value })),
    });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  const memberIds = async (groupId: string) =>
    ((await scim.get(`Groups/${groupId}`)).json().members ?? [])
      .map((m: { value: string }) => m.value)
      .sort();

  it('creates a group with members; GET shows them with display and type; User.groups lists the group', async () => {
    const group = await createGroup('Engineering', [users[0].id, users[1].id]);
    expect(group).toMatchObject({
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      meta: { resourceType: 'Group' },
    });
    const fetched = (await scim.get(`Groups/${group.id}`)).json();
    expect(fetched.members).toEqual(
      [users[0], users[1]]
        .map((u) => ({
          value: u.id,
          display: `Member ${users.indexOf(u)}`,
          type: 'User',
          $ref: expect.stringContaining(`/Users/${u.id}`),
        }))
        .sort((a, b) => a.value.localeCompare(b.value)),
    );
    const user = (await scim.get(`Users/${users[0].id}`)).json();
    expect(user.groups).toEqual([
      {
        value: group.id,
        display: 'Engineering',
        type: 'direct',
        $ref: expect.stringContaining(`/Groups/${group.id}`),
      },
    ]);
  });

  it('refuses a second group with the same displayName in another case (409 uniqueness)', async () => {
    await createGroup('Sales');
    const res = await scim.post('Groups', { schemas: [GROUP_SCHEMA], displayName: 'SALES' });
    expect(res.statusCode).toBe(409);
    expect(res.json().scimType).toBe('uniqueness');
  });

  it("tolerates Entra's extra group schema URI and finds groups by displayName with excludedAttributes=members", async () => {
    const res = await scim.post('Groups', {
      schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Entra Group',
      meta: { resourceType: 'Group' },
    });
    expect(res.statusCode).toBe(201);
    const list = (
      await scim.get('Groups?excludedAttributes=members&filter=displayName+eq+%22Entra+Group%22')
    ).json();
    expect(list.totalResults).toBe(1);
    expect(list.Resources[0]).not.toHaveProperty('members');
    const byId = (await scim.get(`Groups?filter=${encodeURIComponent(`id eq "${res.json().id}"`)}`)).json();
    expect(byId.totalResults).toBe(1);
  });

  it('Okta membership PATCH: remove by filter, add by value, rename with an echoed id', async () => {
    const group = await createGroup('Okta push', [users[0].id, users[1].id]);
    const res = await scim.patch(
      `Groups/${group.id}`,
      patchOp(
        { op: 'replace', value: { id: group.id, displayName: 'Okta push renamed' } },
        { op: 'remove', path: `members[value eq "${users[0].id}"]` },
        { op: 'add', path: 'members', value: [{ value: users[2].id, display: users[2].userName }] },
      ),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().displayName).toBe('Okta push renamed');
    expect(res.json()).not.toHaveProperty('members');
    expect(await memberIds(group.id)).toEqual([users[1].id, users[2].id].sort());
  });

  it('Entra membership PATCH: Remove with a value array removes only those members', async () => {
    const group = await createGroup('Entra members', [users[0].id, users[1].id, users[2].id]);
    const res = await scim.patch(
      `Groups/${group.id}`,
      patchOp({ op: 'Remove', path: 'members', value: [{ $ref: null, value: users[1].id }] }),
    );
    expect(res.statusCode).toBe(200);
    expect(await memberIds(group.id)).toEqual([users[0].id, users[2].id].sort());
  });

  it('adding an existing member is a no-op that keeps the version; a real change bumps it', async () => {
    const group = await createGroup('Idempotent', [users[0].id]);
    const again = await scim.patch(
      `Groups/${group.id}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: users[0].id }] }),
    );
    expect(again.json().meta.version).toBe(group.meta.version);
    const added = await scim.patch(
      `Groups/${group.id}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: users[1].id }] }),
    );
    expect(added.json().meta.version).not.toBe(group.meta.version);
  });

  it('answers a member that does not exist in this tenant with 400 invalidValue and changes nothing', async () => {
    const other = await createTenant(t.app, 'Other');
    const stranger = (
      await scimAs(t.app, other.apiKey).post('Users', newUser('stranger@example.com'))
    ).json();
    const group = await createGroup('Strict', [users[0].id]);
    for (const value of [stranger.id, '2c2f5b50-0000-4000-8000-000000000009', 'not-a-uuid']) {
      const res = await scim.patch(
        `Groups/${group.id}`,
        patchOp({ op: 'add', path: 'members', value: [{ value }] }),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().scimType).toBe('invalidValue');
    }
    expect(await memberIds(group.id)).toEqual([users[0].id]);
  });

  it('allows nested groups and refuses cycles', async () => {
    const parent = await createGroup('Parent');
    const child = await createGroup('Child', [parent.id]);
    const cycle = await scim.patch(
      `Groups/${parent.id}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: child.id }] }),
    );
    expect(cycle.statusCode).toBe(400);
    const self = await scim.patch(
      `Groups/${parent.id}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: parent.id }] }),
    );
    expect(self.statusCode).toBe(400);
    expect((await scim.get(`Groups/${child.id}`)).json().members).toEqual([
      expect.objectContaining({ value: parent.id, type: 'Group', display: 'Parent' }),
    ]);
  });

  it('PUT replaces the member list exactly (Okta AIW apps)', async () => {
    const group = await createGroup('Put members', [users[0].id, users[1].id]);
    const res = await scim.put(`Groups/${group.id}`, {
      schemas: [GROUP_SCHEMA],
      id: group.id,
      displayName: 'Put members',
      members: [{ value: users[1].id }, { value: users[3].id }],
    });
    expect(res.statusCode).toBe(200);
    expect(
      res
        .json()
        .members.map((m: { value: string }) => m.value)
        .sort(),
    ).toEqual([users[1].id, users[3].id].sort());
  });

  it('concurrent PATCHes adding different members all survive', async () => {
    const group = await createGroup('Concurrent');
    const results = await Promise.all(
      users.map((user) =>
        scim.patch(
          `Groups/${group.id}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: user.id }] }),
        ),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(users.map(() => 200));
    expect(await memberIds(group.id)).toEqual(users.map((u) => u.id).sort());
  });

  it('deleting a user removes its memberships; deleting a group answers 204 then 404', async () => {
    const doomed = (await scim.post('Users', newUser('doomed@example.com'))).json();
    const group = await createGroup('Doomed holder', [doomed.id, users[0].id]);
    expect((await scim.delete(`Users/${doomed.id}`)).statusCode).toBe(204);
    expect(await memberIds(group.id)).toEqual([users[0].id]);
    expect((await scim.delete(`Groups/${group.id}`)).statusCode).toBe(204);
    expect((await scim.get(`Groups/${group.id}`)).statusCode).toBe(404);
    expect(
      (await scim.get(`Users/${users[0].id}`)).json().groups.map((g: { value: string }) => g.value),
    ).not.toContain(group.id);
  });

  describe('a group of 10,000 members', () => {
    let groupId: string;
    beforeAll(async () => {
      const group = await createGroup('Big group');
      groupId = group.id;
      // Seed by SQL: 10,000 users and their memberships.
      await t.db.client.query(
        `INSERT INTO scim_user (tenant_id, id, user_name, active, user_type, created_at, last_modified, version, data)
         SELECT $1, gen_random_uuid(), 'bulk' || n || '@example.com', true, 'Viewer', now(), now(), 1,
                jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'),
                                   'userName', 'bulk' || n || '@example.com')
           FROM generate_series(1, 10000) AS n`,
        [tenantId],
      );
      await t.db.client.query(
        `INSERT INTO scim_membership (tenant_id, group_id, member_id, member_type)
         SELECT $1, $2, id, 'User' FROM scim_user WHERE tenant_id = $1 AND user_name LIKE 'bulk%'`,
        [tenantId, groupId],
      );
    });

    it('PATCH add then remove of one member touches one membership row each and never reads the member list', async () => {
      const events: SqlEvent[] = [];
      const observe = (event: SqlEvent) => events.push(event);
      sqlObservers.add(observe);
      try {
        const add = await scim.patch(
          `Groups/${groupId}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: users[3].id }] }),
        );
        expect(add.statusCode).toBe(200);
        const remove = await scim.patch(
          `Groups/${groupId}`,
          patchOp({ op: 'remove', path: `members[value eq "${users[3].id}"]` }),
        );
        expect(remove.statusCode).toBe(200);
      } finally {
        sqlObservers.delete(observe);
      }
      const membershipWrites = events.filter((e) =>
        /^\s*(WITH changed AS \(\s*)?(INSERT INTO|DELETE FROM) scim_membership/.test(e.text),
      );
      expect(membershipWrites.map((e) => e.affected)).toEqual([1, 1]);
      // No statement returned or touched more than a handful of rows.
      expect(Math.max(...events.map((e) => Math.max(e.rows, e.affected)))).toBeLessThanOrEqual(1);
      const count = await t.db.client.query(
        'SELECT count(*)::int AS n FROM scim_membership WHERE group_id = $1',
        [groupId],
      );
      expect(count.rows[0].n).toBe(10000);
    });

    it('GET /Groups?excludedAttributes=members never reads memberships', async () => {
      const events: SqlEvent[] = [];
      const observe = (event: SqlEvent) => events.push(event);
      sqlObservers.add(observe);
      try {
        const res = await scim.get('Groups?excludedAttributes=members&filter=displayName+eq+%22Big+group%22');
        expect(res.json().Resources[0]).not.toHaveProperty('members');
      } finally {
        sqlObservers.delete(observe);
      }
      expect(events.some((e) => e.text.includes('scim_membership'))).toBe(false);
    });

    it('a full GET streams all 10,000 members from one query, in chunks', async () => {
      const events: SqlEvent[] = [];
      const observe = (event: SqlEvent) => events.push(event);
      sqlObservers.add(observe);
      let res;
      try {
        res = await scim.get(`Groups/${groupId}`);
      } finally {
        sqlObservers.delete(observe);
      }
      expect(res.statusCode).toBe(200);
      const group = res.json();
      expect(group.members).toHaveLength(10000);
      expect(new Set(group.members.map((m: { value: string }) => m.value)).size).toBe(10000);
      expect(group).toMatchObject({ displayName: 'Big group', meta: { resourceType: 'Group' } });
      const memberReads = events.filter((e) => e.text.includes('FROM scim_membership'));
      expect(new Set(memberReads.map((e) => e.text)).size).toBe(1);
      expect(memberReads.reduce((sum, e) => sum + e.rows, 0)).toBe(10000);
      expect(Math.max(...memberReads.map((e) => e.rows))).toBeLessThan(10000);
    });
  });
});
