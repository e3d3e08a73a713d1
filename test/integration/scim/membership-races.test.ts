import { startTestApp, type TestApp } from '../../support/app.js';
import { GROUP_SCHEMA, newUser, patchOp, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant } from '../../support/tenants.js';

/**
 * Membership invariants under concurrent writes, raced for real: each round sends its requests at once
 * (Promise.all over app.inject), so they run in separate pooled connections and interleave in
 * PostgreSQL. A check that only sees committed rows loses these races; the database locks must win.
 */
const ROUNDS = 8;

describe('membership races', () => {
  let t: TestApp;
  let scim: ScimRequests;
  let tenantId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const tenant = await createTenant(t.app);
    tenantId = tenant.tenantId;
    scim = scimAs(t.app, tenant.apiKey);
  });
  afterAll(() => t.close());

  async function createGroup(displayName: string): Promise<string> {
    const res = await scim.post('Groups', { schemas: [GROUP_SCHEMA], displayName });
    expect(res.statusCode).toBe(201);
    return res.json().id;
  }

  const addMember = (groupId: string, memberId: string) =>
    scim.patch(`Groups/${groupId}`, patchOp({ op: 'add', path: 'members', value: [{ value: memberId }] }));

  /** Memberships whose member row no longer exists, in this tenant. */
  async function danglingMembers(): Promise<number> {
    const { rows } = await t.db.client.query<{ n: string }>(
      `SELECT count(*) AS n FROM scim_membership m
        WHERE m.tenant_id = $1
          AND NOT EXISTS (SELECT 1 FROM scim_user u WHERE u.tenant_id = m.tenant_id AND u.id = m.member_id)
          AND NOT EXISTS (SELECT 1 FROM scim_group g WHERE g.tenant_id = m.tenant_id AND g.id = m.member_id)`,
      [tenantId],
    );
    return Number(rows[0].n);
  }

  it('adding a user to a group while the user is deleted never leaves the group pointing at nobody', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const groupId = await createGroup(`Race users ${round}`);
      const user = await scim.post('Users', newUser(`racer${round}@example.com`));
      expect(user.statusCode).toBe(201);
      const userId = user.json().id;

      const [added, deleted] = await Promise.all([
        addMember(groupId, userId),
        scim.delete(`Users/${userId}`),
      ]);

      expect(deleted.statusCode).toBe(204);
      // Either the add committed first (and the delete then removed the membership), or the delete
      // did and the add found no such member.
      expect([200, 400]).toContain(added.statusCode);
      expect(await danglingMembers()).toBe(0);
      const group = await scim.get(`Groups/${groupId}`);
      expect(group.json().members ?? []).toEqual([]);
      // An identity provider echoing the member list back must not be refused.
      const echoed = await scim.put(`Groups/${groupId}`, {
        schemas: [GROUP_SCHEMA],
        displayName: `Race users ${round}`,
        members: group.json().members ?? [],
      });
      expect(echoed.statusCode).toBe(200);
    }
  });

  it('adding a group to a group while the member group is deleted never leaves a dangling member', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const parentId = await createGroup(`Race parent ${round}`);
      const childId = await createGroup(`Race child ${round}`);

      const [added, deleted] = await Promise.all([
        addMember(parentId, childId),
        scim.delete(`Groups/${childId}`),
      ]);

      expect(deleted.statusCode).toBe(204);
      expect([200, 400]).toContain(added.statusCode);
      expect(await danglingMembers()).toBe(0);
    }
  });

  it('A add B and B add A sent together: one succeeds, the other is refused as a cycle', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const a = await createGroup(`Cycle A ${round}`);
      const b = await createGroup(`Cycle B ${round}`);

      const answers = await Promise.all([addMember(a, b), addMember(b, a)]);

      expect(answers.map((res) => res.statusCode).sort()).toEqual([200, 400]);
      const refused = answers.find((res) => res.statusCode === 400)!;
      expect(refused.json()).toMatchObject({ scimType: 'invalidValue' });
      const { rows } = await t.db.client.query(
        `SELECT 1 FROM scim_membership WHERE tenant_id = $1 AND group_id = ANY($2::uuid[])`,
        [tenantId, [a, b]],
      );
      expect(rows).toHaveLength(1);
    }
  });

  it('a longer cycle raced three ways (A add B, B add C, C add A) is refused too', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b, c] = await Promise.all(
        ['A', 'B', 'C'].map((name) => createGroup(`Ring ${name} ${round}`)),
      );

      const answers = await Promise.all([addMember(a, b), addMember(b, c), addMember(c, a)]);

      expect(answers.map((res) => res.statusCode).sort()).toEqual([200, 200, 400]);
    }
  });
});
