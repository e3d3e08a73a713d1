import { startTestApp, type TestApp } from '../../support/app.js';
import { GROUP_SCHEMA, newUser, patchOp, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant } from '../../support/tenants.js';

/** Tenant B walks every SCIM route with tenant A's ids and names: 404 or empty, never a leak or a write. */
describe('tenant isolation', () => {
  let t: TestApp;
  let a: ScimRequests;
  let b: ScimRequests;
  let userA: { id: string; userName: string; meta: { version: string } };
  let groupA: { id: string; displayName: string; meta: { version: string } };

  beforeAll(async () => {
    t = await startTestApp();
    a = scimAs(t.app, (await createTenant(t.app, 'A')).apiKey);
    b = scimAs(t.app, (await createTenant(t.app, 'B')).apiKey);
    userA = (await a.post('Users', newUser('alice@a.example', { externalId: 'a-1' }))).json();
    groupA = (
      await a.post('Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'A team',
        members: [{ value: userA.id }],
      })
    ).json();
  });
  afterAll(() => t.close());

  const byId = () => [
    ['GET', `Users/${userA.id}`],
    ['PUT', `Users/${userA.id}`],
    ['PATCH', `Users/${userA.id}`],
    ['DELETE', `Users/${userA.id}`],
    ['GET', `Groups/${groupA.id}`],
    ['PUT', `Groups/${groupA.id}`],
    ['PATCH', `Groups/${groupA.id}`],
    ['DELETE', `Groups/${groupA.id}`],
  ];

  it('answers 404 on every by-id route', async () => {
    for (const [method, url] of byId()) {
      const body =
        method === 'PUT'
          ? url.startsWith('Users')
            ? newUser('mallory@b.example')
            : { schemas: [GROUP_SCHEMA], displayName: 'Taken over' }
          : patchOp({ op: 'replace', path: 'displayName', value: 'pwned' });
      const res =
        method === 'GET'
          ? await b.get(url)
          : method === 'DELETE'
            ? await b.delete(url)
            : method === 'PUT'
              ? await b.put(url, body)
              : await b.patch(url, body);
      expect([method, url, res.statusCode]).toEqual([method, url, 404]);
    }
  });

  it.each([
    ['Users?filter=userName%20eq%20%22alice%40a.example%22'],
    ['Users?filter=externalId%20eq%20%22a-1%22'],
    [`Users?filter=id%20eq%20%22${'ID'}%22`],
    ['Users'],
    ['Groups?filter=displayName%20eq%20%22A%20team%22'],
    ['Groups'],
  ])('lists nothing of tenant A: %s', async (url) => {
    const res = await b.get(url.replace('ID', userA.id));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('finds nothing through the .search endpoints', async () => {
    for (const url of ['Users/.search', 'Groups/.search', '.search']) {
      const res = await b.post(url, { filter: `id eq "${userA.id}" or id eq "${groupA.id}"` });
      expect([url, res.statusCode, res.json().totalResults]).toEqual([url, 200, 0]);
    }
  });

  it("cannot put tenant A's user into its own group", async () => {
    const res = await b.post('Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'B team',
      members: [{ value: userA.id }],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().scimType).toBe('invalidValue');
  });

  it("may reuse tenant A's userName and group name: uniqueness is per tenant", async () => {
    expect((await b.post('Users', newUser('alice@a.example'))).statusCode).toBe(201);
    expect((await b.post('Groups', { schemas: [GROUP_SCHEMA], displayName: 'A team' })).statusCode).toBe(201);
  });

  it("left tenant A's data untouched", async () => {
    const user = (await a.get(`Users/${userA.id}`)).json();
    expect(user.meta.version).toBe(userA.meta.version);
    const group = (await a.get(`Groups/${groupA.id}`)).json();
    expect(group.meta.version).toBe(groupA.meta.version);
    expect(group.displayName).toBe('A team');
    expect(group.members.map((m: { value: string }) => m.value)).toEqual([userA.id]);
  });
});
