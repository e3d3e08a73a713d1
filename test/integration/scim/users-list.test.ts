import { startTestApp, type TestApp } from '../../support/app.js';
import { newUser, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant } from '../../support/tenants.js';

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

describe('GET /scim/v2/Users lists (RFC 7644 §3.4.2, RFC 9865)', () => {
  let t: TestApp;
  let scim: ScimRequests;
  const names = Array.from({ length: 12 }, (_, i) => `user${String(i).padStart(2, '0')}@example.com`);

  beforeAll(async () => {
    t = await startTestApp();
    scim = scimAs(t.app, (await createTenant(t.app)).apiKey);
    for (const [i, name] of names.entries()) {
      const res = await scim.post(
        'Users',
        newUser(name, {
          externalId: `ext-${i}`,
          active: i % 3 !== 0,
          title: i % 2 === 0 ? 'Engineer' : 'Designer',
        }),
      );
      expect(res.statusCode).toBe(201);
    }
  });
  afterAll(() => t.close());

  const list = async (query: string) => {
    const res = await scim.get(`Users${query}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    return res.json();
  };

  it("Okta's Test Connector Configuration: startIndex=1&count=2", async () => {
    const page = await list('?startIndex=1&count=2');
    expect(page).toMatchObject({ schemas: [LIST], totalResults: 12, startIndex: 1, itemsPerPage: 2 });
    expect(page.Resources).toHaveLength(2);
  });

  it('an unknown userName gives 200 and an empty ListResponse, never 404', async () => {
    const page = await list('?filter=userName%20eq%20%22nobody%40example.com%22&startIndex=1&count=100');
    expect(page).toEqual({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it.each([
    ['Okta %20 encoding', '?filter=userName%20eq%20%22USER03%40example.com%22'],
    ['Entra + encoding', '?filter=userName+eq+%22user03%40example.com%22'],
  ])('finds a user by userName case-insensitively (%s)', async (_name, query) => {
    const page = await list(query);
    expect(page.totalResults).toBe(1);
    expect(page.Resources[0].userName).toBe('user03@example.com');
  });

  it('filters on externalId, and finds inactive users too', async () => {
    const page = await list(`?filter=${encodeURIComponent('externalId eq "ext-3"')}`);
    expect(page.Resources.map((u: { userName: string; active: boolean }) => [u.userName, u.active])).toEqual([
      ['user03@example.com', false],
    ]);
  });

  it('combines and/or/not with value paths', async () => {
    const filter =
      'title eq "Engineer" and not (active eq false) and emails[type eq "work" and value ew "example.com"]';
    const page = await list(`?filter=${encodeURIComponent(filter)}&count=100`);
    const expected = names.filter((_, i) => i % 2 === 0 && i % 3 !== 0);
    expect(page.Resources.map((u: { userName: string }) => u.userName).sort()).toEqual(expected);
    expect(page.totalResults).toBe(expected.length);
  });

  it('answers a bad filter with 400 invalidFilter naming the position', async () => {
    const res = await scim.get(`Users?filter=${encodeURIComponent('userName eq')}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      status: '400',
      scimType: 'invalidFilter',
      detail: expect.stringMatching(/position/),
    });
  });

  it('pages by index with a stable order; past the end is empty with the same totalResults', async () => {
    const seen: string[] = [];
    for (let start = 1; start <= 12; start += 5) {
      const page = await list(`?startIndex=${start}&count=5`);
      expect(page.startIndex).toBe(start);
      expect(page.itemsPerPage).toBe(page.Resources.length);
      seen.push(...page.Resources.map((u: { id: string }) => u.id));
    }
    expect(new Set(seen).size).toBe(12);
    const past = await list('?startIndex=50&count=5');
    expect(past).toMatchObject({ totalResults: 12, itemsPerPage: 0, Resources: [] });
  });

  it('clamps startIndex below 1 to 1, negative count to 0, and count=0 gives totalResults only', async () => {
    expect((await list('?startIndex=-4&count=1')).startIndex).toBe(1);
    expect(await list('?count=0')).toMatchObject({ totalResults: 12, itemsPerPage: 0, Resources: [] });
    expect(await list('?count=-3')).toMatchObject({ totalResults: 12, itemsPerPage: 0 });
  });

  it('answers a non-numeric count with 400 invalidValue', async () => {
    const res = await scim.get('Users?count=ten');
    expect(res.statusCode).toBe(400);
    expect(res.json().scimType).toBe('invalidValue');
  });

  it('sorts by userName descending (RFC 7644 §3.4.2.3)', async () => {
    const page = await list('?sortBy=userName&sortOrder=descending&count=3');
    expect(page.Resources.map((u: { userName: string }) => u.userName)).toEqual([
      names[11],
      names[10],
      names[9],
    ]);
  });

  it('walks every user with cursors (RFC 9865), each exactly once', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages++) {
      const page = await list(`?cursor=${cursor}&count=5`);
      seen.push(...page.Resources.map((u: { userName: string }) => u.userName));
      if (!page.nextCursor) break;
      expect(page.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
      cursor = page.nextCursor;
    }
    expect(seen.sort()).toEqual(names);
  });

  it('walks a sorted list with cursors too', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages++) {
      const page = await list(`?sortBy=title&cursor=${cursor}&count=4`);
      seen.push(...page.Resources.map((u: { userName: string }) => u.userName));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect([...seen].sort()).toEqual(names);
  });

  it('answers a forged cursor with 400 invalidCursor', async () => {
    const res = await scim.get('Users?cursor=bm90LWEtY3Vyc29y');
    expect(res.statusCode).toBe(400);
    expect(res.json().scimType).toBe('invalidCursor');
  });

  it('POST /Users/.search takes the same parameters in a SearchRequest body (RFC 7644 §3.4.3)', async () => {
    const res = await scim.post('Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "user1"',
      attributes: ['userName'],
      sortBy: 'userName',
      startIndex: 1,
      count: 10,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().Resources).toEqual([
      { schemas: expect.any(Array), id: expect.any(String), userName: 'user10@example.com' },
      { schemas: expect.any(Array), id: expect.any(String), userName: 'user11@example.com' },
    ]);
  });
});
