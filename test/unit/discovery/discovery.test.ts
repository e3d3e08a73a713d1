import { registry } from '../registry.js';
import { refuseDiscoveryFilter } from '../../../src/domain/discovery/filter.js';
import { discoveryList } from '../../../src/domain/discovery/list.js';
import { resourceTypeResources } from '../../../src/domain/discovery/resource-types.js';
import { schemaResource, schemaResources } from '../../../src/domain/discovery/schemas.js';
import {
  DEFAULT_LIMITS,
  serviceProviderConfig,
} from '../../../src/domain/discovery/service-provider-config.js';
import { ScimError } from '../../../src/domain/errors.js';
import { PAGING } from '../../../src/domain/list/list-query.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../../src/domain/schema/urns.js';

const BASE = 'https://scim.example.com';

describe('ServiceProviderConfig (RFC 7643 §5, RFC 9865 §4)', () => {
  const config = serviceProviderConfig(BASE);

  it('advertises the paging limits the list queries enforce', () => {
    expect(config.filter).toEqual({ supported: true, maxResults: PAGING.maxCount });
    expect(config.pagination).toEqual({
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: PAGING.defaultCount,
      maxPageSize: PAGING.maxCount,
      cursorTimeout: DEFAULT_LIMITS.cursorTimeout,
    });
  });

  it('claims bulk with the limits given (by default those of BULK_MAX_OPERATIONS and BULK_MAX_PAYLOAD_BYTES)', () => {
    expect(config.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1048576 });
    const withBulk = serviceProviderConfig(BASE, {
      ...DEFAULT_LIMITS,
      bulk: { maxOperations: 100, maxPayloadSize: 2048 },
    });
    expect(withBulk.bulk).toEqual({ supported: true, maxOperations: 100, maxPayloadSize: 2048 });
    // Without limits there is no /Bulk: RFC 7643 §5 still requires the two numbers.
    const { bulk: _bulk, ...withoutBulk } = DEFAULT_LIMITS;
    expect(serviceProviderConfig(BASE, withoutBulk).bulk).toEqual({
      supported: false,
      maxOperations: 0,
      maxPayloadSize: 0,
    });
  });

  it('claims patch, sort and etag, and no password changes', () => {
    expect(config.patch.supported).toBe(true);
    expect(config.sort.supported).toBe(true);
    expect(config.etag.supported).toBe(true);
    expect(config.changePassword.supported).toBe(false);
  });

  it('describes the bearer API key as the primary oauthbearertoken scheme', () => {
    expect(config.authenticationSchemes).toEqual([
      expect.objectContaining({ type: 'oauthbearertoken', primary: true, documentationUri: `${BASE}/docs` }),
    ]);
  });

  it('is located under the SCIM base, with documentationUri the Swagger UI', () => {
    expect(config.meta).toEqual({
      resourceType: 'ServiceProviderConfig',
      location: `${BASE}/scim/v2/ServiceProviderConfig`,
    });
    expect(config.documentationUri).toBe(`${BASE}/docs`);
    expect(serviceProviderConfig(`${BASE}/`).meta.location).toBe(`${BASE}/scim/v2/ServiceProviderConfig`);
  });
});

describe('Schemas (RFC 7643 §7)', () => {
  it('lists User, Group and Enterprise User from the registry, each located by its URN', () => {
    const resources = schemaResources(BASE, registry);
    expect(resources.map((s) => s.id)).toEqual([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]);
    expect(resources[0].meta).toEqual({
      resourceType: 'Schema',
      location: `${BASE}/scim/v2/Schemas/${USER_SCHEMA}`,
    });
    expect(resources[0].schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Schema']);
  });

  it("includes userType's canonical values and every characteristic, sub-attributes too", () => {
    const user = schemaResource(BASE, registry.getSchema(USER_SCHEMA)!);
    const userType = user.attributes.find((a) => a.name === 'userType')!;
    expect(userType).toEqual({
      name: 'userType',
      type: 'string',
      multiValued: false,
      description: expect.stringContaining('Admin'),
      required: false,
      canonicalValues: ['Admin', 'Editor', 'Viewer'],
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    });
    const emails = user.attributes.find((a) => a.name === 'emails')!;
    expect(emails.subAttributes?.map((s) => s.name)).toEqual(['value', 'display', 'type', 'primary']);
    const password = user.attributes.find((a) => a.name === 'password')!;
    expect(password).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
  });

  it('leaves out the common attributes (RFC 7643 §8.7.1)', () => {
    const names = schemaResources(BASE, registry).flatMap((s) => s.attributes.map((a) => a.name));
    expect(names).not.toContain('id');
    expect(names).not.toContain('meta');
  });
});

describe('ResourceTypes (RFC 7643 §6)', () => {
  it('lists User with the optional enterprise extension, and Group', () => {
    expect(resourceTypeResources(BASE, registry)).toEqual([
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'User',
        name: 'User',
        endpoint: '/Users',
        description: 'User Account',
        schema: USER_SCHEMA,
        schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
        meta: { resourceType: 'ResourceType', location: `${BASE}/scim/v2/ResourceTypes/User` },
      },
      expect.objectContaining({
        id: 'Group',
        endpoint: '/Groups',
        schema: GROUP_SCHEMA,
        schemaExtensions: [],
      }),
    ]);
  });
});

describe('discovery lists and filters (RFC 7644 §4)', () => {
  it('a list is complete: totalResults = itemsPerPage, startIndex 1', () => {
    expect(discoveryList(['a', 'b'])).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 2,
      startIndex: 1,
      itemsPerPage: 2,
      Resources: ['a', 'b'],
    });
  });

  it.each([['name eq "User"'], [['id eq "x"']]])('refuses the filter %j with 403', (filter) => {
    expect(() => refuseDiscoveryFilter(filter)).toThrow(ScimError);
    try {
      refuseDiscoveryFilter(filter);
    } catch (error) {
      expect((error as ScimError).status).toBe(403);
    }
  });

  it.each([[undefined], [''], ['   ']])('ignores an absent or blank filter (%j)', (filter) => {
    expect(() => refuseDiscoveryFilter(filter)).not.toThrow();
  });
});
