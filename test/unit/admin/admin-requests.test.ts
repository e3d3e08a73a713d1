import { ScimError } from '../../../src/domain/errors.js';
import {
  AdminRequestPipe,
  CreateApiKeyBody,
  CreateSetupLinkBody,
  CreateTenantBody,
  ListAuditEventsQuery,
  RenameTenantBody,
} from '../../../src/modules/admin/dto/admin-requests.dto.js';

const pipe = new AdminRequestPipe();
const body = (metatype: unknown, value: unknown) =>
  pipe.transform(value, { type: 'body', metatype: metatype as never });
const query = (value: Record<string, unknown>) =>
  pipe.transform(value, { type: 'query', metatype: ListAuditEventsQuery });

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error instanceof ScimError
      ? { status: error.status, scimType: error.scimType, detail: error.detail }
      : error;
  }
  return 'accepted';
}
const INVALID = { status: 400, scimType: 'invalidValue', detail: expect.any(String) };

describe('the operator API request checks', () => {
  it('builds a tenant body from a name of 1 to 200 characters, not blank', () => {
    const parsed = body(CreateTenantBody, { name: ' Acme ' });
    expect(parsed).toBeInstanceOf(CreateTenantBody);
    expect(parsed).toEqual({ name: ' Acme ' });
    expect(body(CreateTenantBody, { name: 'x'.repeat(200) })).toEqual({ name: 'x'.repeat(200) });
  });

  it.each([
    ['no body', undefined],
    ['a missing name', {}],
    ['a null name', { name: null }],
    ['a blank name', { name: ' \t ' }],
    ['a number', { name: 42 }],
    ['a 201-character name', { name: 'x'.repeat(201) }],
    ['an unknown field', { name: 'Acme', plan: 'gold' }],
    ['an array body', [{ name: 'Acme' }]],
    ['a string body', 'Acme'],
  ])('refuses a tenant body with %s: 400 invalidValue', (_case, value) => {
    expect(refusal(() => body(CreateTenantBody, value))).toEqual(INVALID);
  });

  it('builds an API key body: both fields optional, null as absent', () => {
    expect(body(CreateApiKeyBody, undefined)).toEqual({});
    expect(body(CreateApiKeyBody, { name: null, expiresAt: null })).toEqual({});
    for (const expiresAt of [
      '2030-06-01T12:00:00Z',
      '2030-06-01T12:00:00.123Z',
      '2030-06-01T12:00+02:00',
      '2028-02-29T00:00:00Z',
      '2030-06-01',
    ]) {
      expect(body(CreateApiKeyBody, { name: 'okta', expiresAt })).toEqual({ name: 'okta', expiresAt });
    }
  });

  it.each([
    ['an expiry that is not a date', { expiresAt: 'tomorrow' }],
    ['an expiry with a space for T', { expiresAt: '2030-06-01 12:00:00Z' }],
    ['February 30', { expiresAt: '2030-02-30T00:00:00Z' }],
    ['February 29 of a common year', { expiresAt: '2029-02-29T00:00:00Z' }],
    ['hour 24', { expiresAt: '2030-06-01T24:00:00Z' }],
    ['month 13', { expiresAt: '2030-13-01T00:00:00Z' }],
    ['an expiry as a number', { expiresAt: 1893456000000 }],
    ['a blank name', { name: '' }],
    ['an unknown field', { scopes: ['all'] }],
  ])('refuses an API key body with %s: 400 invalidValue', (_case, value) => {
    expect(refusal(() => body(CreateApiKeyBody, value))).toEqual(INVALID);
  });

  it('reads the audit page query: cursor as is, limit as an integer from 1 to 500', () => {
    expect(query({})).toEqual({});
    expect(query({ cursor: 'abc', limit: '1' })).toEqual({ cursor: 'abc', limit: 1 });
    expect(query({ limit: '500' })).toEqual({ limit: 500 });
  });

  it.each([
    { limit: '0' },
    { limit: '501' },
    { limit: 'ten' },
    { limit: '1.5' },
    { limit: '' },
    { limit: ['1', '2'] },
    { cursor: ['a', 'b'] },
    { cursor: 'c'.repeat(201) },
    { sort: 'asc' },
  ])('refuses the audit page query %j: 400 invalidValue', (value) => {
    expect(refusal(() => query(value))).toEqual(INVALID);
  });

  it('is a programming error on a class without parse()', () => {
    expect(refusal(() => body(class Other {}, {}))).toEqual(expect.any(Error));
    expect(refusal(() => body(class Other {}, {}))).not.toBeInstanceOf(ScimError);
  });

  it('a rename takes exactly a name, like a new tenant', () => {
    expect(body(RenameTenantBody, { name: 'Acme Inc.' })).toEqual({ name: 'Acme Inc.' });
    for (const value of [undefined, {}, { name: '' }, { name: 'x'.repeat(201) }, { name: 'A', id: 'x' }]) {
      expect(refusal(() => body(RenameTenantBody, value))).toEqual(INVALID);
    }
  });

  it('a setup link takes an optional expiresAt date-time (its range is the domain’s to check)', () => {
    expect(body(CreateSetupLinkBody, undefined)).toEqual({});
    expect(body(CreateSetupLinkBody, { expiresAt: '2030-01-01T00:00:00Z' })).toEqual({
      expiresAt: '2030-01-01T00:00:00Z',
    });
    for (const value of [{ expiresAt: 'soon' }, { expiresAt: 5 }, { url: 'x' }, 'x']) {
      expect(refusal(() => body(CreateSetupLinkBody, value))).toEqual(INVALID);
    }
  });

  it('the audit trail filters by resource type, resource id and operation', () => {
    const id = '2819C223-7F76-453A-919D-413861904646';
    expect(query({ resourceType: 'ApiKey', resourceId: id, operation: 'delete' })).toEqual({
      resourceType: 'ApiKey',
      resourceId: id.toLowerCase(),
      operation: 'delete',
    });
    for (const value of [
      { resourceType: 'user' },
      { resourceType: ['User', 'Group'] },
      { operation: 'upsert' },
      { resourceId: '' },
      { resourceId: 'x'.repeat(201) },
    ]) {
      expect(refusal(() => query(value))).toEqual(INVALID);
    }
  });
});
