import { startTestApp, type TestApp } from '../../support/app.js';
import {
  ENTERPRISE,
  GROUP_SCHEMA,
  USER_SCHEMA,
  newUser,
  patchOp,
  scimAs,
  type ScimRequests,
} from '../../support/scim-requests.js';
import { createTenant, type TestTenant } from '../../support/tenants.js';

const ADMIN_TOKEN = 'operator-token-0123456789abcdef';

/** `{"a":{"a":…{"a":"x"}…}}`, `depth` objects deep, as text (building it as an object would recurse). */
function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '"x"' + '}'.repeat(depth);
}

describe('protocol details identity providers and SCIM clients trip on', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let scim: ScimRequests;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN });
    tenant = await createTenant(t.app, 'Protocol details');
    scim = scimAs(t.app, tenant.apiKey);
  });
  afterAll(() => t?.close());

  async function createUser(userName: string, extra: Record<string, unknown> = {}) {
    const res = await scim.post('Users', newUser(userName, extra));
    expect(res.statusCode).toBe(201);
    return res.json() as Record<string, unknown> & { id: string };
  }

  async function listIds(filter: string): Promise<string[]> {
    const res = await scim.get(`Users?filter=${encodeURIComponent(filter)}&count=1000`);
    expect(res.statusCode).toBe(200);
    return (res.json().Resources as { id: string }[]).map((r) => r.id);
  }

  function expectScimError(res: { statusCode: number; json(): unknown }, status: number, scimType?: string) {
    expect(res.statusCode).toBe(status);
    const body = res.json() as Record<string, unknown>;
    expect(body.status).toBe(String(status));
    if (scimType) expect(body.scimType).toBe(scimType);
  }

  describe('repeated query parameters are a 400, never a 500 (RFC 7644 §3.4.2, §3.9)', () => {
    let id: string;
    beforeAll(async () => {
      id = (await createUser('repeated@example.com')).id;
    });

    it.each([
      ['GET one user, attributes twice', () => `Users/${id}?attributes=userName&attributes=emails`],
      [
        'GET one user, excludedAttributes twice',
        () => `Users/${id}?excludedAttributes=emails&excludedAttributes=name`,
      ],
      ['GET the list, attributes twice', () => 'Users?attributes=userName&attributes=emails'],
      ['GET the list, filter twice', () => 'Users?filter=userName%20pr&filter=active%20pr'],
      ['GET the list, sortBy twice', () => 'Users?sortBy=userName&sortBy=name.givenName'],
      ['GET the list, count twice', () => 'Users?count=1&count=2'],
      [
        'GET the groups, excludedAttributes twice',
        () => 'Groups?excludedAttributes=members&excludedAttributes=x',
      ],
    ])('%s', async (_name, url) => {
      expectScimError(await scim.get(url()), 400, 'invalidValue');
    });

    it('PATCH with attributes twice answers 400 and changes nothing', async () => {
      const res = await scim.patch(
        `Users/${id}?attributes=userName&attributes=active`,
        patchOp({ op: 'replace', path: 'active', value: false }),
      );
      expectScimError(res, 400, 'invalidValue');
      expect((await scim.get(`Users/${id}`)).json().active).toBe(true);
    });
  });

  describe('nesting depth is capped at parse time', () => {
    it('a PATCH value nested 3,000 levels deep is 400 invalidSyntax', async () => {
      const { id } = await createUser('deep-patch@example.com');
      const body = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"${ENTERPRISE}:department","value":${nested(3000)}}]}`;
      expectScimError(await scim.patch(`Users/${id}`, body), 400, 'invalidSyntax');
    });

    it('a POST body nested deeper than the cap is 400 invalidSyntax; the operator API too', async () => {
      const body = `{"schemas":["${USER_SCHEMA}"],"userName":"deep@example.com","x":${nested(100)}}`;
      expectScimError(await scim.post('Users', body), 400, 'invalidSyntax');
      const admin = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/tenants',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        payload: `{"name":"deep","x":${nested(100)}}`,
      });
      expectScimError(admin, 400, 'invalidSyntax');
    });

    it('a body nested a little (an IdP extension object) is fine', async () => {
      const res = await scim.post('Users', {
        ...newUser('shallow@example.com'),
        x: JSON.parse(nested(20)) as unknown,
      });
      expect(res.statusCode).toBe(201);
    });
  });

  describe('U+0000 is refused as 400 invalidValue, never stored', () => {
    it.each([
      ['a core attribute kept only in data', 'nul-title', { title: 'Boss\u0000' }],
      ['an extension attribute', 'nul-department', { [ENTERPRISE]: { department: 'R\u0000D' } }],
      ['a column-backed attribute', 'nul-display', { displayName: 'A\u0000B' }],
      ['an attribute name', 'nul-name', { 'ti\u0000tle': 'Boss' }],
      ['an unknown attribute', 'nul-unknown', { custom: ['\u0000'] }],
    ])('on create: %s', async (_name, userName, extra) => {
      const res = await scim.post('Users', newUser(`${userName}@example.com`, extra));
      expectScimError(res, 400, 'invalidValue');
      expect(await listIds(`userName eq "${userName}@example.com"`)).toEqual([]);
    });

    it('in the operator API', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/tenants',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        payload: { name: 'Nul\u0000tenant' },
      });
      expect(res.statusCode).toBe(400);
    });

    it('on PATCH and PUT of a user and a group', async () => {
      const user = await createUser('nul-patch@example.com');
      expectScimError(
        await scim.patch(`Users/${user.id}`, patchOp({ op: 'add', path: 'nickName', value: 'x\u0000' })),
        400,
        'invalidValue',
      );
      expectScimError(
        await scim.put(`Users/${user.id}`, newUser('nul-patch@example.com', { nickName: '\u0000' })),
        400,
        'invalidValue',
      );
      const group = await scim.post('Groups', { schemas: [GROUP_SCHEMA], displayName: 'Nul group' });
      expect(group.statusCode).toBe(201);
      expectScimError(
        await scim.patch(
          `Groups/${group.json().id}`,
          patchOp({ op: 'replace', path: 'externalId', value: 'e\u0000' }),
        ),
        400,
        'invalidValue',
      );
      expect((await scim.get(`Users/${user.id}`)).json().nickName).toBeUndefined();
    });

    it('in a filter, a sortBy or an attributes list', async () => {
      expectScimError(
        await scim.get(`Users?filter=${encodeURIComponent('title eq "a\u0000"')}`),
        400,
        'invalidFilter',
      );
      expectScimError(
        await scim.get(`Users?filter=${encodeURIComponent('displayName eq "a\u0000"')}`),
        400,
        'invalidFilter',
      );
      expect((await scim.get(`Users?sortBy=${encodeURIComponent('title\u0000')}`)).statusCode).toBe(400);
      expect((await scim.get(`Users?attributes=${encodeURIComponent('title\u0000')}`)).statusCode).toBe(400);
      // In a body, the whole body is refused before the filter is read.
      const search = await scim.post('Users/.search', { filter: 'nickName co "\u0000"' });
      expectScimError(search, 400, 'invalidValue');
    });
  });

  describe('a JSON content type with an empty body (Okta sends the header on every request)', () => {
    it.each(['application/json', 'application/scim+json', 'application/scim+json; charset=utf-8'])(
      'GET and DELETE with Content-Type %s and no body succeed',
      async (contentType) => {
        const { id } = await createUser(`empty-body-${contentType.length}@example.com`);
        const got = await scim.get(`Users/${id}`, { 'content-type': contentType });
        expect(got.statusCode).toBe(200);
        const list = await scim.get('Users?count=1', { 'content-type': contentType, 'content-length': '0' });
        expect(list.statusCode).toBe(200);
        expect((await scim.delete(`Users/${id}`, { 'content-type': contentType })).statusCode).toBe(204);
      },
    );

    it('the operator API accepts it too', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/admin/v1/tenants',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        payload: { name: 'Empty body tenant' },
      });
      expect(created.statusCode).toBe(201);
      const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
      const url = `/admin/v1/tenants/${created.json().id}`;
      expect((await t.app.inject({ method: 'GET', url, headers })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'DELETE', url, headers })).statusCode).toBe(204);
    });

    it('a form-encoded body is 415 like any media type but JSON (RFC 7644 §3.1)', async () => {
      const res = await scim.post('Users', 'userName=form%40example.com', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expectScimError(res, 415);
      expect(await listIds('userName eq "form@example.com"')).toEqual([]);
    });

    it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', '#*', 'application/json'])(
      'DELETE is 204 whatever its Content-Type says (%s), like GET: its body is never read',
      async (contentType) => {
        const { id } = await createUser(`delete-${contentType.replace(/\W/g, '-')}@example.com`);
        const res = await scim.delete(`Users/${id}`, { 'content-type': contentType, 'content-length': '0' });
        expect(res.statusCode).toBe(204);
        const other = await createUser(`delete-body-${contentType.replace(/\W/g, '-')}@example.com`);
        const withBody = await t.app.inject({
          method: 'DELETE',
          url: `/scim/v2/Users/${other.id}`,
          headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': contentType },
          payload: 'not json',
        });
        expect(withBody.statusCode).toBe(204);
      },
    );

    it('PUT with a plain-text body is 415 and changes nothing', async () => {
      const { id } = await createUser('put-text@example.com');
      const res = await scim.put(`Users/${id}`, 'userName=changed@example.com', {
        'content-type': 'text/plain',
      });
      expectScimError(res, 415);
      expect(await listIds('userName eq "changed@example.com"')).toEqual([]);
    });

    it('POST, PUT and PATCH with an empty body are still 400 invalidSyntax', async () => {
      const { id } = await createUser('empty-write@example.com');
      expectScimError(await scim.post('Users', ''), 400, 'invalidSyntax');
      expectScimError(await scim.put(`Users/${id}`, ''), 400, 'invalidSyntax');
      expectScimError(await scim.patch(`Users/${id}`, ''), 400, 'invalidSyntax');
    });
  });

  it('PATCH of a whole extension whose value carries "schemas" (Python SCIM clients) sets the attributes', async () => {
    const { id } = await createUser('python-client@example.com');
    const res = await scim.patch(
      `Users/${id}`,
      patchOp({
        op: 'add',
        path: ENTERPRISE,
        value: { schemas: [ENTERPRISE], employeeNumber: '42' },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()[ENTERPRISE]).toEqual({ employeeNumber: '42' });
    expect(res.json().schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
  });

  describe('userType is what the identity provider sent', () => {
    it('a user created without userType has none, and userType filters agree', async () => {
      const plain = await createUser('no-type@example.com');
      const viewer = await createUser('viewer@example.com', { userType: 'Viewer' });
      expect(plain.userType).toBeUndefined();
      expect((await scim.get(`Users/${plain.id}`)).json().userType).toBeUndefined();
      expect(viewer.userType).toBe('Viewer');
      const viewers = await listIds('userType eq "Viewer"');
      expect(viewers).toContain(viewer.id);
      expect(viewers).not.toContain(plain.id);
      expect(await listIds('userType pr')).not.toContain(plain.id);
      expect(await listIds('not (userType pr)')).toContain(plain.id);
    });

    it('removing userType leaves it absent, not "Viewer"', async () => {
      const { id } = await createUser('demoted@example.com', { userType: 'Admin' });
      const res = await scim.patch(`Users/${id}`, patchOp({ op: 'remove', path: 'userType' }));
      expect(res.statusCode).toBe(200);
      expect(res.json().userType).toBeUndefined();
      expect(await listIds('userType eq "Viewer"')).not.toContain(id);
      expect(await listIds('userType pr')).not.toContain(id);
      const put = await scim.put(`Users/${id}`, newUser('demoted@example.com', { userType: 'Editor' }));
      expect(put.json().userType).toBe('Editor');
      const cleared = await scim.put(`Users/${id}`, newUser('demoted@example.com'));
      expect(cleared.json().userType).toBeUndefined();
    });
  });

  describe('active: a user is active unless told otherwise, and reads and filters agree', () => {
    it('a user created without active is returned active and matches active eq true', async () => {
      const { active: _active, ...body } = newUser('no-active@example.com');
      const created = await scim.post('Users', body);
      expect(created.statusCode).toBe(201);
      const id = created.json().id as string;
      expect(created.json().active).toBe(true);
      expect((await scim.get(`Users/${id}`)).json().active).toBe(true);
      expect(await listIds('active eq true')).toContain(id);
      expect(await listIds('active eq false')).not.toContain(id);
    });

    it('a PUT without active keeps it; a PATCH remove of active makes the user active again', async () => {
      const { id } = await createUser('toggle@example.com', { active: false });
      const { active: _active, ...body } = newUser('toggle@example.com', { displayName: 'Toggle' });
      const put = await scim.put(`Users/${id}`, body);
      expect(put.statusCode).toBe(200);
      expect(put.json().active).toBe(false);
      expect(await listIds('active eq false')).toContain(id);
      const removed = await scim.patch(`Users/${id}`, patchOp({ op: 'remove', path: 'active' }));
      expect(removed.statusCode).toBe(200);
      expect(removed.json().active).toBe(true);
      expect(await listIds('active eq true')).toContain(id);
    });
  });

  describe('POST /.search at the root (RFC 7644 §3.4.3)', () => {
    it('finds users and groups', async () => {
      const user = await createUser('root-search@example.com', { displayName: 'Root Search Match' });
      const group = await scim.post('Groups', { schemas: [GROUP_SCHEMA], displayName: 'Root Search Match' });
      expect(group.statusCode).toBe(201);
      const res = await scim.post('/scim/v2/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'displayName eq "Root Search Match"',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().totalResults).toBe(2);
      expect((res.json().Resources as { id: string }[]).map((r) => r.id)).toEqual([user.id, group.json().id]);
      const usersOnly = await scim.post('/scim/v2/.search', {
        filter: 'userName eq "root-search@example.com"',
      });
      expect(usersOnly.statusCode).toBe(200);
      expect((usersOnly.json().Resources as { id: string }[]).map((r) => r.id)).toEqual([user.id]);
    });

    it('a filter that fits neither Users nor Groups is 400 invalidFilter', async () => {
      const res = await scim.post('/scim/v2/.search', { filter: 'noSuchAttribute eq "x"' });
      expectScimError(res, 400, 'invalidFilter');
    });
  });
});
