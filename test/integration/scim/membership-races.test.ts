import pg from 'pg';
import { startTestApp, type TestApp } from '../../support/app.js';
import { GROUP_SCHEMA, newUser, patchOp, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant } from '../../support/tenants.js';
import { untilOneWaitsForALock } from '../../support/until.js';

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

  describe('a member PATCH and the lock of its group', () => {
    // A tenant of its own (its own request budget), and `held`, a client that keeps a row locked from
    // outside the server; the probe is the test's own client.
    let own: ScimRequests;
    let ownTenant: string;
    let held: pg.Client;
    beforeAll(async () => {
      const tenant = await createTenant(t.app);
      own = scimAs(t.app, tenant.apiKey);
      ownTenant = tenant.tenantId;
      held = new pg.Client({ connectionString: t.db.directUrl });
      await held.connect();
    });
    afterAll(() => held.end());

    /** A new group and a new user, by id. */
    async function groupAndUser(name: string): Promise<{ groupId: string; userId: string }> {
      const group = await own.post('Groups', { schemas: [GROUP_SCHEMA], displayName: name });
      const user = await own.post('Users', newUser(`${name.replace(/\W+/g, '-')}@example.com`));
      expect([group.statusCode, user.statusCode]).toEqual([201, 201]);
      return { groupId: group.json().id, userId: user.json().id };
    }

    const add = (groupId: string, userId: string, headers: Record<string, string> = {}) =>
      own.patch(
        `Groups/${groupId}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: userId }] }),
        headers,
      );

    /** The group's membership rows, and its group.member_added events. */
    async function rowsOfGroup(groupId: string): Promise<{ memberships: number; memberEvents: number }> {
      const { rows } = await t.db.client.query<{ memberships: number; events: number }>(
        `SELECT (SELECT count(*) FROM scim_membership WHERE tenant_id = $1 AND group_id = $2)::int AS memberships,
                (SELECT count(*) FROM change_event
                  WHERE tenant_id = $1 AND resource_id = $2 AND type = 'group.member_added')::int AS events`,
        [ownTenant, groupId],
      );
      return { memberships: rows[0].memberships, memberEvents: rows[0].events };
    }

    /** Whether the group's row can be locked right now (NOWAIT), by the probe, in a transaction undone at once. */
    async function groupLockable(groupId: string): Promise<boolean> {
      await t.db.client.query('BEGIN');
      try {
        await t.db.client.query('SELECT 1 FROM scim_group WHERE id = $1 FOR NO KEY UPDATE NOWAIT', [groupId]);
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === '55P03') return false;
        throw error;
      } finally {
        await t.db.client.query('ROLLBACK');
      }
    }

    it('raced with the DELETE of its group, it answers 200 or 404 and leaves no row of the deleted group', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { groupId, userId } = await groupAndUser(`Race deleted group ${round}`);

        const [added, deleted] = await Promise.all([add(groupId, userId), own.delete(`Groups/${groupId}`)]);

        expect(deleted.statusCode).toBe(204);
        expect([200, 404]).toContain(added.statusCode);
        expect(await rowsOfGroup(groupId)).toEqual({
          memberships: 0,
          memberEvents: added.statusCode === 200 ? 1 : 0,
        });
      }
    });

    it.each([
      ['a PATCH without If-Match', 'patch'],
      ['a PATCH with If-Match (its version is checked once it holds the group)', 'patch-if-match'],
      ['a PUT naming the member', 'put'],
      ["a Bulk request's run of member PATCHes", 'bulk-run'],
    ])(
      '%s does not hold the group while it waits for a member (members first, then their group)',
      async (_name, kind) => {
        const { groupId, userId } = await groupAndUser(`Lock order ${kind}`);
        const version: string = (await own.get(`Groups/${groupId}`)).json().meta.version;
        // The member's row locked FOR UPDATE, as a DELETE of it holds it: the write's first round trip
        // waits for it (FOR KEY SHARE), and must not hold the group meanwhile (that DELETE locks the
        // group next: a cycle).
        await held.query('BEGIN');
        await held.query('SELECT 1 FROM scim_user WHERE id = $1 FOR UPDATE', [userId]);
        const adding = patchOp({ op: 'add', path: 'members', value: [{ value: userId }] });
        const writing =
          kind === 'put'
            ? own.put(`Groups/${groupId}`, {
                schemas: [GROUP_SCHEMA],
                displayName: `Lock order ${kind}`,
                members: [{ value: userId }],
              })
            : kind === 'bulk-run'
              ? own.post('Bulk', {
                  schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
                  Operations: [
                    { method: 'PATCH', path: `/Groups/${groupId}`, data: adding },
                    { method: 'PATCH', path: `/Groups/${groupId}`, data: adding },
                  ],
                })
              : add(groupId, userId, kind === 'patch-if-match' ? { 'if-match': version } : {});
        try {
          await untilOneWaitsForALock(t.db.client);
          expect(await groupLockable(groupId)).toBe(true);
        } finally {
          await held.query('ROLLBACK');
        }
        expect((await writing).statusCode).toBe(200);
        expect(await rowsOfGroup(groupId)).toEqual({ memberships: 1, memberEvents: 1 });
      },
    );

    it('when its group is deleted after it read it, it answers 404 and writes nothing', async () => {
      const { groupId, userId } = await groupAndUser('Deleted while read');
      // The group's row locked FOR UPDATE: the PATCH reads the group, then waits for its lock.
      await held.query('BEGIN');
      await held.query('SELECT 1 FROM scim_group WHERE id = $1 FOR UPDATE', [groupId]);
      const patching = add(groupId, userId);
      try {
        await untilOneWaitsForALock(t.db.client);
        await held.query('DELETE FROM scim_group WHERE id = $1', [groupId]);
        await held.query('COMMIT');
      } catch (error) {
        await held.query('ROLLBACK');
        throw error;
      }
      const added = await patching;
      expect(added.statusCode).toBe(404);
      expect(added.json()).toMatchObject({ status: '404' });
      expect(await rowsOfGroup(groupId)).toEqual({ memberships: 0, memberEvents: 0 });
    });
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
