import { randomBytes } from 'node:crypto';
import { AuditService } from '../../../src/modules/audit/audit.service.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { ENTERPRISE, newUser, patchOp, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant } from '../../support/tenants.js';

describe('/scim/v2/Users', () => {
  let t: TestApp;
  let scim: ScimRequests;
  let tenantId: string;
  beforeAll(async () => {
    t = await startTestApp();
    const tenant = await createTenant(t.app);
    tenantId = tenant.tenantId;
    scim = scimAs(t.app, tenant.apiKey);
  });
  afterAll(() => t.close());

  async function create(userName: string, extra: Record<string, unknown> = {}) {
    const res = await scim.post('Users', newUser(userName, extra));
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  describe('POST (RFC 7644 §3.3)', () => {
    it('creates a user: 201, Location = meta.location, ETag = meta.version, scim+json', async () => {
      const res = await scim.post(
        'Users',
        newUser('ada@example.com', { password: 'hunter2', externalId: 'okta-1' }),
      );
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8');
      const user = res.json();
      expect(user).toMatchObject({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'ada@example.com',
        externalId: 'okta-1',
        active: true,
        meta: { resourceType: 'User', version: 'W/"1"' },
      });
      // The IdP sent no userType, so there is none (the team role of such a user is Viewer).
      expect(user).not.toHaveProperty('userType');
      expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.location).toBe(user.meta.location);
      expect(user.meta.location).toMatch(new RegExp(`/scim/v2/Users/${user.id}$`));
      expect(res.headers.etag).toBe('W/"1"');
      expect(user).not.toHaveProperty('password');
      // A user in no group has no `groups` (RFC 7643 §2.5: an empty multi-valued attribute is unassigned).
      expect(user).not.toHaveProperty('groups');
    });

    it('stores userType canonically, matched case-insensitively', async () => {
      expect((await create('grace@example.com', { userType: 'aDmIn' })).userType).toBe('Admin');
    });

    it('refuses an unknown userType with 400 invalidValue naming the allowed values', async () => {
      const res = await scim.post('Users', newUser('bad-role@example.com', { userType: 'Owner' }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
      expect(res.json().detail).toMatch(/Admin.*Editor.*Viewer/);
    });

    it('answers a duplicate userName in another letter case with 409 uniqueness', async () => {
      await create('Dup@Example.com');
      const res = await scim.post('Users', newUser('dup@example.COM'));
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    });

    it('gives exactly one 201 and one 409 for two simultaneous creates of one userName', async () => {
      const [a, b] = await Promise.all([
        scim.post('Users', newUser('race@example.com')),
        scim.post('Users', newUser('RACE@example.com')),
      ]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    });

    it('answers a body without userName with 400 invalidValue and stores nothing', async () => {
      const res = await scim.post('Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        active: true,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().scimType).toBe('invalidValue');
    });

    it('answers malformed JSON with 400 invalidSyntax and an unsupported media type with 415', async () => {
      const bad = await scim.post('Users', '{"userName":');
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
      const text = await scim.post('Users', 'userName=x', { 'content-type': 'text/plain' });
      expect(text.statusCode).toBe(415);
      expect(text.json()).toMatchObject({ status: '415' });
    });

    it('answers a userName too long to index with 400 invalidValue, not 500', async () => {
      // Random text does not compress, so the index entry really exceeds PostgreSQL's btree limit.
      const res = await scim.post('Users', newUser(`${randomBytes(6000).toString('hex')}@example.com`));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
    });

    it('accepts plain application/json too', async () => {
      const res = await scim.post('Users', newUser('json@example.com'), {
        'content-type': 'application/json',
      });
      expect(res.statusCode).toBe(201);
    });

    it('tolerates what IdPs send: nulls, empty roles, groups, meta, the enterprise extension, manager as a string', async () => {
      const user = await create('entra@example.com', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
        title: null,
        roles: [],
        groups: [],
        meta: { resourceType: 'User' },
        [ENTERPRISE]: { department: 'R&D', manager: '2c2f5b50-1111-4111-8111-111111111111' },
      });
      expect(user).not.toHaveProperty('title');
      expect(user).not.toHaveProperty('roles');
      expect(user[ENTERPRISE]).toEqual({
        department: 'R&D',
        manager: { value: '2c2f5b50-1111-4111-8111-111111111111' },
      });
      expect(user.schemas).toContain(ENTERPRISE);
    });
  });

  describe('GET one (RFC 7644 §3.4.1, §3.14)', () => {
    it('returns the user with its ETag; If-None-Match with that ETag answers 304', async () => {
      const user = await create('etag@example.com');
      const res = await scim.get(`Users/${user.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(user);
      const again = await scim.get(`Users/${user.id}`, { 'if-none-match': res.headers.etag as string });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    });

    it.each(['2c2f5b50-0000-4000-8000-000000000000', 'not-a-uuid', '010101001010101011001010101011'])(
      'answers an unknown id (%s) with a SCIM 404',
      async (id) => {
        const res = await scim.get(`Users/${id}`);
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ status: '404', detail: expect.any(String) });
      },
    );

    it('honours attributes and excludedAttributes (RFC 7644 §3.4.2.5)', async () => {
      const user = await create('proj@example.com');
      const only = (await scim.get(`Users/${user.id}?attributes=userName,name.givenName`)).json();
      expect(only).toEqual({
        schemas: user.schemas,
        id: user.id,
        userName: 'proj@example.com',
        name: { givenName: 'Test' },
      });
      const without = (await scim.get(`Users/${user.id}?excludedAttributes=emails,meta`)).json();
      expect(without).not.toHaveProperty('emails');
      expect(without).not.toHaveProperty('meta');
      expect(without.userName).toBe('proj@example.com');
    });
  });

  describe('PUT (RFC 7644 §3.5.1)', () => {
    it('replaces the user, ignores readOnly attributes, bumps the version', async () => {
      const user = await create('put@example.com');
      const body = {
        ...user,
        id: 'ignored',
        meta: { resourceType: 'User' },
        groups: [],
        name: { givenName: 'Another' },
        displayName: 'Put',
      };
      const res = await scim.put(`Users/${user.id}`, body);
      expect(res.statusCode).toBe(200);
      const updated = res.json();
      expect(updated).toMatchObject({ id: user.id, name: { givenName: 'Another' }, displayName: 'Put' });
      expect(updated.meta.version).toBe('W/"2"');
      expect(updated.meta.created).toBe(user.meta.created);
    });

    it('keeps the version when nothing changes', async () => {
      const user = await create('same@example.com');
      const res = await scim.put(`Users/${user.id}`, user);
      expect(res.json().meta.version).toBe(user.meta.version);
    });

    it('answers If-Match with a stale version with 412 and changes nothing', async () => {
      const user = await create('stale@example.com');
      const res = await scim.put(`Users/${user.id}`, { ...user, displayName: 'x' }, { 'if-match': 'W/"7"' });
      expect(res.statusCode).toBe(412);
      expect((await scim.get(`Users/${user.id}`)).json()).toEqual(user);
    });

    it('answers PUT to an unknown id with 404 (never creates)', async () => {
      const res = await scim.put('Users/2c2f5b50-0000-4000-8000-000000000001', newUser('ghost@example.com'));
      expect(res.statusCode).toBe(404);
    });
  });

  describe('PATCH (RFC 7644 §3.5.2)', () => {
    it("deactivates with Okta's path-less replace and reactivates", async () => {
      const user = await create('okta-deact@example.com');
      const off = await scim.patch(`Users/${user.id}`, patchOp({ op: 'replace', value: { active: false } }));
      expect(off.statusCode).toBe(200);
      expect(off.json()).toMatchObject({ active: false, meta: { version: 'W/"2"' } });
      const on = await scim.patch(`Users/${user.id}`, patchOp({ op: 'replace', value: { active: true } }));
      expect(on.json().active).toBe(true);
    });

    it('accepts Entra\'s capitalised ops, string booleans and emails[type eq "work"].value', async () => {
      const user = await create('entra-patch@example.com', { emails: [] });
      const res = await scim.patch(
        `Users/${user.id}`,
        patchOp(
          { op: 'Replace', path: 'active', value: 'False' },
          { op: 'Add', path: 'emails[type eq "work"].value', value: 'work@example.com' },
          { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: '42' },
        ),
      );
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        active: false,
        emails: [{ type: 'work', value: 'work@example.com' }],
        [ENTERPRISE]: { employeeNumber: '42' },
      });
    });

    it('keeps the version when the patch changes nothing', async () => {
      const user = await create('noop@example.com');
      const res = await scim.patch(
        `Users/${user.id}`,
        patchOp({ op: 'replace', path: 'active', value: true }),
      );
      expect(res.json().meta.version).toBe(user.meta.version);
    });

    it('is atomic: a failing operation leaves the user unchanged', async () => {
      const user = await create('atomic@example.com');
      const res = await scim.patch(
        `Users/${user.id}`,
        patchOp(
          { op: 'replace', path: 'displayName', value: 'Changed' },
          { op: 'replace', path: 'nosuch', value: 1 },
        ),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().scimType).toBe('invalidPath');
      expect((await scim.get(`Users/${user.id}`)).json()).toEqual(user);
    });

    it.each([
      [{ Operations: [] }, 'invalidSyntax'],
      [patchOp({ op: 'replace', path: 'id', value: 'x' }), 'mutability'],
      [patchOp({ op: 'replace', path: 'userType', value: 'Owner' }), 'invalidValue'],
      [patchOp({ op: 'jump', path: 'active', value: true }), 'invalidSyntax'],
    ])('answers a bad patch with 400 %#', async (body, scimType) => {
      const user = await create(`badpatch-${scimType}-${Math.random()}@example.com`);
      const res = await scim.patch(`Users/${user.id}`, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().scimType).toBe(scimType);
    });
  });

  describe('DELETE (RFC 7644 §3.6)', () => {
    it('answers 204, then 404', async () => {
      const user = await create('delete@example.com');
      const res = await scim.delete(`Users/${user.id}`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await scim.get(`Users/${user.id}`)).statusCode).toBe(404);
      expect((await scim.delete(`Users/${user.id}`)).statusCode).toBe(404);
    });

    it('answers If-Match with a stale version with 412', async () => {
      const user = await create('delete-stale@example.com');
      expect((await scim.delete(`Users/${user.id}`, { 'if-match': 'W/"9"' })).statusCode).toBe(412);
      expect((await scim.delete(`Users/${user.id}`, { 'if-match': 'W/"1"' })).statusCode).toBe(204);
    });
  });

  describe('methods a route does not support', () => {
    it.each([
      ['PUT', '/scim/v2/Users', 'GET, HEAD, POST'],
      ['DELETE', '/scim/v2/Users', 'GET, HEAD, POST'],
      ['POST', '/scim/v2/Users/2c2f5b50-0000-4000-8000-000000000000', 'DELETE, GET, HEAD, PATCH, PUT'],
    ])('%s %s answers 405 with Allow: %s', async (method, url, allow) => {
      const res = await t.app.inject({
        method: method as 'PUT',
        url,
        headers: { authorization: 'Bearer x' },
      });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.json()).toMatchObject({ status: '405' });
    });
  });

  describe('audit trail', () => {
    it('records create, patch and delete in order, with attribute names and never values', async () => {
      const user = await create('audited@example.com', { displayName: 'Secret Name' });
      await scim.patch(
        `Users/${user.id}`,
        patchOp({ op: 'replace', path: 'displayName', value: 'Other Secret' }),
      );
      await scim.patch(
        `Users/${user.id}`,
        patchOp({ op: 'replace', path: 'displayName', value: 'Other Secret' }),
      );
      await scim.delete(`Users/${user.id}`);
      const { events } = await t.app.get(AuditService, { strict: false }).list(tenantId, { limit: 500 });
      const mine = events.filter((e) => e.resourceId === user.id);
      expect(mine.map((e) => [e.operation, e.resourceType])).toEqual([
        ['delete', 'User'],
        ['patch', 'User'],
        ['create', 'User'],
      ]);
      expect(mine[1].attributes).toEqual(['displayName']);
      expect(mine[2].attributes).toEqual(expect.arrayContaining(['userName', 'displayName', 'emails']));
      expect(JSON.stringify(mine)).not.toContain('Secret');
      expect(mine.every((e) => e.requestId && e.apiKeyId)).toBe(true);
    });

    it('records nothing for a write that fails', async () => {
      const before = (await t.app.get(AuditService, { strict: false }).list(tenantId, { limit: 500 })).events
        .length;
      await scim.post('Users', newUser('audited@example.com'));
      await scim.post('Users', { userName: '' });
      const after = (await t.app.get(AuditService, { strict: false }).list(tenantId, { limit: 500 })).events
        .length;
      expect(after).toBe(before + 1);
    });
  });
});
