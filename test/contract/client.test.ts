import {
  createScimClient,
  ScimClientError,
  type Group,
  type ScimClient,
  type User,
} from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { contractOf } from '../support/contract.js';
import { createTenant } from '../support/tenants.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * The generated TypeScript client (clients/typescript) against a live server on a real port: what
 * another service does with it. Every response it gets is also checked against the OpenAPI document.
 */
describe('TypeScript client against a live server', () => {
  let t: TestApp;
  let scim: ScimClient;
  let baseUrl: string;
  const requested: string[] = [];

  /** fetch, recording URLs and checking every answer against the contract. */
  const checkedFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const url = new URL(request.url);
    requested.push(`${request.method} ${url.pathname}${url.search}`);
    contractOf(t.app).assert({
      method: request.method,
      url: `${url.pathname}${url.search}`,
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: await response.clone().text(),
    });
    return response;
  };

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.getHttpServer().address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const { apiKey } = await createTenant(t.app);
    scim = createScimClient({ baseUrl, apiKey, fetch: checkedFetch });
  });
  afterAll(() => t.close());

  const createUser = async (userName: string, extra: Partial<User> = {}) => {
    const { data, response } = await scim.POST('/scim/v2/Users', {
      body: {
        schemas: [USER],
        userName,
        name: { givenName: 'Client', familyName: 'Test' },
        emails: [{ value: userName, type: 'work', primary: true }],
        userType: 'Editor',
        ...extra,
      },
    });
    expect(response.status).toBe(201);
    return data;
  };

  it('creates a user and reads its typed fields back', async () => {
    const user = await createUser('client.create@example.com');
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user.userName).toBe('client.create@example.com');
    expect(user.userType).toBe('Editor');
    expect(user.meta?.location).toBe(`${baseUrl}/scim/v2/Users/${user.id}`);

    const { data: read } = await scim.GET('/scim/v2/Users/{id}', { params: { path: { id: user.id } } });
    expect(read.name?.givenName).toBe('Client');
  });

  it('finds a user with a filter', async () => {
    await createUser('client.filter@example.com');
    const { data } = await scim.GET('/scim/v2/Users', {
      params: { query: { filter: 'userName eq "CLIENT.FILTER@example.com"' } },
    });
    expect(data.totalResults).toBe(1);
    expect(data.Resources[0].userName).toBe('client.filter@example.com');
  });

  it("patches a group's members and reads them back", async () => {
    const member = await createUser('client.member@example.com');
    const { data: group } = await scim.POST('/scim/v2/Groups', {
      body: { schemas: [GROUP], displayName: 'Client Group', members: [] },
    });
    await scim.PATCH('/scim/v2/Groups/{id}', {
      params: { path: { id: group.id } },
      body: { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: member.id }] }] },
    });
    const { data: patched } = await scim.GET('/scim/v2/Groups/{id}', { params: { path: { id: group.id } } });
    expect(patched.members?.map((m) => [m.value, m.type])).toEqual([[member.id, 'User']]);
  });

  it('deletes a user; reading it then throws a typed 404', async () => {
    const user = await createUser('client.delete@example.com');
    const { response } = await scim.DELETE('/scim/v2/Users/{id}', { params: { path: { id: user.id } } });
    expect(response.status).toBe(204);
    const error = await scim
      .GET('/scim/v2/Users/{id}', { params: { path: { id: user.id } } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ScimClientError);
    expect(error).toMatchObject({ status: 404, detail: expect.any(String) });
  });

  it('a duplicate userName throws a typed 409 with scimType uniqueness', async () => {
    await createUser('client.twice@example.com');
    const error: unknown = await createUser('CLIENT.TWICE@example.com').catch((e) => e);
    expect(error).toBeInstanceOf(ScimClientError);
    const scimError = error as ScimClientError;
    expect([scimError.status, scimError.scimType]).toEqual([409, 'uniqueness']);
    expect(scimError.message).toContain('409 uniqueness');
  });

  it('the raw openapi-fetch client answers errors as { error } with the SCIM error body', async () => {
    const { data, error, response } = await scim.raw.GET('/scim/v2/Users/{id}', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ status: '404', schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'] });
  });

  it('pages through a list with RFC 9865 cursors, first cursor= then each nextCursor', async () => {
    for (let i = 0; i < 5; i++) await createUser(`client.page${i}@example.com`);
    requested.length = 0;
    const pageSizes: number[] = [];
    for await (const page of scim.pages('/scim/v2/Users', {
      filter: 'userName sw "client.page"',
      count: 2,
    })) {
      pageSizes.push(page.Resources.length);
    }
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(requested[0]).toMatch(/[?&]cursor=(&|$)/);
    expect(requested.slice(1).every((url) => /cursor=[A-Za-z0-9_-]+/.test(url))).toBe(true);

    const names: string[] = [];
    for await (const user of scim.list('/scim/v2/Users', { filter: 'userName sw "client.page"', count: 2 })) {
      names.push(user.userName ?? '');
    }
    expect(names.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `client.page${i}@example.com`));
  });

  it('lists groups with the same iterator, typed as groups', async () => {
    const groups: Group[] = [];
    for await (const group of scim.list('/scim/v2/Groups', { count: 1 })) groups.push(group);
    expect(groups.map((g) => g.displayName)).toContain('Client Group');
  });

  it('reads the ServiceProviderConfig', async () => {
    const { data } = await scim.GET('/scim/v2/ServiceProviderConfig');
    expect(data.patch.supported).toBe(true);
    expect(data.pagination?.cursor).toBe(true);
  });

  it('sends the API key as a bearer token: a wrong key throws a typed 401', async () => {
    const stranger = createScimClient({ baseUrl, apiKey: 'not-a-key' });
    const error = await stranger.GET('/scim/v2/ServiceProviderConfig').catch((e) => e);
    expect(error).toMatchObject({ name: 'ScimClientError', status: 401 });
  });
});
