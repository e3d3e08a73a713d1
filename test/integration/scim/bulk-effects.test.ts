import { startTestApp, type TestApp } from '../../support/app.js';
import { brief, EVENTS_ADMIN_TOKEN, feedReader } from '../../support/events.js';
import { GROUP_SCHEMA, newUser, patchOp, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant, type TestTenant } from '../../support/tenants.js';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
type Json = Record<string, unknown>;

/**
 * A Bulk request writes the audit rows and change events its operations would write sent alone: the
 * same rows and events, in the same order, with the request id `<Bulk request id>/<operation index>`.
 */
describe('/Bulk: audit trail, change events, tenant isolation and the rate limit, per operation', () => {
  let t: TestApp;

  beforeAll(async () => {
    // RATE_LIMIT_RPS 1 with a burst of 600: one window of 600 requests per 10 minutes.
    t = await startTestApp({ ADMIN_TOKEN: EVENTS_ADMIN_TOKEN, RATE_LIMIT_RPS: '1', RATE_LIMIT_BURST: '600' });
  });
  afterAll(() => t?.close());

  async function auditEvents(tenantId: string) {
    const res = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/tenants/${tenantId}/audit-events`,
      headers: { authorization: `Bearer ${EVENTS_ADMIN_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    return (res.json().events as Json[]).reverse();
  }

  /** The same writes: sent alone (`single`) or as one Bulk (`bulk`); the ids they create, in order. */
  async function scenario(scim: ScimRequests, mode: 'single' | 'bulk'): Promise<string[]> {
    if (mode === 'single') {
      const ann = (await scim.post('Users', newUser('ann@example.com'))).json();
      const bob = (await scim.post('Users', newUser('bob@example.com'))).json();
      const group = (
        await scim.post('Groups', {
          schemas: [GROUP_SCHEMA],
          displayName: 'Staff',
          members: [{ value: ann.id }],
        })
      ).json();
      await scim.patch(
        `Groups/${group.id}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: bob.id }] }),
      );
      await scim.patch(`Users/${bob.id}`, patchOp({ op: 'replace', path: 'title', value: 'Lead' }));
      await scim.put(`Users/${ann.id}`, newUser('ann@example.com', { title: 'Dev' }));
      await scim.delete(`Users/${ann.id}`);
      await scim.post('Users', newUser('bob@example.com')); // 409: no audit row, no event
      return [ann.id, bob.id, group.id];
    }
    const res = await scim.post(
      'Bulk',
      {
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'ann', data: newUser('ann@example.com') },
          { method: 'POST', path: '/Users', bulkId: 'bob', data: newUser('bob@example.com') },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'staff',
            data: { schemas: [GROUP_SCHEMA], displayName: 'Staff', members: [{ value: 'bulkId:ann' }] },
          },
          {
            method: 'PATCH',
            path: '/Groups/bulkId:staff',
            data: patchOp({ op: 'add', path: 'members', value: [{ value: 'bulkId:bob' }] }),
          },
          {
            method: 'PATCH',
            path: '/Users/bulkId:bob',
            data: patchOp({ op: 'replace', path: 'title', value: 'Lead' }),
          },
          { method: 'PUT', path: '/Users/bulkId:ann', data: newUser('ann@example.com', { title: 'Dev' }) },
          { method: 'DELETE', path: '/Users/bulkId:ann' },
          { method: 'POST', path: '/Users', bulkId: 'again', data: newUser('bob@example.com') },
        ],
      },
      { 'x-request-id': 'bulk-effects' },
    );
    expect(res.statusCode).toBe(200);
    const ops = res.json().Operations as { status: string; location?: string }[];
    expect(ops.map((op) => op.status)).toEqual(['201', '201', '201', '200', '200', '200', '204', '409']);
    return ops.slice(0, 3).map((op) => op.location!.split('/').pop()!);
  }

  it('audit rows and change events equal those of the same requests sent alone', async () => {
    const alone = await createTenant(t.app, 'alone');
    const bulked = await createTenant(t.app, 'bulked');
    const aloneIds = await scenario(scimAs(t.app, alone.apiKey), 'single');
    const bulkIds = await scenario(scimAs(t.app, bulked.apiKey), 'bulk');
    const named = (ids: string[]) => (text: string) =>
      ids.reduce((out, id, i) => out.replaceAll(id, `#${i}`), text);

    const shape = (rows: Json[], ids: string[], tenant: TestTenant) =>
      rows.map((row) => {
        expect(row.apiKeyId).toBe(tenant.apiKeyId);
        return named(ids)(JSON.stringify([row.operation, row.resourceType, row.resourceId, row.attributes]));
      });
    const aloneAudit = await auditEvents(alone.tenantId);
    const bulkAudit = await auditEvents(bulked.tenantId);
    expect(shape(bulkAudit, bulkIds, bulked)).toEqual(shape(aloneAudit, aloneIds, alone));
    expect(bulkAudit.length).toBe(7);
    // Operation 7 (the 409) left none; the others carry the Bulk's request id and their index.
    expect(bulkAudit.map((row) => row.requestId)).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => `bulk-effects/${i}`),
    );

    const aloneEvents = await feedReader(t.app, alone.tenantId).poll();
    const bulkEvents = await feedReader(t.app, bulked.tenantId).poll();
    expect(bulkEvents.map((e) => named(bulkIds)(brief(e)))).toEqual(
      aloneEvents.map((e) => named(aloneIds)(brief(e))),
    );
    expect(bulkEvents.length).toBeGreaterThan(7);
    expect(new Set(bulkEvents.map((e) => e.requestId.split('/')[0]))).toEqual(new Set(['bulk-effects']));
  });

  /**
   * A run of member PATCHes of one group (one transaction in the Bulk): ids as `#0`…; `version` is the
   * operation's If-Match. Users #0–#3 exist, #0 is a member of the group #4 before the run.
   */
  const MISSING = '00000000-0000-4000-8000-000000000000';
  const memberRun: { data: Json; version?: string }[] = [
    { data: patchOp({ op: 'add', path: 'members', value: [{ value: '#1' }] }) }, // added
    { data: patchOp({ op: 'add', path: 'members', value: [{ value: '#0' }] }) }, // already there: no change
    { data: patchOp({ op: 'remove', path: 'members', value: [{ value: '#0' }] }) }, // Entra's remove: removed
    { data: patchOp({ op: 'add', path: 'members', value: [{ value: '#0' }] }) }, // added again
    { data: patchOp({ op: 'add', path: 'members', value: [{ value: MISSING }] }) }, // 400: no such member
    { data: patchOp({ op: 'remove', path: 'members[value eq "#2"]' }) }, // not a member: no change
    { data: patchOp({ op: 'add', path: 'members', value: [{ value: '#3' }, { value: '#2' }] }) }, // two added
    { data: patchOp({ op: 'remove', path: 'members[value eq "#1"]' }), version: 'W/"1"' }, // 412: moved on
    { data: patchOp({ op: 'add', path: 'members', value: [{ value: 'not-a-uuid' }] }) }, // 400
    { data: patchOp({ op: 'remove', path: 'members[value eq "#3"]' }), version: 'W/"5"' }, // removed
    { data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] } }, // 400: no Operations
    { data: patchOp({ op: 'remove', path: 'members[displayName eq "x"]' }) }, // 400 invalidFilter
  ];

  /** The group and its users (#0–#4), created alone, then the run sent alone or as one Bulk. */
  async function runScenario(scim: ScimRequests, mode: 'single' | 'bulk') {
    const ids: string[] = [];
    for (const name of ['ann', 'bob', 'cy', 'dee'])
      ids.push((await scim.post('Users', newUser(`${name}@example.com`))).json().id as string);
    // #2 before #3 in id order, in both tenants: the operation adding "#3, #2" writes its events in id
    // order (as the membership statement does), and the two tenants' events are compared by name.
    if (ids[2] > ids[3]) [ids[2], ids[3]] = [ids[3], ids[2]];
    const group = await scim.post('Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Run',
      members: [{ value: ids[0] }],
    });
    ids.push(group.json().id as string);
    const withIds = (data: Json) =>
      JSON.parse(ids.reduce((text, id, i) => text.replaceAll(`#${i}`, id), JSON.stringify(data))) as Json;
    let answers: { status: string; version?: string }[];
    if (mode === 'single') {
      answers = [];
      for (const op of memberRun) {
        const res = await scim.patch(
          `Groups/${ids[4]}`,
          withIds(op.data),
          op.version ? { 'if-match': op.version } : {},
        );
        const version = res.statusCode === 200 ? (res.json().meta.version as string) : undefined;
        answers.push({ status: String(res.statusCode), ...(version ? { version } : {}) });
      }
    } else {
      const res = await scim.post(
        'Bulk',
        {
          schemas: [BULK_REQUEST],
          Operations: memberRun.map((op) => ({
            method: 'PATCH',
            path: `/Groups/${ids[4]}`,
            ...(op.version ? { version: op.version } : {}),
            data: withIds(op.data),
          })),
        },
        { 'x-request-id': 'bulk-run' },
      );
      expect(res.statusCode).toBe(200);
      answers = (res.json().Operations as Json[]).map((op) => ({
        status: op.status as string,
        ...(op.version ? { version: op.version as string } : {}),
      }));
    }
    const group2 = (await scim.get(`Groups/${ids[4]}`)).json();
    const members = (group2.members as Json[]).map((m) => ids.indexOf(m.value as string)).sort();
    return { ids, answers, version: group2.meta.version as string, members };
  }

  it('a run of member PATCHes of one group answers, audits and events each operation as sent alone, in one transaction', async () => {
    const alone = await createTenant(t.app, 'run alone');
    const bulked = await createTenant(t.app, 'run bulked');
    const single = await runScenario(scimAs(t.app, alone.apiKey), 'single');
    const bulk = await runScenario(scimAs(t.app, bulked.apiKey), 'bulk');
    expect(bulk.answers.map((a) => a.status)).toEqual([
      '200',
      '200',
      '200',
      '200',
      '400',
      '200',
      '200',
      '412',
      '400',
      '200',
      '400',
      '400',
    ]);
    expect(bulk.answers).toEqual(single.answers);
    // The last operation's version is what a GET after the Bulk reads.
    expect(bulk.version).toBe('W/"6"');
    expect(bulk.version).toBe(single.version);
    expect(bulk.members).toEqual([0, 1, 2]);
    expect(bulk.members).toEqual(single.members);

    const named = (ids: string[]) => (text: string) =>
      ids.reduce((out, id, i) => out.replaceAll(id, `#${i}`), text);
    const runAudit = async (tenant: TestTenant, ids: string[]) =>
      (await auditEvents(tenant.tenantId))
        .filter((row) => row.operation === 'patch')
        .map((row) => ({
          shape: named(ids)(JSON.stringify([row.resourceType, row.resourceId, row.attributes])),
          requestId: row.requestId as string,
        }));
    const bulkAudit = await runAudit(bulked, bulk.ids);
    const aloneAudit = await runAudit(alone, single.ids);
    expect(bulkAudit.map((row) => row.shape)).toEqual(aloneAudit.map((row) => row.shape));
    // One row per operation that changed a row, with its own request id.
    expect(bulkAudit.map((row) => row.requestId)).toEqual([0, 2, 3, 6, 9].map((i) => `bulk-run/${i}`));

    const runEvents = async (tenant: TestTenant, ids: string[]) =>
      (await feedReader(t.app, tenant.tenantId).poll('group.member_added,group.member_removed')).map((e) => ({
        brief: named(ids)(brief(e)),
        requestId: e.requestId,
      }));
    const bulkEvents = (await runEvents(bulked, bulk.ids)).slice(1); // after the group's creation
    const aloneEvents = (await runEvents(alone, single.ids)).slice(1);
    expect(bulkEvents.map((e) => e.brief)).toEqual(aloneEvents.map((e) => e.brief));
    expect(bulkEvents.map((e) => e.requestId)).toEqual([0, 2, 3, 6, 6, 9].map((i) => `bulk-run/${i}`));

    // One transaction for the whole run: its events share one position (the writing transaction).
    const { rows } = await t.db.client.query<{ transactions: number }>(
      `SELECT count(DISTINCT xid)::int AS transactions FROM change_event
        WHERE tenant_id = $1 AND request_id LIKE 'bulk-run/%'`,
      [bulked.tenantId],
    );
    expect(rows[0].transactions).toBe(1);
  });

  it("another tenant's resources are out of reach, as for single requests", async () => {
    const owner = await createTenant(t.app, 'owner');
    const intruder = await createTenant(t.app, 'intruder');
    const ownerScim = scimAs(t.app, owner.apiKey);
    const intruderScim = scimAs(t.app, intruder.apiKey);
    const user = (await ownerScim.post('Users', newUser('owned@example.com'))).json();
    const group = (await ownerScim.post('Groups', { schemas: [GROUP_SCHEMA], displayName: 'Owned' })).json();
    const operations = [
      {
        method: 'PATCH',
        path: `/Users/${user.id}`,
        data: patchOp({ op: 'replace', path: 'title', value: 'pwned' }),
      },
      { method: 'PUT', path: `/Groups/${group.id}`, data: { schemas: [GROUP_SCHEMA], displayName: 'Pwned' } },
      { method: 'DELETE', path: `/Users/${user.id}` },
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'g',
        data: { schemas: [GROUP_SCHEMA], displayName: 'Mine', members: [{ value: user.id }] },
      },
    ];
    const singles = [
      (await intruderScim.patch(`Users/${user.id}`, operations[0].data)).statusCode,
      (await intruderScim.put(`Groups/${group.id}`, operations[1].data)).statusCode,
      (await intruderScim.delete(`Users/${user.id}`)).statusCode,
      (await intruderScim.post('Groups', { ...(operations[3].data as Json), displayName: 'Mine too' }))
        .statusCode,
    ];
    const res = await intruderScim.post('Bulk', { schemas: [BULK_REQUEST], Operations: operations });
    expect(res.statusCode).toBe(200);
    const statuses = (res.json().Operations as { status: string }[]).map((op) => Number(op.status));
    expect(statuses).toEqual(singles);
    expect(statuses.slice(0, 3)).toEqual([404, 404, 404]);
    const still = (await ownerScim.get(`Users/${user.id}`)).json();
    expect(still.title).toBeUndefined();
    expect((await ownerScim.get(`Groups/${group.id}`)).json().displayName).toBe('Owned');
  });

  it('a Bulk counts against the tenant rate limit as its number of operations', async () => {
    const tenant = await createTenant(t.app, 'limited');
    const scim = scimAs(t.app, tenant.apiKey);
    // Refused by validation, before the database: cheap operations that still count.
    const invalid = (n: number) => ({
      schemas: [BULK_REQUEST],
      Operations: Array.from({ length: n }, (_, i) => ({
        method: 'POST',
        path: '/Users',
        bulkId: `b${i}`,
        data: {},
      })),
    });
    const first = await scim.post('Bulk', invalid(550));
    expect(first.statusCode).toBe(200);
    // 550 of the window's 600 are spent: 100 more do not fit, though it is one request.
    const second = await scim.post('Bulk', invalid(100));
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBeDefined();
    expect(second.json().detail).toMatch(/100 operations/);

    // A Bulk larger than the whole window still runs when the window is its alone, and takes all of it.
    const other = scimAs(t.app, (await createTenant(t.app, 'large')).apiKey);
    expect((await other.post('Bulk', invalid(700))).statusCode).toBe(200);
    expect((await other.get('Users')).statusCode).toBe(429);
  });
});
