/**
 * What Okta sends, step by step, and what it must get back: the setup an Okta admin follows (Test
 * Connector Configuration, Push New Users, Push Profile Updates, deactivate, Push Groups). Requests are
 * shaped as in Okta's SCIM 2.0 reference and its Runscope SPEC suite (see shared/reference/scim-clients.md
 * §1). Each step reads top to bottom: the request, then the expected response.
 */
import { startTestApp, type TestApp } from '../support/app.js';
import { createTenant } from '../support/tenants.js';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Okta's headers: the token as the admin pasted it, SCIM media types, Okta's user agent. */
function okta(app: NestFastifyApplication, token: string) {
  return (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    app.inject({
      method,
      url,
      headers: {
        'user-agent': 'Okta SCIM Client 1.0.0',
        authorization: `Bearer ${token}`,
        accept: 'application/scim+json',
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
}

describe('Okta provisions a team', () => {
  let t: TestApp;
  let send: ReturnType<typeof okta>;
  let userId: string;
  let otherId: string;
  let groupId: string;

  beforeAll(async () => {
    t = await startTestApp();
    send = okta(t.app, (await createTenant(t.app, 'Acme')).apiKey);
  });
  afterAll(() => t.close());

  it('1. Test Connector Configuration: GET /Users?startIndex=1&count=2 → 200 ListResponse', async () => {
    const res = await send('GET', '/scim/v2/Users?startIndex=1&count=2');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      schemas: [LIST],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('2. Pre-create lookup by userName → 200 with totalResults 0 (never 404)', async () => {
    const res = await send(
      'GET',
      '/scim/v2/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('3. Create user with userType, groups: [] and a random password → 201 with id, no password', async () => {
    const res = await send('POST', '/scim/v2/Users', {
      schemas: [USER],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      userType: 'Editor',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    expect(res.statusCode).toBe(201);
    const user = res.json();
    expect(user).toMatchObject({
      userName: 'test.user@okta.local',
      userType: 'Editor',
      active: true,
      name: { givenName: 'Test', familyName: 'User' },
    });
    expect(user).not.toHaveProperty('password');
    userId = user.id;
    otherId = (
      await send('POST', '/scim/v2/Users', {
        schemas: [USER],
        userName: 'second.user@okta.local',
        name: { givenName: 'Second', familyName: 'User' },
        emails: [{ primary: true, value: 'second.user@okta.local', type: 'work' }],
        active: true,
      })
    ).json().id;
  });

  it('4. The same create again → 409 uniqueness; a lookup in other letter case finds the user', async () => {
    const res = await send('POST', '/scim/v2/Users', {
      schemas: [USER],
      userName: 'TEST.USER@okta.local',
      active: true,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    const found = await send('GET', '/scim/v2/Users?filter=userName%20eq%20%22TEST.USER%40OKTA.LOCAL%22');
    expect(found.json().totalResults).toBe(1);
  });

  it('5. Profile update by GET then PUT of the whole user (App Integration Wizard apps) → 200', async () => {
    const current = (await send('GET', `/scim/v2/Users/${userId}`)).json();
    const res = await send('PUT', `/scim/v2/Users/${userId}`, {
      ...current,
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
      userType: 'Admin',
      meta: { resourceType: 'User' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: userId,
      userType: 'Admin',
      name: { givenName: 'Another', middleName: 'Excited' },
    });
  });

  it('6. Deactivate with PATCH replace {active:false}; the user stays findable; reactivate', async () => {
    const off = await send('PATCH', `/scim/v2/Users/${userId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(off.statusCode).toBe(200);
    expect(off.json().active).toBe(false);
    const lookup = await send('GET', '/scim/v2/Users?filter=userName%20eq%20%22test.user%40okta.local%22');
    expect(lookup.json().Resources[0]).toMatchObject({ id: userId, active: false });
    const on = await send('PATCH', `/scim/v2/Users/${userId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: true } }],
    });
    expect(on.json().active).toBe(true);
  });

  it('7. Deactivate by PUT with active false (AIW apps)', async () => {
    const current = (await send('GET', `/scim/v2/Users/${otherId}`)).json();
    const res = await send('PUT', `/scim/v2/Users/${otherId}`, { ...current, active: false });
    expect(res.json().active).toBe(false);
  });

  it('8. Push Groups: lookup by displayName, POST with members: [], GET', async () => {
    const lookup = await send(
      'GET',
      '/scim/v2/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100',
    );
    expect(lookup.json()).toMatchObject({ totalResults: 0, Resources: [] });
    const res = await send('POST', '/scim/v2/Groups', {
      schemas: [GROUP],
      displayName: 'Test SCIMv2',
      members: [],
    });
    expect(res.statusCode).toBe(201);
    groupId = res.json().id;
    expect(res.json()).toMatchObject({ displayName: 'Test SCIMv2', meta: { resourceType: 'Group' } });
    expect((await send('GET', `/scim/v2/Groups/${groupId}`)).statusCode).toBe(200);
  });

  it('9. Rename carrying the id, then membership add and remove', async () => {
    const rename = await send('PATCH', `/scim/v2/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv2' } }],
    });
    expect(rename.statusCode).toBe(200);
    const add = await send('PATCH', `/scim/v2/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [
        {
          op: 'add',
          path: 'members',
          value: [{ value: userId, display: 'test.user@okta.local' }, { value: otherId }],
        },
      ],
    });
    expect(add.statusCode).toBe(200);
    const remove = await send('PATCH', `/scim/v2/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `members[value eq "${otherId}"]` }],
    });
    expect(remove.statusCode).toBe(200);
    const group = (await send('GET', `/scim/v2/Groups/${groupId}`)).json();
    expect(group.members.map((m: { value: string }) => m.value)).toEqual([userId]);
  });

  it('10. Full push with replace members, then GET + PUT of the group (AIW apps)', async () => {
    const push = await send('PATCH', `/scim/v2/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', path: 'members', value: [{ value: otherId, display: 'second.user@okta.local' }] },
      ],
    });
    expect(push.statusCode).toBe(200);
    const current = (await send('GET', `/scim/v2/Groups/${groupId}`)).json();
    expect(current.members.map((m: { value: string }) => m.value)).toEqual([otherId]);
    const put = await send('PUT', `/scim/v2/Groups/${groupId}`, {
      schemas: [GROUP],
      id: groupId,
      displayName: 'Test SCIMv2',
      members: [{ value: userId }, { value: otherId }],
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().members).toHaveLength(2);
  });

  it('11. Delete the group → 204; the id then answers 404 with a SCIM error', async () => {
    expect((await send('DELETE', `/scim/v2/Groups/${groupId}`)).statusCode).toBe(204);
    const gone = await send('GET', `/scim/v2/Groups/${groupId}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ schemas: [ERROR], status: '404', detail: expect.any(String) });
  });

  it('SPEC suite: unknown user id 010101001010101011001010101011 → 404 with detail', async () => {
    const res = await send('GET', '/scim/v2/Users/010101001010101011001010101011');
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toBeTruthy();
  });

  it('SPEC suite: a bad token → 401 with a SCIM error whose status is the string "401"', async () => {
    const res = await okta(t.app, 'not-a-key')('GET', '/scim/v2/Users?count=1&startIndex=1');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ schemas: [ERROR], status: '401' });
  });
});
