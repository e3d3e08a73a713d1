/**
 * The change events the Okta and Entra conversations (okta-conversation.test.ts,
 * entra-conversation.test.ts) produce: their writes replayed step by step, and after each step the
 * exact events that appeared in the tenant's feed (docs/events.md). A write that changes nothing
 * (Okta's rename to the same name, a PUT of the same members) appends nothing.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startTestApp, type TestApp } from '../support/app.js';
import { brief, EVENTS_ADMIN_TOKEN, feedReader, type FeedEvent } from '../support/events.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

function client(app: NestFastifyApplication, token: string, userAgent: string) {
  return (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    app.inject({
      method,
      url,
      headers: {
        'user-agent': userAgent,
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
}

/** Member events of one statement come in member id order: compare them in that order. */
const byMember = (...lines: string[]) => [...lines].sort();

describe('change events of the Okta conversation', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let send: ReturnType<typeof client>;
  let feed: ReturnType<typeof feedReader>;
  let userId: string;
  let otherId: string;
  let groupId: string;
  const seen: FeedEvent[] = [];

  const next = async () => {
    const events = await feed.poll();
    seen.push(...events);
    return events;
  };

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN: EVENTS_ADMIN_TOKEN });
    tenant = await createTenant(t.app, 'Acme');
    send = client(t.app, tenant.apiKey, 'Okta SCIM Client 1.0.0');
    feed = feedReader(t.app, tenant.tenantId);
  });
  afterAll(() => t.close());

  it('creates two users (user.created each, with the resource, request id and key); a 409 appends nothing', async () => {
    const created = await send('POST', '/scim/v2/Users', {
      schemas: [USER],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      externalId: '00ujl29u0le5T6Aj10h7',
      userType: 'Editor',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    userId = created.json().id;
    otherId = (
      await send('POST', '/scim/v2/Users', {
        schemas: [USER],
        userName: 'second.user@okta.local',
        active: true,
      })
    ).json().id;
    expect(
      (await send('POST', '/scim/v2/Users', { schemas: [USER], userName: 'TEST.USER@okta.local' }))
        .statusCode,
    ).toBe(409);
    const events = await next();
    expect(events.map(brief)).toEqual([`user.created ${userId}`, `user.created ${otherId}`]);
    expect(events[0]).toMatchObject({
      tenantId: tenant.tenantId,
      apiKeyId: tenant.apiKeyId,
      requestId: created.headers['x-request-id'],
      data: {
        version: 1,
        resource: {
          schemas: [USER],
          id: userId,
          userName: 'test.user@okta.local',
          userType: 'Editor',
          externalId: '00ujl29u0le5T6Aj10h7',
          meta: { resourceType: 'User', version: 'W/"1"' },
        },
      },
    });
    expect(events[0].data.resource).not.toHaveProperty('password');
  });

  it('PUT with a new name and userType Admin: user.updated, then user.role_changed Editor → Admin', async () => {
    const current = (await send('GET', `/scim/v2/Users/${userId}`)).json();
    await send('PUT', `/scim/v2/Users/${userId}`, {
      ...current,
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
      userType: 'Admin',
    });
    const events = await next();
    expect(events.map(brief)).toEqual([`user.updated ${userId}`, `user.role_changed ${userId}`]);
    expect(events[0].data.changedAttributes).toEqual(['name', 'userType']);
    expect(events[0].data.resource.meta.version).toBe('W/"2"');
    expect(events[1].data.role).toEqual({ from: 'Editor', to: 'Admin' });
  });

  it('deactivate and reactivate by PATCH, deactivate by PUT', async () => {
    await send('PATCH', `/scim/v2/Users/${userId}`, patch({ op: 'replace', value: { active: false } }));
    await send('PATCH', `/scim/v2/Users/${userId}`, patch({ op: 'replace', value: { active: true } }));
    const other = (await send('GET', `/scim/v2/Users/${otherId}`)).json();
    await send('PUT', `/scim/v2/Users/${otherId}`, { ...other, active: false });
    const events = await next();
    expect(events.map(brief)).toEqual([
      `user.updated ${userId}`,
      `user.deactivated ${userId}`,
      `user.updated ${userId}`,
      `user.reactivated ${userId}`,
      `user.updated ${otherId}`,
      `user.deactivated ${otherId}`,
    ]);
    expect(events[0].data.changedAttributes).toEqual(['active']);
    expect(events[1].data.resource).toMatchObject({ id: userId, active: false });
  });

  it('Push Groups: group.created; a rename to the same name appends nothing; members added and removed one event each', async () => {
    groupId = (
      await send('POST', '/scim/v2/Groups', { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] })
    ).json().id;
    await send(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch({ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv2' } }),
    );
    await send(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch({ op: 'add', path: 'members', value: [{ value: userId }, { value: otherId }] }),
    );
    await send(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch({ op: 'remove', path: `members[value eq "${otherId}"]` }),
    );
    const events = await next();
    expect(events.map(brief)).toEqual([
      `group.created ${groupId}`,
      ...byMember(`group.member_added ${groupId} ${userId}`, `group.member_added ${groupId} ${otherId}`),
      `group.member_removed ${groupId} ${otherId}`,
    ]);
    expect(events[0].data.resource).toEqual({
      schemas: [GROUP],
      id: groupId,
      displayName: 'Test SCIMv2',
      meta: { resourceType: 'Group', version: 'W/"1"' },
    });
    expect(events[1].data).toEqual({
      version: 1,
      group: { id: groupId, displayName: 'Test SCIMv2', externalId: null },
      member: { value: expect.any(String), type: 'User' },
    });
  });

  it('replace members, then a PUT with both: only the rows that changed are events', async () => {
    await send(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch({ op: 'replace', path: 'members', value: [{ value: otherId }] }),
    );
    await send('PUT', `/scim/v2/Groups/${groupId}`, {
      schemas: [GROUP],
      id: groupId,
      displayName: 'Test SCIMv2',
      members: [{ value: userId }, { value: otherId }],
    });
    expect((await next()).map(brief)).toEqual([
      `group.member_removed ${groupId} ${userId}`,
      `group.member_added ${groupId} ${otherId}`,
      `group.member_added ${groupId} ${userId}`,
    ]);
  });

  it('delete the group: group.deleted naming it (its own memberships go with it)', async () => {
    await send('DELETE', `/scim/v2/Groups/${groupId}`);
    const events = await next();
    expect(events.map(brief)).toEqual([`group.deleted ${groupId}`]);
    expect(events[0].data.resource).toEqual({
      id: groupId,
      displayName: 'Test SCIMv2',
      externalId: null,
      meta: { resourceType: 'Group' },
    });
  });

  it('the whole conversation, read again from the start, is the same sequence with unique ids', async () => {
    const again = feedReader(t.app, tenant.tenantId);
    const all = await again.poll();
    expect(all.map((event) => event.id)).toEqual(seen.map((event) => event.id));
    expect(new Set(all.map((event) => event.id)).size).toBe(all.length);
  });
});

describe('change events of the Entra conversation', () => {
  let t: TestApp;
  let send: ReturnType<typeof client>;
  let feed: ReturnType<typeof feedReader>;
  let userId: string;
  let managerId: string;
  let groupId: string;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN: EVENTS_ADMIN_TOKEN });
    const tenant = await createTenant(t.app, 'Contoso');
    send = client(t.app, tenant.apiKey, 'Azure Active Directory SCIM client');
    feed = feedReader(t.app, tenant.tenantId);
  });
  afterAll(() => t.close());

  it('creates the manager and the user with the enterprise extension', async () => {
    managerId = (
      await send('POST', '/scim/v2/Users', { schemas: [USER], userName: 'manager@contoso.com', active: true })
    ).json().id;
    userId = (
      await send('POST', '/scim/v2/Users', {
        schemas: [USER, ENTERPRISE],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'Test_User_00aa00aa@contoso.com',
        active: true,
        emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' }],
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
        addresses: null,
        title: null,
        [ENTERPRISE]: { department: 'Sales', employeeNumber: 'E-1' },
      })
    ).json().id;
    const events = await feed.poll();
    expect(events.map(brief)).toEqual([`user.created ${managerId}`, `user.created ${userId}`]);
    expect(events[1].data.resource[ENTERPRISE]).toEqual({ department: 'Sales', employeeNumber: 'E-1' });
  });

  it('the default-job, path-less and manager PATCHes: one user.updated each, naming what changed', async () => {
    await send(
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
    await send(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'replace', value: { displayName: 'Bjfe', 'name.givenName': 'Kkom' } }),
    );
    await send(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'Add', path: `${ENTERPRISE}:manager`, value: managerId }),
    );
    const events = await feed.poll();
    expect(events.map(brief)).toEqual([
      `user.updated ${userId}`,
      `user.updated ${userId}`,
      `user.updated ${userId}`,
    ]);
    expect(events.map((event) => event.data.changedAttributes)).toEqual([
      ['emails', 'externalId', 'name', 'nickName', `${ENTERPRISE}:employeeNumber`],
      ['displayName', 'name'],
      [`${ENTERPRISE}:manager`],
    ]);
  });

  it('disable with "False" and enable with "True"', async () => {
    await send('PATCH', `/scim/v2/Users/${userId}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    await send('PATCH', `/scim/v2/Users/${userId}`, patch({ op: 'Replace', path: 'active', value: 'True' }));
    expect((await feed.poll()).map(brief)).toEqual([
      `user.updated ${userId}`,
      `user.deactivated ${userId}`,
      `user.updated ${userId}`,
      `user.reactivated ${userId}`,
    ]);
  });

  it('a group: created, two members added, removed by value array and by filter, renamed', async () => {
    groupId = (
      await send('POST', '/scim/v2/Groups', {
        schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
      })
    ).json().id;
    await send(
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
    await send(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch({ op: 'Remove', path: 'members', value: [{ $ref: null, value: managerId }] }),
    );
    await send(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch({ op: 'remove', path: `members[value eq "${userId}"]` }),
    );
    const renamed = await send(
      'PATCH',
      `/scim/v2/Groups/${groupId}`,
      patch(
        { op: 'Replace', path: 'displayName', value: 'Renamed' },
        { op: 'Add', path: 'externalId', value: 'obj-2' },
      ),
    );
    const events = await feed.poll();
    expect(events.map(brief)).toEqual([
      `group.created ${groupId}`,
      ...byMember(`group.member_added ${groupId} ${userId}`, `group.member_added ${groupId} ${managerId}`),
      `group.member_removed ${groupId} ${managerId}`,
      `group.member_removed ${groupId} ${userId}`,
      `group.updated ${groupId}`,
    ]);
    expect(events.at(-1)!.data).toMatchObject({
      changedAttributes: ['displayName', 'externalId'],
      // The version the PATCH answered with: the event carries the group as it is after the change.
      resource: {
        displayName: 'Renamed',
        externalId: 'obj-2',
        meta: { version: renamed.json().meta.version },
      },
    });
  });

  it('hard delete: user.deleted with its id, userName and externalId', async () => {
    await send('DELETE', `/scim/v2/Users/${userId}`);
    const events = await feed.poll();
    expect(events.map(brief)).toEqual([`user.deleted ${userId}`]);
    expect(events[0].data).toEqual({
      version: 1,
      resource: {
        id: userId,
        userName: 'Test_User_00aa00aa@contoso.com',
        externalId: 'Eqpj',
        meta: { resourceType: 'User' },
      },
    });
  });
});
