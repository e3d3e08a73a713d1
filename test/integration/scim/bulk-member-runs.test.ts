import { startTestApp, type TestApp } from '../../support/app.js';
import { EVENTS_ADMIN_TOKEN, feedReader } from '../../support/events.js';
import { GROUP_SCHEMA, newUser, patchOp, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant } from '../../support/tenants.js';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const MISSING = '00000000-0000-4000-8000-000000000000';
type Json = Record<string, unknown>;
interface Result {
  method: string;
  status: string;
  version?: string;
  response?: { scimType?: string };
}

/**
 * Consecutive member PATCHes of one group run as one transaction in a Bulk (domain/bulk/member-runs.ts):
 * failOnErrors still counts them one by one, an unknown or foreign group fails each of them as alone,
 * and a member deleted at the same time never stays a member.
 */
describe('/Bulk: runs of member PATCHes of one group', () => {
  let t: TestApp;
  let scim: ScimRequests;

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_TOKEN: EVENTS_ADMIN_TOKEN,
      RATE_LIMIT_RPS: '100000',
      RATE_LIMIT_BURST: '100000',
    });
    scim = scimAs(t.app, (await createTenant(t.app, 'runs')).apiKey);
  });
  afterAll(() => t?.close());

  async function users(prefix: string, n: number): Promise<string[]> {
    const res = await scim.post('Bulk', {
      schemas: [BULK_REQUEST],
      Operations: Array.from({ length: n }, (_, i) => ({
        method: 'POST',
        path: '/Users',
        bulkId: `u${i}`,
        data: newUser(`${prefix}${i}@example.com`),
      })),
    });
    expect(res.statusCode).toBe(200);
    return (res.json().Operations as { location: string }[]).map((op) => op.location.split('/').pop()!);
  }

  async function group(displayName: string): Promise<string> {
    return (await scim.post('Groups', { schemas: [GROUP_SCHEMA], displayName })).json().id as string;
  }

  const add = (groupId: string, value: string) => ({
    method: 'PATCH',
    path: `/Groups/${groupId}`,
    data: patchOp({ op: 'add', path: 'members', value: [{ value }] }),
  });

  async function send(operations: Json[], failOnErrors?: number): Promise<Result[]> {
    const res = await scim.post('Bulk', {
      schemas: [BULK_REQUEST],
      ...(failOnErrors !== undefined ? { failOnErrors } : {}),
      Operations: operations,
    });
    expect(res.statusCode).toBe(200);
    return res.json().Operations as Result[];
  }

  async function membersOf(groupId: string): Promise<{ members: string[]; version: string }> {
    const found = (await scim.get(`Groups/${groupId}`)).json();
    return {
      members: ((found.members as Json[] | undefined) ?? []).map((m) => m.value as string).sort(),
      version: found.meta.version as string,
    };
  }

  it('§3.7.3 failOnErrors counts the operations of a run one by one and stops inside it', async () => {
    const [u0, u1, u2] = await users('fail', 3);
    const g = await group('Fail inside');
    const results = await send(
      [add(g, u0), add(g, MISSING), add(g, u1), add(g, 'not-a-uuid'), add(g, u2)],
      2,
    );
    expect(results.map((r) => r.status)).toEqual(['200', '400', '200', '400']);
    expect(results.map((r) => r.version)).toEqual(['W/"2"', undefined, 'W/"3"', undefined]);
    expect(await membersOf(g)).toEqual({ members: [u0, u1].sort(), version: 'W/"3"' });
  });

  it('failOnErrors counts the errors of the operations before a run', async () => {
    const [u0, u1] = await users('before', 2);
    const g = await group('Fail before');
    const results = await send(
      [
        { method: 'POST', path: '/Users', bulkId: 'dup', data: newUser('before0@example.com') },
        add(g, u0),
        add(g, MISSING),
        add(g, u1),
      ],
      2,
    );
    expect(results.map((r) => r.status)).toEqual(['409', '200', '400']);
    expect(await membersOf(g)).toEqual({ members: [u0], version: 'W/"2"' });
  });

  it('a run on a group that does not exist, or whose POST failed, fails each operation as alone', async () => {
    const [u0] = await users('nowhere', 1);
    const taken = await group('Taken');
    const results = await send([
      add(MISSING, u0),
      add(MISSING, u0),
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'g',
        data: { schemas: [GROUP_SCHEMA], displayName: 'Taken' },
      },
      add('bulkId:g', u0),
      add('bulkId:g', u0),
      add(taken.toUpperCase(), u0),
      { method: 'PATCH', path: `/Groups/${taken.toUpperCase()}`, data: { schemas: [] } },
    ]);
    expect(results.map((r) => r.status)).toEqual(['404', '404', '409', '409', '409', '200', '400']);
    expect(results[6].response?.scimType).toBe('invalidSyntax');
    // The group named in upper case: its location as the single PATCH answers it, from the row.
    expect((results[5] as Result & { location: string }).location.split('/').pop()).toBe(taken);
  });

  it('a group whose stored form a PATCH would rewrite (stored under older rules) has its PATCHes run one by one', async () => {
    const [u0, u1] = await users('older', 2);
    const g = await group('Older');
    // An attribute the Group schema does not know: validating the stored form drops it, so a PATCH
    // rewrites the group, which a run of member-only changes cannot do.
    await t.db.client.query(
      `UPDATE scim_group SET data = data || '{"nickName": "old"}'::jsonb WHERE id = $1`,
      [g],
    );
    const results = await send([add(g, u0), add(g, MISSING), add(g, u1)]);
    expect(results.map((r) => r.status)).toEqual(['200', '400', '200']);
    const { members, version } = await membersOf(g);
    expect(members).toEqual([u0, u1].sort());
    expect(version).toBe(results[2].version);
  });

  it("a run on another tenant's group is 404 for each operation and changes nothing", async () => {
    const [u0] = await users('foreign', 1);
    const owner = scimAs(t.app, (await createTenant(t.app, 'owner')).apiKey);
    const owned = (await owner.post('Groups', { schemas: [GROUP_SCHEMA], displayName: 'Owned' })).json();
    const results = await send([add(owned.id, u0), add(owned.id, u0)]);
    expect(results.map((r) => r.status)).toEqual(['404', '404']);
    const after = (await owner.get(`Groups/${owned.id}`)).json();
    expect(after.members ?? []).toEqual([]);
    expect(after.meta.version).toBe(owned.meta.version);
  });

  it('a member deleted while a run adds it is never left a member (races over HTTP)', async () => {
    for (let round = 0; round < 4; round++) {
      const ids = await users(`race${round}-`, 20);
      const g = await group(`Race ${round}`);
      const victim = ids[7 + round];
      const [bulk, deleted] = await Promise.all([
        scim.post('Bulk', { schemas: [BULK_REQUEST], Operations: ids.map((id) => add(g, id)) }),
        scim.delete(`Users/${victim}`),
      ]);
      expect(deleted.statusCode).toBe(204);
      expect(bulk.statusCode).toBe(200);
      const statuses = (bulk.json().Operations as Result[]).map((r) => r.status);
      // The victim's operation is 200 (it ran first, the delete then removed it) or 400 (no such member).
      expect(statuses.filter((status, i) => ids[i] !== victim && status !== '200')).toEqual([]);
      expect(['200', '400']).toContain(statuses[ids.indexOf(victim)]);
      const { members } = await membersOf(g);
      expect(members).toEqual(ids.filter((id) => id !== victim).sort());
      // Its events agree: added and removed again, or neither.
      const events = (await feedReader(t.app).poll('group.member_added,group.member_removed')).filter(
        (e) => e.data.group.id === g && e.data.member.value === victim,
      );
      expect(events.map((e) => e.type)).toEqual(
        statuses[ids.indexOf(victim)] === '200' ? ['group.member_added', 'group.member_removed'] : [],
      );
    }
  });

  it('with events off (EVENTS_ENABLED=false), a run writes its members and versions and no event', async () => {
    const off = await startTestApp({ EVENTS_ENABLED: 'false', ADMIN_TOKEN: EVENTS_ADMIN_TOKEN });
    try {
      const tenant = await createTenant(off.app, 'no events');
      const quiet = scimAs(off.app, tenant.apiKey);
      const a = (await quiet.post('Users', newUser('quiet.a@example.com'))).json().id as string;
      const b = (await quiet.post('Users', newUser('quiet.b@example.com'))).json().id as string;
      const g = (await quiet.post('Groups', { schemas: [GROUP_SCHEMA], displayName: 'Quiet' })).json();
      const res = await quiet.post('Bulk', {
        schemas: [BULK_REQUEST],
        Operations: [add(g.id, a), add(g.id, b), add(g.id, b)],
      });
      expect((res.json().Operations as Result[]).map((r) => [r.status, r.version])).toEqual([
        ['200', 'W/"2"'],
        ['200', 'W/"3"'],
        ['200', 'W/"3"'],
      ]);
      const after = (await quiet.get(`Groups/${g.id}`)).json();
      expect((after.members as Json[]).map((m) => m.value).sort()).toEqual([a, b].sort());
      const { rows } = await off.db.client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM change_event WHERE tenant_id = $1',
        [tenant.tenantId],
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await off.close();
    }
  });
});
