import { teamRoleOf } from '../../src/domain/team/roles.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { signIn, tokenOf, withSession } from '../support/console.js';
import { newUser, scimAs, GROUP_SCHEMA, type ScimRequests } from '../support/scim-requests.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

const ADMIN_TOKEN = 'operator-token-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const OKTA = { 'user-agent': 'Okta SCIM Client 1.0.0' };

interface Member {
  id: string;
  userName: string;
  role: string;
  userType?: string;
  active: boolean;
  groups: { id: string; displayName: string }[];
  [field: string]: unknown;
}

describe('the team API /admin/v1/tenants/{id}/members, groups, connection', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let scim: ScimRequests;
  const ids: Record<string, string> = {};
  const groups: Record<string, string> = {};

  async function get(url: string) {
    return t.app.inject({ method: 'GET', url, headers: ADMIN });
  }
  async function members(query = '', tenantId = acme.tenantId) {
    const res = await get(`/admin/v1/tenants/${tenantId}/members${query}`);
    expect(res.statusCode).toBe(200);
    return res.json<{ members: Member[]; nextCursor?: string }>();
  }
  const names = (page: { members: Member[] }) => page.members.map((m) => m.userName.split('@')[0]);

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN });
    acme = await createTenant(t.app, 'Acme');
    globex = await createTenant(t.app, 'Globex');
    scim = scimAs(t.app, acme.apiKey);
    const people: [string, Record<string, unknown>][] = [
      ['alice', { displayName: 'Alice Adams', userType: 'Admin' }],
      ['bob', { name: { givenName: 'Bob', familyName: 'Brown' }, userType: 'Editor' }],
      ['carol', { displayName: 'Carol Clark', active: false }],
      ['dave', { displayName: 'Dave Doe', userType: 'Viewer' }],
      ['eve', { displayName: 'Eve Evans', userType: 'Admin', externalId: 'okta-eve' }],
    ];
    for (const [name, extra] of people) {
      const res = await scim.post('Users', newUser(`${name}@acme.test`, extra), OKTA);
      expect(res.statusCode).toBe(201);
      ids[name] = res.json().id;
    }
    // Stored before userType was canonicalised, or by hand: the role still follows it case-insensitively.
    await t.db.client.query("UPDATE scim_user SET user_type = 'aDmIn' WHERE id = $1", [ids.eve]);
    await t.db.client.query("UPDATE scim_user SET user_type = 'Owner' WHERE id = $1", [ids.dave]);
    for (const [displayName, memberNames] of [
      ['Engineering', ['alice', 'bob']],
      ['Sales', ['carol']],
      ['Empty', []],
    ] as const) {
      const res = await scim.post(
        'Groups',
        { schemas: [GROUP_SCHEMA], displayName, members: memberNames.map((n) => ({ value: ids[n] })) },
        OKTA,
      );
      expect(res.statusCode).toBe(201);
      groups[displayName] = res.json().id;
    }
    const other = scimAs(t.app, globex.apiKey);
    ids.zed = (await other.post('Users', newUser('zed@globex.test', { userType: 'Admin' }))).json().id;
    groups.Globex = (
      await other.post('Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Globex Team',
        members: [{ value: ids.zed }],
      })
    ).json().id;
  });
  afterAll(() => t?.close());

  it('lists members by name with role, status and groups (userType as sent beside the role)', async () => {
    const page = await members();
    expect(names(page)).toEqual(['alice', 'bob', 'carol', 'dave', 'eve']);
    expect(page.nextCursor).toBeUndefined();
    expect(page.members[0]).toEqual({
      id: ids.alice,
      userName: 'alice@acme.test',
      displayName: 'Alice Adams',
      name: { givenName: 'Test', familyName: 'User' },
      email: 'alice@acme.test',
      role: 'Admin',
      userType: 'Admin',
      active: true,
      groups: [{ id: groups.Engineering, displayName: 'Engineering' }],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const byName = Object.fromEntries(page.members.map((m) => [m.userName.split('@')[0], m]));
    expect(byName.bob).toMatchObject({ role: 'Editor', name: { givenName: 'Bob', familyName: 'Brown' } });
    expect(byName.bob.displayName).toBeUndefined();
    expect(byName.carol).toMatchObject({ role: 'Viewer', active: false });
    expect(byName.carol.userType).toBeUndefined();
    expect(byName.dave).toMatchObject({ role: 'Viewer', userType: 'Owner' });
    expect(byName.eve).toMatchObject({
      role: 'Admin',
      userType: 'aDmIn',
      externalId: 'okta-eve',
      groups: [],
    });
  });

  it.each([
    ['?role=Admin', ['alice', 'eve']],
    ['?role=admin', ['alice', 'eve']],
    ['?role=Editor', ['bob']],
    ['?role=VIEWER', ['carol', 'dave']],
    ['?status=deactivated', ['carol']],
    ['?status=active', ['alice', 'bob', 'dave', 'eve']],
    ['?group=GROUP:Engineering', ['alice', 'bob']],
    ['?group=GROUP:Empty', []],
    ['?group=GROUP:Globex', []],
    ['?search=ROWN', ['bob']],
    ['?search=carol%40', ['carol']],
    ['?search=acme.test&role=Admin&status=active', ['alice', 'eve']],
    ['?search=%25', []],
    ['?search=_', []],
    ['?sort=userName&order=desc', ['eve', 'dave', 'carol', 'bob', 'alice']],
    ['?sort=role', ['alice', 'eve', 'bob', 'carol', 'dave']],
    ['?sort=role&order=desc', ['dave', 'carol', 'bob', 'eve', 'alice']],
    ['?sort=name&order=desc', ['eve', 'dave', 'carol', 'bob', 'alice']],
  ])('%s', async (query, expected) => {
    const resolved = query.replace(/GROUP:(\w+)/, (_m, name: string) => groups[name]);
    expect(names(await members(resolved))).toEqual(expected);
  });

  it.each([
    'sort=name&order=asc',
    'sort=name&order=desc',
    'sort=userName&order=asc',
    'sort=role&order=asc',
    'sort=role&order=desc',
  ])('pages %s with cursors: every member once, in the order of one page', async (order) => {
    const whole = names(await members(`?${order}`));
    const seen: string[] = [];
    let after: string | undefined;
    for (let pageNumber = 0; pageNumber < 10; pageNumber += 1) {
      const page = await members(`?${order}&limit=2${after ? `&after=${after}` : ''}`);
      seen.push(...names(page));
      after = page.nextCursor;
      if (!after) break;
    }
    expect(seen).toEqual(whole);
    expect(after).toBeUndefined();
  });

  it('a cursor works only with the order that issued it', async () => {
    const first = await members('?limit=2');
    const res = await get(
      `/admin/v1/tenants/${acme.tenantId}/members?sort=userName&limit=2&after=${first.nextCursor}`,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ schemas: [SCIM_ERROR], scimType: 'invalidCursor' });
  });

  it.each([
    'role=Owner',
    'status=gone',
    'sort=age',
    'order=up',
    'limit=0',
    'limit=201',
    'limit=ten',
    'group=not-a-uuid',
    'after=!!',
    'after=eyJ4IjoxfQ',
    'colour=red',
    'search=a&search=b',
    `search=${'x'.repeat(201)}`,
  ])('members?%s is a SCIM 400', async (query) => {
    const res = await get(`/admin/v1/tenants/${acme.tenantId}/members?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '400' });
  });

  it("a member's page: the team view, the SCIM User as SCIM returns it, and the history", async () => {
    await scim.patch(`Users/${ids.bob}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }],
    });
    const res = await get(`/admin/v1/tenants/${acme.tenantId}/members/${ids.bob}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.member).toMatchObject({
      id: ids.bob,
      role: 'Editor',
      groups: [{ displayName: 'Engineering' }],
    });
    const scimUser = await scim.get(`Users/${ids.bob}`);
    expect(body.resource).toEqual(scimUser.json());
    expect(body.history.map((event: { operation: string }) => event.operation)).toEqual(['patch', 'create']);
    expect(body.history[0]).toMatchObject({
      resourceType: 'User',
      resourceId: ids.bob,
      actor: `api-key:${acme.apiKeyId}`,
      apiKeyId: acme.apiKeyId,
      attributes: ['title'],
    });
  });

  it('another tenant’s member, group or an unknown id is 404', async () => {
    for (const url of [
      `/admin/v1/tenants/${acme.tenantId}/members/${ids.zed}`,
      `/admin/v1/tenants/${acme.tenantId}/members/00000000-0000-4000-8000-000000000000`,
      `/admin/v1/tenants/${acme.tenantId}/members/nope`,
      `/admin/v1/tenants/${acme.tenantId}/groups/${groups.Globex}`,
      `/admin/v1/tenants/${acme.tenantId}/groups/${groups.Globex}/members`,
      `/admin/v1/tenants/${acme.tenantId}/groups/nope/members`,
      `/admin/v1/tenants/00000000-0000-4000-8000-000000000000/members`,
    ]) {
      const res = await get(url);
      expect([url, res.statusCode]).toEqual([url, 404]);
    }
    expect(names(await members('', globex.tenantId))).toEqual(['zed']);
  });

  it('lists groups by name with member counts, searched and paged', async () => {
    const res = await get(`/admin/v1/tenants/${acme.tenantId}/groups`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      groups: [
        {
          id: groups.Empty,
          displayName: 'Empty',
          memberCount: 0,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
        {
          id: groups.Engineering,
          displayName: 'Engineering',
          memberCount: 2,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
        {
          id: groups.Sales,
          displayName: 'Sales',
          memberCount: 1,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      ],
    });
    const searched = await get(`/admin/v1/tenants/${acme.tenantId}/groups?search=ENG`);
    expect(searched.json().groups.map((g: { displayName: string }) => g.displayName)).toEqual([
      'Engineering',
    ]);

    const seen: string[] = [];
    let after: string | undefined;
    for (let pageNumber = 0; pageNumber < 5; pageNumber += 1) {
      const page = (
        await get(`/admin/v1/tenants/${acme.tenantId}/groups?limit=1${after ? `&after=${after}` : ''}`)
      ).json();
      seen.push(...page.groups.map((g: { displayName: string }) => g.displayName));
      after = page.nextCursor;
      if (!after) break;
    }
    expect(seen).toEqual(['Empty', 'Engineering', 'Sales']);
    expect((await get(`/admin/v1/tenants/${acme.tenantId}/groups?limit=500`)).statusCode).toBe(400);
  });

  it("a group's page and its members, paged in member id order", async () => {
    const detail = await get(`/admin/v1/tenants/${acme.tenantId}/groups/${groups.Engineering}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json().group).toMatchObject({ displayName: 'Engineering', memberCount: 2 });
    expect(detail.json().history).toEqual([
      expect.objectContaining({ operation: 'create', resourceType: 'Group', resourceId: groups.Engineering }),
    ]);

    const expected = [ids.alice, ids.bob].sort();
    const first = (
      await get(`/admin/v1/tenants/${acme.tenantId}/groups/${groups.Engineering}/members?limit=1`)
    ).json();
    expect(first.members.map((m: Member) => m.id)).toEqual([expected[0]]);
    const second = (
      await get(
        `/admin/v1/tenants/${acme.tenantId}/groups/${groups.Engineering}/members?limit=1&after=${first.nextCursor}`,
      )
    ).json();
    expect(second.members.map((m: Member) => m.id)).toEqual([expected[1]]);
    expect(second.nextCursor).toBeUndefined();
    const wrongCursor = await get(
      `/admin/v1/tenants/${acme.tenantId}/groups/${groups.Engineering}/members?after=${(await members('?limit=1')).nextCursor}`,
    );
    expect(wrongCursor.statusCode).toBe(400);
  });

  it('filters the audit trail by resource type, resource id and operation', async () => {
    const trail = async (query: string) => {
      const res = await get(`/admin/v1/tenants/${acme.tenantId}/audit-events?${query}`);
      expect(res.statusCode).toBe(200);
      return res.json().events as { resourceType: string; resourceId: string; operation: string }[];
    };
    const userCreates = await trail('resourceType=User&operation=create');
    expect(userCreates.map((e) => e.resourceId).sort()).toEqual(
      [ids.alice, ids.bob, ids.carol, ids.dave, ids.eve].sort(),
    );
    expect((await trail(`resourceId=${ids.alice}`)).map((e) => e.operation)).toEqual(['create']);
    expect((await trail('resourceType=Group')).every((e) => e.resourceType === 'Group')).toBe(true);
    expect(await trail('operation=delete')).toEqual([]);
    for (const query of [
      'resourceType=Person',
      'operation=upsert',
      'resourceId=',
      'resourceType=User&resourceType=Group',
    ]) {
      const res = await get(`/admin/v1/tenants/${acme.tenantId}/audit-events?${query}`);
      expect([query, res.statusCode]).toEqual([query, 400]);
    }
  });

  it("the connection: SCIM base URL, the identity provider's last request and its last error", async () => {
    const url = `/admin/v1/tenants/${acme.tenantId}/connection`;
    const before = (await get(url)).json();
    expect(before.scimBaseUrl).toMatch(/^http:\/\/localhost(:\d+)?\/scim\/v2$/);
    expect(before).toMatchObject({
      lastRequestApiKeyId: acme.apiKeyId,
      lastRequestUserAgent: 'Okta SCIM Client 1.0.0',
    });
    expect(Date.parse(before.lastRequestAt)).not.toBeNaN();
    expect(before.lastError).toBeUndefined();

    const bad = await scim.get('Users?filter=userName%20zz%20%22x%22', OKTA);
    expect(bad.statusCode).toBe(400);
    // Recorded after the response, off the request's path: wait for it (bounded).
    let health = before;
    for (let attempt = 0; attempt < 50 && !health.lastError; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      health = (await get(url)).json();
    }
    expect(health.lastError).toEqual({
      at: expect.any(String),
      status: 400,
      scimType: 'invalidFilter',
      detail: bad.json().detail,
      method: 'GET',
      path: '/scim/v2/Users',
    });
    // Another tenant sees none of it.
    const other = (await get(`/admin/v1/tenants/${globex.tenantId}/connection`)).json();
    expect(other.lastError).toBeUndefined();
  });

  it("a customer admin's session reads its own team, and another tenant's team is 404", async () => {
    const link = await t.app.inject({
      method: 'POST',
      url: `/admin/v1/tenants/${globex.tenantId}/setup-links`,
      headers: ADMIN,
    });
    const session = await signIn(t.app, { setupToken: tokenOf(link.json().url) });
    const own = await withSession(t.app, session, 'GET', `/admin/v1/tenants/${globex.tenantId}/members`);
    expect(own.json().members.map((m: Member) => m.userName)).toEqual(['zed@globex.test']);
    for (const path of [
      'members',
      `members/${ids.alice}`,
      'groups',
      `groups/${groups.Engineering}`,
      'connection',
    ]) {
      const res = await withSession(t.app, session, 'GET', `/admin/v1/tenants/${acme.tenantId}/${path}`);
      expect([path, res.statusCode]).toEqual([path, 404]);
    }
  });

  it('the team_role column and teamRoleOf agree on every userType (case-insensitive; absent or unknown is Viewer)', async () => {
    const values = [
      'Admin',
      'admin',
      'ADMIN',
      'Editor',
      'eDiToR',
      'Viewer',
      'viewer',
      '',
      'Owner',
      ' Admin',
      null,
    ];
    for (const value of values) {
      await t.db.client.query('UPDATE scim_user SET user_type = $2 WHERE id = $1', [ids.zed, value]);
      const { rows } = await t.db.client.query('SELECT team_role FROM scim_user WHERE id = $1', [ids.zed]);
      expect([value, rows[0].team_role]).toEqual([value, teamRoleOf(value)]);
    }
  });
});
