import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startTestApp, type TestApp } from '../../support/app.js';
import {
  ENTERPRISE,
  GROUP_SCHEMA,
  newUser,
  patchOp,
  scimAs,
  USER_SCHEMA,
  type ScimRequests,
} from '../../support/scim-requests.js';
import { createTenant } from '../../support/tenants.js';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

type Json = Record<string, unknown>;
interface Result {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: { status: string; scimType?: string; detail: string; schemas: string[] };
}

/** A fixture of RFC 7644, named by its section. */
function rfc(name: string): Json {
  return JSON.parse(
    readFileSync(resolve(import.meta.dirname, '../../fixtures/rfc7644', name), 'utf8'),
  ) as Json;
}

function bulk(Operations: Json[], extra: Json = {}) {
  return { schemas: [BULK_REQUEST], ...extra, Operations };
}

const idOf = (location: string | undefined) => location?.split('/').pop() ?? '';

describe('/scim/v2/Bulk (RFC 7644 §3.7)', () => {
  let t: TestApp;
  let scim: ScimRequests;

  beforeAll(async () => {
    t = await startTestApp({ BULK_MAX_OPERATIONS: '20', BULK_MAX_PAYLOAD_BYTES: '4096', BODY_LIMIT: '2048' });
    scim = scimAs(t.app, (await createTenant(t.app)).apiKey);
  });
  afterAll(() => t.close());

  async function send(body: unknown, as = scim) {
    const res = await as.post('Bulk', body);
    expect([res.statusCode, res.statusCode === 200 ? '' : res.body]).toEqual([200, '']);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    const answer = res.json() as { schemas: string[]; Operations: Result[] };
    expect(answer.schemas).toEqual([BULK_RESPONSE]);
    return answer.Operations;
  }

  it('§3.7: the RFC example (POST, PUT with version, PATCH, DELETE) answers as the RFC shows', async () => {
    // The RFC's example names three users that exist: they are created first, and the RFC's ids and
    // versions are replaced with theirs (its made-up ETags would be 412 here).
    const request = rfc('3.7-bulk-request.json') as { Operations: Json[] };
    const expected = rfc('3.7-bulk-response.json') as { Operations: Json[] };
    const bob = (await scim.post('Users', newUser('bob.rfc@example.com'))).json();
    const dave = (await scim.post('Users', newUser('dave.rfc@example.com', { nickName: 'D' }))).json();
    const eve = (await scim.post('Users', newUser('eve.rfc@example.com'))).json();
    const ids: Record<string, Json> = {
      'b7c14771-226c-4d05-8860-134711653041': bob,
      '5d8d29d3-342c-4b5f-8683-a3cb6763ffcc': dave,
      'e9025315-6bea-44e1-899c-1e07454e468b': eve,
    };
    let text = JSON.stringify(request);
    for (const [rfcId, user] of Object.entries(ids)) {
      text = text.replaceAll(rfcId, user.id as string);
    }
    const sent = JSON.parse(text) as { Operations: Json[] };
    for (const op of sent.Operations.slice(1)) {
      const user = Object.values(ids).find((u) => (op.path as string).endsWith(u.id as string))!;
      op.version = (user.meta as Json).version;
    }
    const results = await send(sent);
    // Same methods, bulkIds and statuses in the same order; locations and versions are ours.
    expect(results.map(({ method, bulkId, status }) => ({ method, bulkId, status }))).toEqual(
      expected.Operations.map(({ method, bulkId, status }) => ({ method, bulkId, status })),
    );
    expect(results.map((r) => Object.keys(r).sort())).toEqual(
      expected.Operations.map((r) => Object.keys(r).sort()),
    );
    const alice = (await scim.get(`Users/${idOf(results[0].location)}`)).json();
    expect(alice).toMatchObject({ userName: 'Alice', meta: { version: results[0].version } });
    expect(results[0].location).toBe(alice.meta.location);
    expect((await scim.get(`Users/${bob.id}`)).json().userName).toBe('Bob');
    const daveNow = (await scim.get(`Users/${dave.id}`)).json();
    expect(daveNow).toMatchObject({ userName: 'Dave', meta: { version: results[2].version } });
    expect(daveNow.nickName).toBeUndefined();
    expect((await scim.get(`Users/${eve.id}`)).statusCode).toBe(404);
  });

  it('§3.7.2: a group names a user created in the same request by bulkId', async () => {
    // A tenant of its own: the §3.7 example created an Alice already.
    const own = scimAs(t.app, (await createTenant(t.app, '3.7.2')).apiKey);
    const results = await send(rfc('3.7.2-bulk-id-request.json'), own);
    expect(results.map((r) => [r.bulkId, r.status])).toEqual([
      ['qwerty', '201'],
      ['ytrewq', '201'],
    ]);
    const group = (await own.get(`Groups/${idOf(results[1].location)}`)).json();
    expect(group.members.map((m: Json) => m.value)).toEqual([idOf(results[0].location)]);
  });

  it('§3.7.1: circular references are answered 409 for each operation on the cycle, without a hang', async () => {
    const results = await send(rfc('3.7.1-circular-request.json'));
    expect(results.map((r) => [r.bulkId, r.status])).toEqual([
      ['qwerty', '409'],
      ['ytrewq', '409'],
    ]);
    expect(results[0].response).toMatchObject({ schemas: [ERROR], status: '409' });
    expect(results[0].response?.detail).toMatch(/qwerty → ytrewq → qwerty/);
    const found = await scim.get(`Groups?filter=${encodeURIComponent('displayName eq "Group A"')}`);
    expect(found.json().totalResults).toBe(0);
  });

  it('§3.7.3: failOnErrors 1 stops at the first error; the answer lists only what ran', async () => {
    const expected = rfc('3.7.3-fail-on-errors-response.json') as { Operations: Result[] };
    const results = await send(
      bulk(
        [
          { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER_SCHEMA] } },
          { method: 'POST', path: '/Users', bulkId: 'never', data: newUser('never.created@example.com') },
        ],
        { failOnErrors: 1 },
      ),
    );
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      method: expected.Operations[0].method,
      bulkId: expected.Operations[0].bulkId,
      status: expected.Operations[0].status,
      response: { schemas: [ERROR], status: '400' },
    });
    const never = await scim.get(
      `Users?filter=${encodeURIComponent('userName eq "never.created@example.com"')}`,
    );
    expect(never.json().totalResults).toBe(0);
  });

  it('§3.7.4: a body over maxPayloadSize is 413 with the RFC error, even above BODY_LIMIT it is read', async () => {
    const expected = rfc('3.7.4-payload-too-large-response.json');
    const big = bulk([
      {
        method: 'POST',
        path: '/Users',
        bulkId: 'b',
        data: newUser('big@example.com', { title: 'x'.repeat(5000) }),
      },
    ]);
    const res = await scim.post('Bulk', big);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      ...expected,
      detail: (expected.detail as string).replace('1048576', '4096'),
    });
    // Between BODY_LIMIT (2048) and maxPayloadSize (4096): accepted on /Bulk.
    const middle = bulk([
      {
        method: 'POST',
        path: '/Users',
        bulkId: 'm',
        data: newUser('middle@example.com', { title: 'y'.repeat(2500) }),
      },
    ]);
    expect(JSON.stringify(middle).length).toBeGreaterThan(2048);
    const results = await send(middle);
    expect(results[0].status).toBe('201');
    // Elsewhere BODY_LIMIT still holds.
    expect(
      (await scim.post('Users', newUser('middle2@example.com', { title: 'y'.repeat(2500) }))).statusCode,
    ).toBe(413);
  });

  it('more operations than maxOperations is 413 naming the limit, and runs none', async () => {
    const ops = Array.from({ length: 21 }, (_, i) => ({
      method: 'DELETE',
      path: `/Users/00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    }));
    const res = await scim.post('Bulk', bulk(ops));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      schemas: [ERROR],
      status: '413',
      detail: 'The number of operations (21) exceeds maxOperations (20).',
    });
  });

  it('ServiceProviderConfig advertises the limits it enforces', async () => {
    const config = (await scim.get('ServiceProviderConfig')).json();
    expect(config.bulk).toEqual({ supported: true, maxOperations: 20, maxPayloadSize: 4096 });
  });

  it('forward references: a manager and group members named before their POST', async () => {
    const results = await send(
      bulk([
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'team',
          data: {
            schemas: [GROUP_SCHEMA],
            displayName: 'Forward team',
            members: [{ value: 'bulkId:boss' }, { value: 'bulkId:worker' }],
          },
        },
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'worker',
          data: newUser('worker@example.com', {
            schemas: [USER_SCHEMA, ENTERPRISE],
            [ENTERPRISE]: { manager: { value: 'bulkId:boss' } },
          }),
        },
        { method: 'POST', path: '/Users', bulkId: 'boss', data: newUser('boss@example.com') },
        {
          method: 'PATCH',
          path: '/Groups/bulkId:team',
          data: patchOp({ op: 'replace', path: 'displayName', value: 'Forward team (renamed)' }),
        },
      ]),
    );
    // Answered in the request's order, run in dependency order.
    expect(results.map((r) => [r.method, r.bulkId, r.status])).toEqual([
      ['POST', 'team', '201'],
      ['POST', 'worker', '201'],
      ['POST', 'boss', '201'],
      ['PATCH', undefined, '200'],
    ]);
    const [team, worker, boss] = results.map((r) => idOf(r.location));
    expect(idOf(results[3].location)).toBe(team);
    const group = (await scim.get(`Groups/${team}`)).json();
    expect(group.displayName).toBe('Forward team (renamed)');
    expect(group.members.map((m: Json) => m.value).sort()).toEqual([boss, worker].sort());
    const workerNow = (await scim.get(`Users/${worker}`)).json();
    expect(workerNow[ENTERPRISE].manager.value).toBe(boss);
  });

  it('an unknown bulkId fails that operation (400 invalidValue); the others run', async () => {
    const results = await send(
      bulk([
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: {
            schemas: [GROUP_SCHEMA],
            displayName: 'Unknown ref',
            members: [{ value: 'bulkId:nobody' }],
          },
        },
        { method: 'POST', path: '/Users', bulkId: 'u', data: newUser('after.unknown@example.com') },
      ]),
    );
    expect(results.map((r) => r.status)).toEqual(['400', '201']);
    expect(results[0].response).toMatchObject({
      scimType: 'invalidValue',
      detail: expect.stringContaining('nobody'),
    });
  });

  it('an operation naming the bulkId of a failed POST fails too (409); nothing of it is written', async () => {
    await scim.post('Users', newUser('taken@example.com'));
    const results = await send(
      bulk([
        { method: 'POST', path: '/Users', bulkId: 'dup', data: newUser('taken@example.com') },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: {
            schemas: [GROUP_SCHEMA],
            displayName: 'Of a failed user',
            members: [{ value: 'bulkId:dup' }],
          },
        },
      ]),
    );
    expect(results.map((r) => r.status)).toEqual(['409', '409']);
    expect(results[0].response?.scimType).toBe('uniqueness');
    const found = await scim.get(`Groups?filter=${encodeURIComponent('displayName eq "Of a failed user"')}`);
    expect(found.json().totalResults).toBe(0);
  });

  it('mixed successes and failures: each operation is its own unit, the earlier ones stay', async () => {
    const target = (await scim.post('Users', newUser('mixed@example.com'))).json();
    const results = await send(
      bulk([
        { method: 'POST', path: '/Users', bulkId: 'a', data: newUser('mixed.a@example.com') },
        {
          method: 'PATCH',
          path: `/Users/${target.id}`,
          version: 'W/"99"',
          data: patchOp({ op: 'replace', path: 'title', value: 'no' }),
        },
        {
          method: 'PUT',
          path: '/Users/00000000-0000-4000-8000-000000000000',
          data: newUser('ghost@example.com'),
        },
        { method: 'POST', path: '/Users', bulkId: 'b', data: newUser('mixed.a@example.com') },
        { method: 'GET', path: `/Users/${target.id}` },
        { method: 'POST', path: '/Things', bulkId: 'c', data: {} },
        { method: 'POST', path: '/Users', data: newUser('no.bulkid@example.com') },
        {
          method: 'PATCH',
          path: `/Users/${target.id}`,
          version: target.meta.version,
          data: patchOp({ op: 'replace', path: 'title', value: 'yes' }),
        },
        { method: 'DELETE', path: `/Users/${target.id}`, version: target.meta.version },
      ]),
    );
    expect(results.map((r) => [r.method, r.status, r.response?.scimType])).toEqual([
      ['POST', '201', undefined],
      ['PATCH', '412', undefined],
      ['PUT', '404', undefined],
      ['POST', '409', 'uniqueness'],
      ['GET', '400', 'invalidSyntax'],
      ['POST', '400', 'invalidPath'],
      ['POST', '400', 'invalidSyntax'],
      ['PATCH', '200', undefined],
      ['DELETE', '412', undefined],
    ]);
    const now = (await scim.get(`Users/${target.id}`)).json();
    expect(now).toMatchObject({ title: 'yes', meta: { version: results[7].version } });
  });

  it('creates pipelined in one flush fail one by one: a conflict rolls back only its own operation', async () => {
    // Small: this app's limits are 20 operations and 4096 bytes.
    const ops = Array.from({ length: 18 }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `p${i}`,
      // Every third repeats the userName of the one before it (case differs: unique case-insensitively).
      data: { schemas: [USER_SCHEMA], userName: i % 3 === 2 ? `PIPE${i - 1}@x.io` : `pipe${i}@x.io` },
    }));
    const results = await send(bulk(ops));
    expect(results.map((r) => r.status)).toEqual(ops.map((_, i) => (i % 3 === 2 ? '409' : '201')));
    const listed = await scim.get(`Users?filter=${encodeURIComponent('userName sw "pipe"')}&count=100`);
    expect(listed.json().totalResults).toBe(12);
  });

  it('a PATCH that fails inside its transaction leaves the connection clean for the operations after it', async () => {
    const user = (await scim.post('Users', newUser('clean@example.com'))).json();
    await scim.post('Users', newUser('clean.taken@example.com'));
    const results = await send(
      bulk([
        // The second PATCH operation of the request fails in the database (a userName taken), after
        // its row was locked: its transaction is rolled back, the creates after it are not affected.
        {
          method: 'PATCH',
          path: `/Users/${user.id}`,
          data: patchOp({ op: 'replace', path: 'title', value: 'One' }),
        },
        {
          method: 'PATCH',
          path: `/Users/${user.id}`,
          data: patchOp({ op: 'replace', path: 'userName', value: 'CLEAN.TAKEN@example.com' }),
        },
        { method: 'POST', path: '/Users', bulkId: 'after1', data: newUser('clean.after1@example.com') },
        { method: 'POST', path: '/Users', bulkId: 'after2', data: newUser('clean.after2@example.com') },
      ]),
    );
    expect(results.map((r) => r.status)).toEqual(['200', '409', '201', '201']);
    const now = (await scim.get(`Users/${user.id}`)).json();
    expect(now).toMatchObject({ userName: 'clean@example.com', title: 'One' });
  });

  it('failOnErrors 2: stops after the second error, whatever follows', async () => {
    const results = await send(
      bulk(
        [
          { method: 'POST', path: '/Users', bulkId: 'f1', data: newUser('foe1@example.com') },
          { method: 'DELETE', path: '/Users/00000000-0000-4000-8000-000000000001' },
          { method: 'POST', path: '/Users', bulkId: 'f2', data: newUser('foe2@example.com') },
          { method: 'DELETE', path: '/Users/00000000-0000-4000-8000-000000000002' },
          { method: 'POST', path: '/Users', bulkId: 'f3', data: newUser('foe3@example.com') },
        ],
        { failOnErrors: 2 },
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['201', '404', '201', '404']);
    const third = await scim.get(`Users?filter=${encodeURIComponent('userName eq "foe3@example.com"')}`);
    expect(third.json().totalResults).toBe(0);
  });

  it('a request that is no BulkRequest is 400 and runs nothing', async () => {
    for (const body of [
      { Operations: [] },
      { schemas: [BULK_REQUEST] },
      { schemas: [BULK_REQUEST], Operations: [] },
      { schemas: [BULK_REQUEST], failOnErrors: 0, Operations: [{ method: 'DELETE', path: '/Users/x' }] },
      [],
    ]) {
      const res = await scim.post('Bulk', body);
      expect([JSON.stringify(body), res.statusCode]).toEqual([JSON.stringify(body), 400]);
    }
  });

  it('/Me answers 501 with a SCIM error, whatever the method', async () => {
    for (const res of [
      await scim.get('Me'),
      await scim.post('Me', newUser('me@example.com')),
      await scim.put('Me', newUser('me@example.com')),
      await scim.patch('Me', patchOp({ op: 'replace', path: 'title', value: 'x' })),
      await scim.delete('Me'),
    ]) {
      expect(res.statusCode).toBe(501);
      expect(res.json()).toMatchObject({ schemas: [ERROR], status: '501' });
    }
  });
});
