import pg from 'pg';
import { sqlObservers, type SqlEvent } from '../../src/storage/sql.js';
import { TENANT_SCOPE_SQL, tenantScopeParams } from '../../src/storage/tenant-scope.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

/**
 * A page of the team API costs what its page costs, however deep into the tenant it is: each order
 * walks its index from the cursor (`(key…, id) > (…)` is an index condition also under row-level
 * security) and stops after limit + 1 rows. Planned and run as a request's transaction runs it, on a
 * tenant of 100,000 members beside another tenant, so that a scan or a sort would be the plan to beat.
 */
const MEMBERS = 100_000;
const ADMIN_TOKEN = 'operator-token-0123456789abcdef';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('the team API pages over indexes at 100,000 members', () => {
  let t: TestApp;
  let big: TestTenant;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_TOKEN });
    const bystander = await createTenant(t.app, 'Bystander');
    big = await createTenant(t.app, 'Big');
    for (const [tenant, count] of [
      [big, MEMBERS],
      [bystander, 20_000],
    ] as const) {
      await t.db.client.query(
        `INSERT INTO scim_user (tenant_id, id, user_name, active, display_name, given_name, family_name, primary_email,
                                user_type, created_at, last_modified, version, data)
         SELECT $1, gen_random_uuid(), 'user' || n || '@big.test', n % 10 <> 0, 'Member ' || lpad(n::text, 6, '0'),
                'Given', 'Family', 'user' || n || '@big.test', (ARRAY['Admin', 'Editor', 'Viewer', NULL])[1 + n % 4],
                now(), now(), 1, jsonb_build_object('userName', 'user' || n || '@big.test')
           FROM generate_series(1, $2::int) AS n`,
        [tenant.tenantId, count],
      );
    }
    await t.db.client.query('ANALYZE scim_user');
  });
  afterAll(() => t.close());

  /** The statement of the second page (from a cursor) of `query`, planned and run in the tenant's scope. */
  async function secondPagePlan(query: string): Promise<PlanNode[]> {
    const url = `/admin/v1/tenants/${big.tenantId}/members?${query}`;
    const first = await t.app.inject({ method: 'GET', url: `${url}&limit=50`, headers: ADMIN });
    expect(first.statusCode).toBe(200);
    const statements: SqlEvent[] = [];
    const observe = (event: SqlEvent) => statements.push(event);
    sqlObservers.add(observe);
    try {
      const page = await t.app.inject({
        method: 'GET',
        url: `${url}&limit=50&after=${first.json().nextCursor}`,
        headers: ADMIN,
      });
      expect(page.statusCode).toBe(200);
      expect(page.json().members).toHaveLength(50);
    } finally {
      sqlObservers.delete(observe);
    }
    const read = statements.find((s) => s.text.includes('FROM scim_user u WHERE'))!;
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(TENANT_SCOPE_SQL, tenantScopeParams(big.tenantId));
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${read.text}`,
        [...read.values],
      );
      return nodes(rows[0]['QUERY PLAN'][0].Plan).filter((n) => n['Relation Name'] === 'scim_user');
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  }

  it.each([
    ['sort=name', 'scim_user_team_name_idx', /ROW\(team_name_lower, id\) > ROW/],
    ['sort=name&order=desc', 'scim_user_team_name_idx', /ROW\(team_name_lower, id\) < ROW/],
    ['sort=role', 'scim_user_team_role_idx', /ROW\(team_role, team_name_lower, id\) > ROW/],
    ['sort=name&role=Editor', 'scim_user_team_role_idx', /team_role = /],
    ['sort=userName&order=desc', 'scim_user_user_name_lower_uq', /user_name_lower/],
  ])(
    '%s: an index scan from the cursor that reads about one page of rows',
    async (query, index, condition) => {
      const scans = await secondPagePlan(query);
      // The page's own scan (the groups of the page are read by id, by the same or another index).
      const page = scans.find((n) => n['Index Name'] === index);
      expect(page).toBeDefined();
      expect(page!['Node Type']).toMatch(/^Index (Only )?Scan$/);
      expect(page!['Index Cond']).toMatch(condition);
      // No sequential scan or bitmap scan of the tenant anywhere in the plan.
      expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
      // The scan stopped after the page: a few rows more than 51 at most (ties on the unique key).
      expect(page!['Actual Rows']! * (page!['Actual Loops'] ?? 1)).toBeLessThanOrEqual(60);
    },
  );
});
