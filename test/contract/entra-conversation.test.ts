/**
 * What Microsoft Entra ID sends, step by step, and what it must get back, from Microsoft's provisioning
 * tutorial and its SCIM compliance notes (see shared/reference/scim-clients.md §2): form-encoded filters,
 * capitalised PATCH ops, string booleans, value-filter paths, the enterprise extension, and member
 * removal with a value array.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTenant } from '../support/tenants.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function entra(app: NestFastifyApplication, token: string) {
  return (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
}

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

describe('Entra ID provisions a team', () => {
  let t: TestApp;
  let send: ReturnType<typeof entra>;
  let userId: string;
  let managerId: string;
  let groupId: string;

  beforeAll(async () => {
    t = await startTestApp();
    send = entra(t.app, (await createTenant(t.app, 'Contoso')).apiKey);
  });
  afterAll(() => t.close());

  it('1. Test Connection: a random GUID as userName, and a group lookup without members → 200 empty lists', async () => {
    const users = await send(
      'GET',
      '/scim/v2/Users?filter=userName+eq+%227d42a1d0-61c5-4b36-a0bb-0b1b4a6b7c35%22',
    );
    expect(users.statusCode).toBe(200);
    expect(users.json()).toMatchObject({ totalResults: 0, Resources: [] });
    const groups = await send(
      'GET',
      '/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22a1b2%22',
    );
    expect(groups.statusCode).toBe(200);
    expect(groups.json().totalResults).toBe(0);
  });

  it('2. Match by externalId, then create with the enterprise extension, roles: [] and nulls → 201', async () => {
    const lookup = await send(
      'GET',
      '/scim/v2/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22',
    );
    expect(lookup.json().totalResults).toBe(0);
    managerId = (
      await send('POST', '/scim/v2/Users', { schemas: [USER], userName: 'manager@contoso.com', active: true })
    ).json().id;
    const res = await send('POST', '/scim/v2/Users', {
      schemas: [USER, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa@contoso.com',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      addresses: null,
      phoneNumbers: null,
      title: null,
      preferredLanguage: null,
      [ENTERPRISE]: { department: 'Sales', employeeNumber: 'E-1' },
    });
    expect(res.statusCode).toBe(201);
    userId = res.json().id;
    expect(res.json()[ENTERPRISE]).toEqual({ department: 'Sales', employeeNumber: 'E-1' });
    const byExternalId = await send(
      'GET',
      '/scim/v2/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22',
    );
    expect(byExternalId.json().Resources[0].id).toBe(userId);
  });

  it('3. Default-job PATCH: capitalised ops, value-filter path, extension path → 200', async () => {
    const res = await send(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        { op: 'Replace', path: 'externalId', value: 'Eqpj' },
        { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Eqpj' },
        { op: 'Add', path: 'nickName', value: 'Babs' },
      ),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      emails: [{ type: 'work', value: 'updatedEmail@microsoft.com', primary: true }],
      name: { familyName: 'updatedFamilyName' },
      externalId: 'Eqpj',
      nickName: 'Babs',
      [ENTERPRISE]: { employeeNumber: 'Eqpj' },
    });
  });

  it('4. aadOptscim062020 PATCH: path-less replace whose keys are paths', async () => {
    const res = await send(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({
        op: 'replace',
        value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', [`${ENTERPRISE}:employeeNumber`]: 'Aklq' },
      }),
    );
    expect(res.json()).toMatchObject({
      displayName: 'Bjfe',
      name: { givenName: 'Kkom' },
      [ENTERPRISE]: { employeeNumber: 'Aklq' },
    });
  });

  it('5. Manager as a bare id string comes back as {value}', async () => {
    const res = await send(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'Add', path: `${ENTERPRISE}:manager`, value: managerId }),
    );
    expect(res.json()[ENTERPRISE].manager).toEqual({ value: managerId });
  });

  it('6. Filter on emails[type eq "work"].value eq "…" finds the user', async () => {
    const filter = encodeURIComponent('emails[type eq "work"].value eq "updatedEmail@microsoft.com"');
    const res = await send('GET', `/scim/v2/Users?filter=${filter}`);
    expect(res.json().Resources.map((u: { id: string }) => u.id)).toEqual([userId]);
  });

  it('7. Disable with "False" as a string; the disabled user is still returned; enable with "True"', async () => {
    const off = await send(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'Replace', path: 'active', value: 'False' }),
    );
    expect(off.json().active).toBe(false);
    expect((await send('GET', `/scim/v2/Users/${userId}`)).json().active).toBe(false);
    const on = await send(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'Replace', path: 'active', value: 'True' }),
    );
    expect(on.json().active).toBe(true);
  });

  it('8. Groups: create with the MS schema URI, add several members, remove with a value array and with a filter', async () => {
    const created = await send('POST', '/scim/v2/Groups', {
      schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expect(created.statusCode).toBe(201);
    groupId = created.json().id;
    const add = await send(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch({
        op: 'Add',
        path: 'members',
        value: [
          { $ref: null, value: userId },
          { $ref: null, value: managerId },
        ],
      }),
    );
    expect(add.statusCode).toBe(200);
    const removeByValue = await send(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch({ op: 'Remove', path: 'members', value: [{ $ref: null, value: managerId }] }),
    );
    expect(removeByValue.statusCode).toBe(200);
    let group = (await send('GET', `/scim/v2/Groups/${groupId}`)).json();
    expect(group.members.map((m: { value: string }) => m.value)).toEqual([userId]);
    await send(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch({ op: 'remove', path: `members[value eq "${userId}"]` }),
    );
    group = (await send('GET', `/scim/v2/Groups/${groupId}?excludedAttributes=members`)).json();
    expect(group).not.toHaveProperty('members');
    expect((await send('GET', `/scim/v2/Groups/${groupId}`)).json()).not.toHaveProperty('members');
  });

  it('9. Rename and Add externalId on an existing group; find it by id eq', async () => {
    const res = await send(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch(
        { op: 'Replace', path: 'displayName', value: 'Renamed' },
        { op: 'Add', path: 'externalId', value: 'obj-2' },
      ),
    );
    expect(res.json()).toMatchObject({ displayName: 'Renamed', externalId: 'obj-2' });
    const byId = await send('GET', `/scim/v2/Groups?filter=id+eq+%22${groupId}%22`);
    expect(byId.json().totalResults).toBe(1);
  });

  it('10. Hard delete → 204, then 404', async () => {
    expect((await send('DELETE', `/scim/v2/Users/${userId}`)).statusCode).toBe(204);
    expect((await send('GET', `/scim/v2/Users/${userId}`)).statusCode).toBe(404);
  });
});
