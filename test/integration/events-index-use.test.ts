import pg from 'pg';
import { sqlObservers, type SqlEvent } from '../../src/storage/sql.js';
import { TENANT_SCOPE_SQL, tenantScopeParams } from '../../src/storage/tenant-scope.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENTS_ADMIN_TOKEN, getFeed } from '../support/events.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

/**
 * A poll of the tenant feed costs what its page costs, however many events are behind the cursor: the
 * cursor condition `(xid, seq) > (…)` is an index condition also under row-level security (the xid8 and
 * bigint comparisons are LEAKPROOF; see rls-index-use.test.ts for what happens otherwise). Planned as a
 * request's transaction runs it, on tenants big enough for a scan to be the worse plan.
 */
const EVENTS = 20_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('the events feed keeps its index under row-level security', () => {
  let t: TestApp;
  let tenant: TestTenant;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN: EVENTS_ADMIN_TOKEN });
    const bystander = await createTenant(t.app, 'Bystander');
    tenant = await createTenant(t.app, 'Busy');
    for (const { tenantId, apiKeyId } of [tenant, bystander]) {
      await t.db.client.query(
        `INSERT INTO change_event (tenant_id, request_id, api_key_id, type, resource_type, resource_id, data)
         SELECT $1, 'seed', $2, 'user.created', 'User', u.id,
                jsonb_build_object('version', 1, 'resource', jsonb_build_object(
                  'schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'), 'id', u.id,
                  'userName', 'u' || n || '@example.com', 'meta', jsonb_build_object('resourceType', 'User', 'version', 'W/"1"')))
           FROM generate_series(1, $3::int) AS n, LATERAL (SELECT gen_random_uuid() AS id) AS u`,
        [tenantId, apiKeyId, EVENTS],
      );
    }
    await t.db.client.query('ANALYZE change_event');
  });
  afterAll(() => t.close());

  it('a poll from a cursor deep into the feed is an index range scan from the cursor', async () => {
    const first = await getFeed(t.app, `tenants/${tenant.tenantId}/events`, { limit: '1000' });
    const statements: SqlEvent[] = [];
    const observe = (event: SqlEvent) => statements.push(event);
    sqlObservers.add(observe);
    try {
      const page = await getFeed(t.app, `tenants/${tenant.tenantId}/events`, {
        after: first.body.nextCursor,
        limit: '10',
      });
      expect(page.status).toBe(200);
      expect(page.body.events).toHaveLength(10);
    } finally {
      sqlObservers.delete(observe);
    }
    const read = statements.find((s) => s.text.includes('FROM change_event e'))!;
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(TENANT_SCOPE_SQL, tenantScopeParams(tenant.tenantId));
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) ${read.text}`,
        [...read.values],
      );
      const scans = nodes(rows[0]['QUERY PLAN'][0].Plan).filter((n) => n['Relation Name'] === 'change_event');
      expect(scans).toHaveLength(1);
      expect(scans[0]['Node Type']).toBe('Index Scan');
      expect(scans[0]['Index Cond']).toMatch(/ROW\(xid, seq\) > ROW/);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });
});
