import { startTestApp, type TestApp } from '../../support/app.js';
import { GROUP_SCHEMA, newUser, patchOp, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant } from '../../support/tenants.js';

/**
 * A DELETE of a user or group locks the member, then the groups it is in (in id order), so that its
 * group.member_removed events come after every other write to those groups (docs/events.md,
 * "Ordering"). Every write that takes both kinds of lock takes them in that order, members first: these
 * races would deadlock (500) where one did not. Raced for real, as in membership-races.test.ts.
 */
const ROUNDS = 8;

describe('a DELETE of a member, raced with writes to its groups', () => {
  let t: TestApp;
  let scim: ScimRequests;
  let tenantId: string;

  beforeAll(async () => {
    // Each round sends several requests; the tenant's request budget is not what is tested here.
    t = await startTestApp({ RATE_LIMIT_RPS: '100000', RATE_LIMIT_BURST: '100000' });
    const tenant = await createTenant(t.app);
    tenantId = tenant.tenantId;
    scim = scimAs(t.app, tenant.apiKey);
  });
  afterAll(() => t.close());

  async function user(name: string): Promise<string> {
    const res = await scim.post('Users', newUser(`${name}-${Math.random()}@example.com`));
    expect(res.statusCode).toBe(201);
    return res.json().id;
  }

  async function group(name: string, members: string[]): Promise<{ id: string; etag: string }> {
    const res = await scim.post('Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: `${name} ${Math.random()}`,
      members: members.map((value) => ({ value })),
    });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id, etag: res.headers.etag as string };
  }

  /** The ids of a group's members, sorted. */
  async function membersOf(groupId: string): Promise<string[]> {
    const res = await scim.get(`Groups/${groupId}`);
    expect(res.statusCode).toBe(200);
    return ((res.json().members ?? []) as { value: string }[]).map((m) => m.value).sort();
  }

  /** The group.member_removed events of a group, by member. */
  async function removals(groupId: string): Promise<string[]> {
    const { rows } = await t.db.client.query<{ member: string }>(
      `SELECT data->'member'->>'value' AS member FROM change_event
        WHERE tenant_id = $1 AND resource_id = $2 AND type = 'group.member_removed' ORDER BY xid, seq`,
      [tenantId, groupId],
    );
    return rows.map((row) => row.member);
  }

  it.each([
    ['a PUT', 'put'],
    ['a PATCH with If-Match', 'patch-if-match'],
    ["a Bulk request's run of member PATCHes", 'bulk-run'],
    ['a PATCH without If-Match', 'patch'],
  ])('%s of its group and the DELETE of a member both end well, and the member is gone', async (_n, kind) => {
    for (let round = 0; round < ROUNDS; round++) {
      const [deleted, kept, added] = await Promise.all([user('deleted'), user('kept'), user('added')]);
      const g = await group(`${kind} ${round}`, [deleted, kept]);
      const write = () => {
        if (kind === 'put')
          return scim.put(`Groups/${g.id}`, {
            schemas: [GROUP_SCHEMA],
            displayName: `renamed ${round} ${Math.random()}`,
            members: [deleted, kept, added].map((value) => ({ value })),
          });
        const adding = patchOp({ op: 'add', path: 'members', value: [{ value: added }] });
        if (kind === 'bulk-run')
          return scim.post('Bulk', {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
            Operations: [
              { method: 'PATCH', path: `/Groups/${g.id}`, data: adding },
              {
                method: 'PATCH',
                path: `/Groups/${g.id}`,
                data: patchOp({ op: 'remove', path: `members[value eq "${kept}"]` }),
              },
            ],
          });
        return scim.patch(`Groups/${g.id}`, adding, kind === 'patch-if-match' ? { 'if-match': g.etag } : {});
      };
      const [written, removed] = await Promise.all([write(), scim.delete(`Users/${deleted}`)]);

      expect(removed.statusCode).toBe(204);
      // A PUT naming the deleted member after the DELETE committed is refused (no such member); a
      // PATCH with If-Match after it finds the group's version moved (the DELETE changed its members).
      const allowed = { put: [200, 400], 'patch-if-match': [200, 412], 'bulk-run': [200], patch: [200] }[
        kind
      ];
      expect(allowed).toContain(written.statusCode);
      if (kind === 'bulk-run')
        expect(written.json().Operations.map((o: { status: string }) => o.status)).toEqual(['200', '200']);
      const members = await membersOf(g.id);
      expect(members).not.toContain(deleted);
      expect(await removals(g.id)).toContain(deleted);
      expect(members.length).toBeGreaterThan(0);
    }
  });

  it('a DELETE of a user in a group and in its parent, raced with the DELETE of that group: both 204', async () => {
    // The user's DELETE locks the user, then its groups in id order; the group's DELETE locks the group,
    // then its parent. One order of the two groups is a cycle: PostgreSQL ends one, which runs again.
    for (let round = 0; round < ROUNDS; round++) {
      const u = await user('nested');
      const child = await group(`child ${round}`, [u]);
      const parent = await group(`parent ${round}`, [u, child.id]);

      const [userDeleted, childDeleted] = await Promise.all([
        scim.delete(`Users/${u}`),
        scim.delete(`Groups/${child.id}`),
      ]);

      expect([userDeleted.statusCode, childDeleted.statusCode]).toEqual([204, 204]);
      expect(await membersOf(parent.id)).toEqual([]);
      expect((await removals(parent.id)).sort()).toEqual([u, child.id].sort());
    }
  });

  it("a member's DELETE changes its groups' version and lastModified (their members changed)", async () => {
    const [u, v] = await Promise.all([user('versioned'), user('stays')]);
    const g = await group('versioned', [u, v]);
    const other = await group('not a member', [v]);
    const before = (await scim.get(`Groups/${g.id}`)).json().meta;

    expect((await scim.delete(`Users/${u}`)).statusCode).toBe(204);

    const after = await scim.get(`Groups/${g.id}`);
    expect(after.headers.etag).not.toBe(g.etag);
    expect(after.json().meta.version).not.toBe(before.version);
    expect(Date.parse(after.json().meta.lastModified)).toBeGreaterThanOrEqual(
      Date.parse(before.lastModified),
    );
    // A client caching the group by its ETag gets the new member list, not 304.
    const cached = await scim.get(`Groups/${g.id}`, { 'if-none-match': g.etag });
    expect(cached.statusCode).toBe(200);
    expect(cached.json().members.map((m: { value: string }) => m.value)).toEqual([v]);
    // A group the user was not in keeps its version.
    expect((await scim.get(`Groups/${other.id}`)).headers.etag).toBe(other.etag);
  });
});
