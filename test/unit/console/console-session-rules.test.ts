import {
  isStateChanging,
  sessionExpiry,
  setupLinkExpiry,
  tenantAdminAccess,
} from '../../../src/domain/console/console-session-rules.js';
import { ScimError } from '../../../src/domain/errors.js';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const A = '2819c223-7f76-453a-919d-413861904646';
const B = '9a1b6e2c-1d8f-4a0e-8b3e-6f2d4c5a7b90';

describe('setup link and session lifetimes', () => {
  it('a setup link works 7 days by default, up to 30 days when asked, never in the past', () => {
    expect(setupLinkExpiry(NOW).getTime() - NOW.getTime()).toBe(7 * DAY);
    const max = new Date(NOW.getTime() + 30 * DAY);
    expect(setupLinkExpiry(NOW, max)).toEqual(max);
    expect(() => setupLinkExpiry(NOW, new Date(max.getTime() + 1))).toThrow(/at most 30 days/);
    expect(() => setupLinkExpiry(NOW, NOW)).toThrow(ScimError);
  });

  it('a session ends after 12 hours, or with its setup link if that is sooner', () => {
    expect(sessionExpiry(NOW).getTime() - NOW.getTime()).toBe(12 * HOUR);
    const soon = new Date(NOW.getTime() + HOUR);
    expect(sessionExpiry(NOW, soon)).toEqual(soon);
    expect(sessionExpiry(NOW, new Date(NOW.getTime() + 2 * DAY)).getTime() - NOW.getTime()).toBe(12 * HOUR);
  });

  it.each([
    ['GET', false],
    ['HEAD', false],
    ['OPTIONS', false],
    ['POST', true],
    ['PUT', true],
    ['PATCH', true],
    ['delete', true],
  ])('%s needs the CSRF token: %s', (method, needs) => {
    expect(isStateChanging(method)).toBe(needs);
  });
});

describe("what a customer admin's session may call on the operator API", () => {
  it.each([
    ['/admin/v1/tenants/:id', 'GET', A, 'allow'],
    ['/admin/v1/tenants/:id', 'PATCH', A, 'forbidden'],
    ['/admin/v1/tenants/:id', 'DELETE', A, 'forbidden'],
    ['/admin/v1/tenants/:id', 'GET', B, 'notFound'],
    ['/admin/v1/tenants/:id/api-keys', 'POST', A, 'allow'],
    ['/admin/v1/tenants/:id/api-keys', 'POST', A.toUpperCase(), 'allow'],
    ['/admin/v1/tenants/:id/api-keys/:keyId', 'DELETE', B, 'notFound'],
    ['/admin/v1/tenants/:id/members', 'GET', A, 'allow'],
    ['/admin/v1/tenants/:id/setup-links', 'POST', A, 'forbidden'],
    ['/admin/v1/tenants/:id/setup-links', 'GET', B, 'notFound'],
    ['/admin/v1/tenants/:id/events', 'GET', A, 'allow'],
    ['/admin/v1/tenants/:id/webhook-endpoints', 'POST', A, 'forbidden'],
    ['/admin/v1/tenants/:id/webhook-endpoints', 'GET', A, 'forbidden'],
    ['/admin/v1/tenants/:id/webhook-endpoints/:endpointId', 'PATCH', A, 'forbidden'],
    ['/admin/v1/webhook-endpoints', 'GET', undefined, 'forbidden'],
    ['/admin/v1/tenants', 'GET', undefined, 'forbidden'],
    ['/admin/v1/events', 'GET', undefined, 'forbidden'],
  ])('%s %s of tenant %s: %s', (route, method, tenant, access) => {
    expect(tenantAdminAccess(route, method, tenant, A)).toBe(access);
  });
});
