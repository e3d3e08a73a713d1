import type { LightMyRequestResponse as Response } from 'fastify';
import { Database } from '../../../src/storage/database.js';
import { sqlObservers, type SqlEvent } from '../../../src/storage/sql.js';
import { MEMBERSHIP_WRITE } from '../../../src/modules/memberships/memberships.service.js';
import { APP_ROLE, isTenantScope, tenantScopeParams } from '../../../src/storage/tenant-scope.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { GROUP_SCHEMA, newUser, patchOp, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant, type TestTenant } from '../../support/tenants.js';

const ADMIN_TOKEN = 'operator-token-scope-0123456789abcdef';

/**
 * The statements that run before any tenant is known: finding the presented API key by its id, and
 * recording its use (and, after the response, the tenant's connection health). Everything else a tenant's request runs must be inside a transaction scoped to
 * that tenant (row-level security reads the scope; a statement outside it would see no rows, or all).
 */
const SYSTEM_STATEMENTS = [
  /FROM api_key WHERE id = \$1$/,
  /^update "api_key" set "last_used_at"/,
  // The connection's health, recorded after the response (src/modules/team/connection-health.service.ts).
  /^INSERT INTO scim_connection /,
];

async function statementsOf(request: () => Promise<Response>): Promise<SqlEvent[]> {
  const events: SqlEvent[] = [];
  const observe = (event: SqlEvent) => events.push(event);
  sqlObservers.add(observe);
  try {
    const res = await request();
    expect(res.statusCode).toBeLessThan(300);
  } finally {
    sqlObservers.delete(observe);
  }
  return events.filter((event) => !SYSTEM_STATEMENTS.some((pattern) => pattern.test(event.text.trim())));
}

/** Every statement comes after the statement scoping its transaction to `tenantId`. */
function expectScopedTo(events: SqlEvent[], tenantId: string): void {
  expect(events.length).toBeGreaterThan(1);
  expect(isTenantScope(events[0].text)).toBe(true);
  expect(events[0].values).toEqual(tenantScopeParams(tenantId));
  const scopes = events.filter((event) => isTenantScope(event.text));
  for (const scope of scopes) expect(scope.values).toEqual(tenantScopeParams(tenantId));
}

/** Whether the first statement of the request's (first) transaction asks for generic plans. */
function genericPlans(events: SqlEvent[]): boolean {
  return events[0].text.includes(`set_config('plan_cache_mode', 'force_generic_plan', true)`);
}

describe('every statement of a tenant runs in a transaction scoped to it (Database.transaction)', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let scim: ScimRequests;
  const admin = (url: string) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN });
    await createTenant(t.app, 'Bystander');
    tenant = await createTenant(t.app, 'Scoped');
    scim = scimAs(t.app, tenant.apiKey);
  });
  afterAll(() => t?.close());

  it('SCIM writes and reads: create, list with a filter, get, PATCH members, PUT, DELETE', async () => {
    let userId = '';
    let groupId = '';
    const steps: [string, () => Promise<Response>][] = [
      [
        'POST /Users',
        async () => {
          const res = await scim.post('Users', newUser('scoped@example.com'));
          userId = res.json().id;
          return res;
        },
      ],
      [
        'POST /Groups with a member',
        async () => {
          const res = await scim.post('Groups', {
            schemas: [GROUP_SCHEMA],
            displayName: 'Scoped group',
            members: [{ value: userId }],
          });
          groupId = res.json().id;
          return res;
        },
      ],
      ['GET /Users?filter', () => scim.get('Users?filter=userName+eq+%22scoped@example.com%22')],
      ['GET /Users/{id} with groups', () => scim.get(`Users/${userId}`)],
      ['GET /Groups?attributes=members', () => scim.get('Groups?attributes=members')],
      [
        'PATCH /Groups/{id} removes the member',
        () =>
          scim.patch(`Groups/${groupId}`, patchOp({ op: 'remove', path: `members[value eq "${userId}"]` })),
      ],
      [
        'PUT /Users/{id}',
        () => scim.put(`Users/${userId}`, newUser('scoped@example.com', { displayName: 'S' })),
      ],
      ['POST /.search', () => scim.post('.search', { filter: 'displayName pr' })],
      ['DELETE /Users/{id}', () => scim.delete(`Users/${userId}`)],
    ];
    for (const [, step] of steps) expectScopedTo(await statementsOf(step), tenant.tenantId);
  });

  it('the member stream of GET /Groups/{id} opens its own transaction, scoped before the cursor', async () => {
    const member = (await scim.post('Users', newUser('member@example.com'))).json().id;
    const group = await scim.post('Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Streamed',
      members: [{ value: member }],
    });
    const events = await statementsOf(() => scim.get(`Groups/${group.json().id}`));
    expectScopedTo(events, tenant.tenantId);
    const fetched = events.findIndex((event) => event.text.includes('FROM scim_membership'));
    expect(fetched).toBeGreaterThan(0);
    // The read of the group row, then the stream: each opened with the scope.
    expect(events.slice(1, fetched).some((event) => isTenantScope(event.text))).toBe(true);
  });

  it('operator reads of one tenant: its API keys and its audit trail', async () => {
    for (const url of [
      `/admin/v1/tenants/${tenant.tenantId}/api-keys`,
      `/admin/v1/tenants/${tenant.tenantId}/audit-events`,
    ]) {
      expectScopedTo(await statementsOf(() => admin(url)), tenant.tenantId);
    }
  });

  it('membership writes plan their statements once per connection (generic plans); creates and lists do not', async () => {
    const user = (await scim.post('Users', newUser('planned@example.com'))).json().id;
    const other = (await scim.post('Users', newUser('planned-2@example.com'))).json().id;
    let group = '';
    const steps: [string, () => Promise<Response>, boolean][] = [
      ['POST /Users', () => scim.post('Users', newUser('planned-3@example.com')), false],
      [
        'POST /Groups with a member',
        async () => {
          const res = await scim.post('Groups', {
            schemas: [GROUP_SCHEMA],
            displayName: 'Planned',
            members: [{ value: user }],
          });
          group = res.json().id;
          return res;
        },
        true,
      ],
      ['GET /Users?filter', () => scim.get('Users?filter=userName+sw+%22planned%22'), false],
      [
        'PATCH /Groups/{id} adds',
        () =>
          scim.patch(`Groups/${group}`, patchOp({ op: 'add', path: 'members', value: [{ value: other }] })),
        true,
      ],
      [
        'PUT /Groups/{id}',
        () => scim.put(`Groups/${group}`, { schemas: [GROUP_SCHEMA], displayName: 'Planned', members: [] }),
        true,
      ],
      [
        'PATCH /Users/{id}',
        () => scim.patch(`Users/${user}`, patchOp({ op: 'replace', path: 'active', value: false })),
        false,
      ],
      ['DELETE /Users/{id}', () => scim.delete(`Users/${other}`), true],
      ['DELETE /Groups/{id}', () => scim.delete(`Groups/${group}`), true],
    ];
    for (const [name, step, generic] of steps) {
      const events = await statementsOf(step);
      expectScopedTo(events, tenant.tenantId);
      expect([name, genericPlans(events)]).toEqual([name, generic]);
    }
  });

  it('the generic plans last one transaction, like the scope', async () => {
    const db = t.app.get(Database, { strict: false });
    const read = "SELECT current_setting('plan_cache_mode') AS mode";
    const inside = await db.transaction(
      tenant.tenantId,
      (tx) => tx.sql<{ mode: string }>(read),
      MEMBERSHIP_WRITE,
    );
    expect(inside.rows[0].mode).toBe('force_generic_plan');
    for (let i = 0; i < 3; i++) {
      const after = await db.transaction(tenant.tenantId, (tx) => tx.sql<{ mode: string }>(read));
      expect(after.rows[0].mode).toBe('auto');
    }
  });

  it('the scope lasts one transaction: the next user of the pooled connection does not inherit it', async () => {
    const db = t.app.get(Database, { strict: false });
    const read = "SELECT current_setting('app.tenant_id', true) AS scope, current_user AS role";
    type Scope = { scope: string | null; role: string };
    const inside = await db.transaction(tenant.tenantId, (tx) => tx.sql<Scope>(read));
    // The tenant, and the role row-level security applies to (src/storage/tenant-scope.ts).
    expect(inside.rows[0]).toEqual({ scope: tenant.tenantId, role: APP_ROLE });
    for (let i = 0; i < 3; i++) {
      const after = await db.systemStatement((tx) => tx.sql<Scope>(read));
      expect([null, '']).toContain(after.rows[0].scope);
      expect(after.rows[0].role).not.toBe(APP_ROLE);
    }
  });
});
