import { startTestApp, type TestApp } from '../../support/app.js';
import { EVENTS_ADMIN_TOKEN, feedReader } from '../../support/events.js';
import { GROUP_SCHEMA, newUser, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant, type TestTenant } from '../../support/tenants.js';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
type Json = Record<string, unknown>;
interface Result {
  method: string;
  bulkId?: string;
  status: string;
  version?: string;
  location?: string;
  response?: Json;
}

/**
 * Consecutive user creates run as one transaction in a Bulk (domain/bulk/create-runs.ts): each still
 * answered, audited and evented as sent alone (its own request id), a userName taken by an existing
 * user or an earlier create of the run is that create's 409, an invalid body its 400, failOnErrors
 * stops inside the run, and a run whose transaction fails runs one by one.
 */
describe('/Bulk: runs of user creates', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_TOKEN: EVENTS_ADMIN_TOKEN,
      RATE_LIMIT_RPS: '100000',
      RATE_LIMIT_BURST: '100000',
    });
  });
  afterAll(() => t?.close());

  async function send(
    scim: ScimRequests,
    operations: Json[],
    requestId: string,
    failOnErrors?: number,
  ): Promise<Result[]> {
    const res = await scim.post(
      'Bulk',
      {
        schemas: [BULK_REQUEST],
        ...(failOnErrors !== undefined ? { failOnErrors } : {}),
        Operations: operations,
      },
      { 'x-request-id': requestId },
    );
    expect(res.statusCode).toBe(200);
    return res.json().Operations as Result[];
  }

  const create = (bulkId: string, data: Json) => ({ method: 'POST', path: '/Users', bulkId, data });

  async function auditOf(tenant: TestTenant) {
    const res = await t.app.inject({
      method: 'GET',
      url: `/admin/v1/tenants/${tenant.tenantId}/audit-events`,
      headers: { authorization: `Bearer ${EVENTS_ADMIN_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    return (res.json().events as Json[]).reverse();
  }

  /** The positions (xid) of the events each request id wrote. */
  async function positions(tenant: TestTenant, prefix: string) {
    const { rows } = await t.db.client.query<{ request_id: string; xid: string }>(
      `SELECT request_id, xid::text AS xid FROM change_event
        WHERE tenant_id = $1 AND request_id LIKE $2 ORDER BY seq`,
      [tenant.tenantId, `${prefix}/%`],
    );
    return rows;
  }

  it('a run answers, audits and events each create as sent alone, in one transaction; taken userNames are 409, invalid bodies 400', async () => {
    const tenant = await createTenant(t.app, 'create run');
    const scim = scimAs(t.app, tenant.apiKey);
    const existing = await scim.post('Users', newUser('taken@example.com'));
    expect(existing.statusCode).toBe(201);
    const invalid = { schemas: [USER_SCHEMA], displayName: 'No userName' };
    const operations = [
      create('ann', newUser('ann@example.com')),
      create('taken', newUser('Taken@Example.com')), // an existing user's, in another case
      create('invalid', invalid),
      create('ann again', newUser('ANN@example.com')), // taken by the run's first create
      create('bob', newUser('bob@example.com')),
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'staff',
        data: { schemas: [GROUP_SCHEMA], displayName: 'Staff', members: [{ value: 'bulkId:ann' }] },
      },
    ];
    const results = await send(scim, operations, 'create-run');
    expect(results.map((r) => [r.bulkId, r.status])).toEqual([
      ['ann', '201'],
      ['taken', '409'],
      ['invalid', '400'],
      ['ann again', '409'],
      ['bob', '201'],
      ['staff', '201'],
    ]);

    // The errors are those of the same POSTs sent alone.
    const alone = async (body: Json) => {
      const res = await scim.post('Users', body);
      return { status: String(res.statusCode), response: res.json() as Json };
    };
    expect({ status: results[1].status, response: results[1].response }).toEqual(
      await alone(newUser('Taken@Example.com')),
    );
    expect({ status: results[2].status, response: results[2].response }).toEqual(await alone(invalid));
    expect({ status: results[3].status, response: results[3].response }).toEqual(
      await alone(newUser('ANN@example.com')),
    );
    expect(results[1].response?.scimType).toBe('uniqueness');

    // Each created user as a GET reads it: the answer's version and location are its own.
    const ids: string[] = [];
    for (const k of [0, 4]) {
      const id = results[k].location!.split('/').pop()!;
      ids.push(id);
      const got = await scim.get(`Users/${id}`);
      expect(got.statusCode).toBe(200);
      expect(results[k].version).toBe('W/"1"');
      expect(got.json().meta).toMatchObject({ version: results[k].version, location: results[k].location });
      expect(got.json().userName).toBe(k === 0 ? 'ann@example.com' : 'bob@example.com');
    }
    // The group's bulkId reference resolved to the user the run created.
    const group = (await scim.get(results[5].location!.split('/scim/v2/')[1])).json();
    expect((group.members as Json[]).map((m) => m.value)).toEqual([ids[0]]);

    // One audit row per create that succeeded, with its own request id.
    const audit = (await auditOf(tenant)).filter((row) => String(row.requestId).startsWith('create-run/'));
    expect(audit.map((row) => [row.requestId, row.operation, row.resourceType, row.resourceId])).toEqual([
      ['create-run/0', 'create', 'User', ids[0]],
      ['create-run/4', 'create', 'User', ids[1]],
      ['create-run/5', 'create', 'Group', group.id],
    ]);

    // Its events: user.created of each, with its own request id, as the feed shows them.
    const events = (await feedReader(t.app, tenant.tenantId).poll('user.created')).filter((e) =>
      e.requestId.startsWith('create-run/'),
    );
    expect(events.map((e) => [e.requestId, (e.data.resource as Json).id])).toEqual([
      ['create-run/0', ids[0]],
      ['create-run/4', ids[1]],
    ]);

    // One transaction for the run's two creates; the group's create is a transaction of its own.
    const written = await positions(tenant, 'create-run');
    const runXids = new Set(written.filter((e) => e.request_id !== 'create-run/5').map((e) => e.xid));
    expect(runXids.size).toBe(1);
    expect(written.filter((e) => e.request_id === 'create-run/5').every((e) => !runXids.has(e.xid))).toBe(
      true,
    );
  });

  it('§3.7.3 failOnErrors counts the creates of a run one by one and stops inside it', async () => {
    const tenant = await createTenant(t.app, 'create run fails');
    const scim = scimAs(t.app, tenant.apiKey);
    await scim.post('Users', newUser('taken@example.com'));
    const results = await send(
      scim,
      [
        create('u0', newUser('u0@example.com')),
        create('u1', newUser('taken@example.com')),
        create('u2', newUser('u2@example.com')),
        create('u3', { schemas: [USER_SCHEMA] }),
        create('u4', newUser('u4@example.com')),
        create('u5', newUser('u5@example.com')),
      ],
      'create-stop',
      2,
    );
    expect(results.map((r) => [r.bulkId, r.status])).toEqual([
      ['u0', '201'],
      ['u1', '409'],
      ['u2', '201'],
      ['u3', '400'],
    ]);
    const names = ((await scim.get('Users?count=100')).json().Resources as Json[])
      .map((u) => u.userName)
      .sort();
    expect(names).toEqual(['taken@example.com', 'u0@example.com', 'u2@example.com']);
    const audit = (await auditOf(tenant)).filter((row) => String(row.requestId).startsWith('create-stop/'));
    expect(audit.map((row) => row.requestId)).toEqual(['create-stop/0', 'create-stop/2']);
    expect((await positions(tenant, 'create-stop')).map((e) => e.request_id)).toEqual([
      'create-stop/0',
      'create-stop/2',
    ]);
  });

  it('a run whose transaction fails runs its creates one by one, each answered as alone', async () => {
    const tenant = await createTenant(t.app, 'create run fallback');
    const scim = scimAs(t.app, tenant.apiKey);
    await scim.post('Users', newUser('taken@example.com'));
    // A statement that inserts more than one user fails: the run's one INSERT does, single creates do not.
    await t.db.client.query(`
      CREATE FUNCTION test_one_user_per_statement() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT count(*) FROM inserted) > 1 THEN RAISE EXCEPTION 'one user per statement'; END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER test_one_user_per_statement AFTER INSERT ON scim_user
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION test_one_user_per_statement();`);
    let results: Result[];
    try {
      results = await send(
        scim,
        [
          create('a', newUser('a@example.com')),
          create('b', newUser('taken@example.com')),
          create('c', newUser('c@example.com')),
          create('d', { schemas: [USER_SCHEMA] }),
          create('e', newUser('e@example.com')),
        ],
        'create-fallback',
      );
    } finally {
      await t.db.client.query(`
        DROP TRIGGER test_one_user_per_statement ON scim_user;
        DROP FUNCTION test_one_user_per_statement();`);
    }
    expect(results.map((r) => [r.bulkId, r.status, r.version])).toEqual([
      ['a', '201', 'W/"1"'],
      ['b', '409', undefined],
      ['c', '201', 'W/"1"'],
      ['d', '400', undefined],
      ['e', '201', 'W/"1"'],
    ]);
    const written = await positions(tenant, 'create-fallback');
    expect(written.map((e) => e.request_id)).toEqual([
      'create-fallback/0',
      'create-fallback/2',
      'create-fallback/4',
    ]);
    // One transaction each.
    expect(new Set(written.map((e) => e.xid)).size).toBe(3);
  });
});
