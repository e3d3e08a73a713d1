import { Contract, type ObservedResponse } from '../../support/contract.js';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const SCIM = 'application/scim+json; charset=utf-8';

/** A small document in the shape the server's has: SCIM media type, Error component, headers. */
const contract = new Contract({
  paths: {
    '/scim/v2/Users': {
      get: {
        operationId: 'listUsers',
        responses: {
          '200': { content: { 'application/scim+json': { schema: { $ref: '#/components/schemas/List' } } } },
          '401': {
            content: { 'application/scim+json': { schema: { $ref: '#/components/schemas/Error' } } },
            headers: { 'WWW-Authenticate': { required: true, schema: { type: 'string' } } },
          },
        },
      },
    },
    '/scim/v2/Users/{id}': {
      get: {
        operationId: 'getUser',
        responses: {
          '200': { content: { 'application/scim+json': { schema: { $ref: '#/components/schemas/User' } } } },
          '304': { description: 'not modified' },
        },
      },
      delete: { operationId: 'deleteUser', responses: { '204': { description: 'deleted' } } },
    },
    '/scim/v2/Users/.search': {
      post: {
        operationId: 'searchUsers',
        responses: {
          '200': { content: { 'application/scim+json': { schema: { $ref: '#/components/schemas/List' } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      User: {
        type: 'object',
        required: ['id'],
        properties: { id: { type: 'string' }, userName: { type: 'string' } },
        additionalProperties: false,
      },
      List: {
        type: 'object',
        required: ['Resources'],
        properties: { Resources: { type: 'array', items: { $ref: '#/components/schemas/User' } } },
      },
      Error: {
        type: 'object',
        required: ['schemas', 'status'],
        properties: { schemas: { type: 'array' }, status: { type: 'string' }, detail: { type: 'string' } },
        additionalProperties: false,
      },
    },
  },
});

const response = (overrides: Partial<ObservedResponse> & { json?: unknown }): ObservedResponse => {
  const { json, ...rest } = overrides;
  return {
    method: 'GET',
    url: '/scim/v2/Users/1',
    status: 200,
    headers: { 'content-type': SCIM },
    body: json === undefined ? '' : JSON.stringify(json),
    ...rest,
  };
};

describe('contract checks of responses against the OpenAPI document', () => {
  it('accepts a documented status with a body that matches its schema', () => {
    expect(contract.check(response({ json: { id: '1', userName: 'bjensen' } }))).toEqual([]);
  });

  it('rejects a status the operation does not document', () => {
    const violations = contract.check(response({ status: 409, json: { schemas: [ERROR], status: '409' } }));
    expect(violations).toEqual([expect.stringMatching(/status 409 is not documented for getUser/)]);
  });

  it('rejects a body that does not match the schema, nested through $ref', () => {
    expect(contract.check(response({ json: { userName: 'no id' } }))).toEqual([
      expect.stringContaining("must have required property 'id'"),
    ]);
    const list = response({ url: '/scim/v2/Users?filter=x', json: { Resources: [{ id: 1 }] } });
    expect(contract.check(list)).toEqual([expect.stringContaining('/Resources/0/id must be string')]);
  });

  it('rejects an undocumented media type and a body that is not JSON', () => {
    expect(contract.check(response({ headers: { 'content-type': 'text/html' }, json: { id: '1' } }))).toEqual(
      [expect.stringContaining('Content-Type "text/html" is not documented')],
    );
    expect(contract.check(response({ body: '<html>' }))).toEqual([expect.stringContaining('not JSON')]);
  });

  it('rejects a response without a required header', () => {
    const unauthorized = { url: '/scim/v2/Users', status: 401, json: { schemas: [ERROR], status: '401' } };
    expect(contract.check(response(unauthorized))).toEqual([
      expect.stringContaining('required response header WWW-Authenticate is missing'),
    ]);
    expect(
      contract.check(
        response({ ...unauthorized, headers: { 'content-type': SCIM, 'www-authenticate': 'Bearer' } }),
      ),
    ).toEqual([]);
  });

  it('rejects a body where the document describes none (204, 304)', () => {
    expect(contract.check(response({ method: 'DELETE', status: 204 }))).toEqual([]);
    expect(contract.check(response({ method: 'DELETE', status: 204, json: { id: '1' } }))).toEqual([
      expect.stringContaining('describes none'),
    ]);
  });

  it('matches a literal path segment before a parameter (/Users/.search is not /Users/{id})', () => {
    expect(contract.routeOf('/scim/v2/Users/.search')).toBe('/scim/v2/Users/.search');
    expect(contract.routeOf('/scim/v2/Users/abc?attributes=id')).toBe('/scim/v2/Users/{id}');
    const search = response({ method: 'POST', url: '/scim/v2/Users/.search', json: { Resources: [] } });
    expect(contract.check(search)).toEqual([]);
  });

  it('an unlisted route or method may only answer a SCIM 404 or a 405 with Allow', () => {
    const notFound = { url: '/scim/v2/Nothing', status: 404, json: { schemas: [ERROR], status: '404' } };
    expect(contract.check(response(notFound))).toEqual([]);
    expect(contract.check(response({ ...notFound, json: { message: 'Not Found' } }))).not.toEqual([]);
    expect(contract.check(response({ ...notFound, status: 200 }))).toEqual([
      expect.stringContaining('lists no GET operation'),
    ]);
    const notAllowed = {
      method: 'POST',
      url: '/scim/v2/Users/1',
      status: 405,
      json: { schemas: [ERROR], status: '405' },
    };
    expect(contract.check(response(notAllowed))).toEqual([expect.stringContaining('Allow header')]);
    expect(
      contract.check(response({ ...notAllowed, headers: { 'content-type': SCIM, allow: 'GET, DELETE' } })),
    ).toEqual([]);
  });

  it('checks HEAD against the GET operation, without a body', () => {
    expect(contract.check(response({ method: 'HEAD' }))).toEqual([]);
    expect(contract.check(response({ method: 'HEAD', status: 418 }))).not.toEqual([]);
  });

  it('leaves Swagger UI pages alone', () => {
    expect(
      contract.check(response({ url: '/docs/swagger-ui.css', headers: { 'content-type': 'text/css' } })),
    ).toEqual([]);
  });

  it('assert throws a ContractViolation listing every violation', () => {
    expect(() => contract.assert(response({ status: 500 }))).toThrow(/does not match the OpenAPI document/);
  });
});
