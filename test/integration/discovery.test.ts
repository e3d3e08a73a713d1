import { PAGING } from '../../src/domain/list/list-query.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTenant } from '../support/tenants.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PUBLIC_URL = 'https://scim.example.com';

describe('discovery endpoints (RFC 7644 §4)', () => {
  let t: TestApp;
  let auth: Record<string, string>;
  const get = (path: string, headers = auth) =>
    t.app.inject({ method: 'GET', url: `/scim/v2/${path}`, headers });

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_URL });
    const tenant = await createTenant(t.app);
    auth = { authorization: `Bearer ${tenant.apiKey}` };
  });
  afterAll(() => t.close());

  it('GET /ServiceProviderConfig answers what the server supports, as application/scim+json', async () => {
    const res = await get('ServiceProviderConfig');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    const body = res.json();
    // The fields Okta's SCIM 2.0 SPEC suite asserts non-empty.
    expect(body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: PAGING.maxCount },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [{ type: 'oauthbearertoken', primary: true, description: expect.any(String) }],
      documentationUri: `${PUBLIC_URL}/docs`,
      meta: {
        resourceType: 'ServiceProviderConfig',
        location: `${PUBLIC_URL}/scim/v2/ServiceProviderConfig`,
      },
    });
  });

  it('GET /Schemas lists User, Group and Enterprise User with their attributes', async () => {
    const res = await get('Schemas');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ schemas: [LIST], totalResults: 3, itemsPerPage: 3, startIndex: 1 });
    expect(body.Resources.map((s: { id: string }) => s.id)).toEqual([USER, GROUP, ENTERPRISE]);
    const userType = body.Resources[0].attributes.find((a: { name: string }) => a.name === 'userType');
    expect(userType.canonicalValues).toEqual(['Admin', 'Editor', 'Viewer']);
  });

  it('GET /Schemas/{urn} answers one schema, the URN matched case-insensitively (RFC 7643 §2.1)', async () => {
    const res = await get(`Schemas/${ENTERPRISE.toUpperCase()}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: ENTERPRISE,
      name: 'EnterpriseUser',
      meta: { resourceType: 'Schema', location: `${PUBLIC_URL}/scim/v2/Schemas/${ENTERPRISE}` },
    });
  });

  it('GET /ResourceTypes lists User (with the enterprise extension) and Group', async () => {
    const res = await get('ResourceTypes');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ schemas: [LIST], totalResults: 2 });
    // Okta's SPEC suite reads Resources[0].name, .endpoint and .schema.
    expect(body.Resources[0]).toMatchObject({
      name: 'User',
      endpoint: '/Users',
      schema: USER,
      schemaExtensions: [{ schema: ENTERPRISE, required: false }],
    });
    expect(body.Resources[1]).toMatchObject({ name: 'Group', endpoint: '/Groups', schema: GROUP });
  });

  it('GET /ResourceTypes/{name} answers one resource type, located under the SCIM base', async () => {
    const res = await get('ResourceTypes/group');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: 'Group',
      meta: { resourceType: 'ResourceType', location: `${PUBLIC_URL}/scim/v2/ResourceTypes/Group` },
    });
  });

  it.each([['Schemas/urn:example:params:scim:schemas:core:2.0:Nothing'], ['ResourceTypes/Device']])(
    'GET /%s for an unknown one answers a SCIM 404',
    async (path) => {
      const res = await get(path);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ schemas: [ERROR], status: '404', detail: expect.any(String) });
    },
  );

  it.each([
    ['ServiceProviderConfig'],
    ['Schemas'],
    [`Schemas/${USER}`],
    ['ResourceTypes'],
    ['ResourceTypes/User'],
  ])('a filter on /%s answers 403, not an unfiltered list (RFC 7644 §4)', async (path) => {
    const res = await get(`${path}?filter=${encodeURIComponent('name eq "User"')}`);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ schemas: [ERROR], status: '403' });
  });

  it('paging and sorting parameters are ignored: the list stays complete (RFC 7644 §4)', async () => {
    const res = await get('Schemas?startIndex=2&count=1&sortBy=name');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ totalResults: 3, itemsPerPage: 3, startIndex: 1 });
  });

  it.each([
    ['POST', 'ServiceProviderConfig'],
    ['POST', 'ResourceTypes'],
    ['POST', 'Schemas'],
    ['PUT', 'ServiceProviderConfig'],
    ['PATCH', `Schemas/${USER}`],
    ['DELETE', 'ResourceTypes/User'],
  ] as const)('%s /%s answers 405 with Allow (Okta SPEC suite)', async (method, path) => {
    const res = await t.app.inject({
      method,
      url: `/scim/v2/${path}`,
      headers: { ...auth, 'content-type': 'application/scim+json; charset=utf-8' },
      payload: JSON.stringify({ garbage: true }),
    });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toContain('GET');
    expect(res.json()).toMatchObject({ schemas: [ERROR], status: '405' });
  });

  it.each([['ServiceProviderConfig'], ['Schemas'], ['ResourceTypes']])(
    'GET /%s without the tenant API key answers 401, like every SCIM route',
    async (path) => {
      const res = await get(path, {});
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      const wrong = await get(path, { authorization: 'Bearer not-a-key' });
      expect(wrong.statusCode).toBe(401);
    },
  );
});

describe('discovery without PUBLIC_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('locates resources at the host the request named', async () => {
    const { apiKey } = await createTenant(t.app);
    const res = await t.app.inject({
      method: 'GET',
      url: '/scim/v2/ResourceTypes/User',
      headers: { authorization: `Bearer ${apiKey}`, host: 'idp-facing.example.org' },
    });
    expect(res.json().meta.location).toBe('http://idp-facing.example.org/scim/v2/ResourceTypes/User');
  });
});
