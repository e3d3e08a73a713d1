import { sqlObservers, type SqlEvent } from '../../../src/storage/sql.js';
import { TENANT_SCOPE_SQL, tenantScopeParams } from '../../../src/storage/tenant-scope.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant, type TestTenant } from '../../support/tenants.js';

/**
 * Under row-level security PostgreSQL evaluates the tenant policy before any condition that applies a
 * function not marked LEAKPROOF to a column, and such a condition is never an index condition: with
 * `lower(user_name) = lower($2)` the (tenant_id, lower(user_name)) index went unused by requests, and
 * `userName eq "x"` (what Okta sends for every user it provisions) scanned the tenant. These tests plan
 * the statements the server really sends, scoped as a request's transaction is, on a tenant big enough
 * for a scan to be the worse plan, and require the index of the compared column.
 */
const USERS = 2_000;
const GROUPS = 2_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

const INDEX_SCANS = new Set(['Index Scan', 'Index Only Scan', 'Bitmap Index Scan']);

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('case-insensitive lookups keep their index under row-level security', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let scim: ScimRequests;

  beforeAll(async () => {
    t = await startTestApp();
    const bystander = await createTenant(t.app, 'Bystander');
    tenant = await createTenant(t.app, 'Indexed');
    scim = scimAs(t.app, tenant.apiKey);
    // Seeded as the tables' owner, in one statement per table (the HTTP path would take minutes).
    for (const tenantId of [tenant.tenantId, bystander.tenantId]) {
      await t.db.client.query(
        `INSERT INTO scim_user (tenant_id, id, user_name, display_name, given_name, family_name, primary_email,
                                created_at, last_modified, data)
         SELECT $1, gen_random_uuid(), 'User' || n || '@Example.com', 'User ' || n, 'Given' || n, 'Family' || n,
                'User' || n || '@Example.com', now(), now(),
                jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'),
                                   'userName', 'User' || n || '@Example.com', 'active', true,
                                   'displayName', 'User ' || n,
                                   'name', jsonb_build_object('givenName', 'Given' || n, 'familyName', 'Family' || n))
           FROM generate_series(1, $2::int) AS n`,
        [tenantId, USERS],
      );
      await t.db.client.query(
        `INSERT INTO scim_group (tenant_id, id, display_name, created_at, last_modified, data)
         SELECT $1, gen_random_uuid(), 'Group ' || n, now(), now(),
                jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:Group'),
                                   'displayName', 'Group ' || n)
           FROM generate_series(1, $2::int) AS n`,
        [tenantId, GROUPS],
      );
    }
    await t.db.client.query('ANALYZE scim_user, scim_group');
  });
  afterAll(() => t?.close());

  /** The one statement of a list page (ResourceTable.list: rows, total, related lists), with its values. */
  async function pageStatement(
    path: string,
  ): Promise<{ statement: SqlEvent; body: Record<string, unknown> }> {
    const events: SqlEvent[] = [];
    const observe = (event: SqlEvent) => events.push(event);
    sqlObservers.add(observe);
    let body: Record<string, unknown>;
    try {
      const res = await scim.get(path);
      expect(res.statusCode).toBe(200);
      body = res.json();
    } finally {
      sqlObservers.delete(observe);
    }
    const pages = events.filter((event) => /^WITH page AS \(SELECT r\.id\b.* ORDER BY /s.test(event.text));
    expect(pages).toHaveLength(1);
    return { statement: pages[0], body };
  }

  /** The plan of `statement` inside a transaction scoped to the tenant exactly as a request's is. */
  async function scopedPlan(statement: SqlEvent): Promise<PlanNode> {
    const client = t.db.client;
    await client.query('BEGIN');
    try {
      await client.query(TENANT_SCOPE_SQL, tenantScopeParams(tenant.tenantId));
      // Scoped for real: the policies apply to this transaction (the table owner would bypass them).
      const { rows: active } = await client.query(`SELECT row_security_active('scim_user') AS on`);
      expect(active[0].on).toBe(true);
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${statement.text}`, [...statement.values]);
      return (rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan;
    } finally {
      await client.query('ROLLBACK');
    }
  }

  /** The names of the table's indexes over `column` (its lowercase copy, or lower(column)). */
  async function indexesOn(table: string, column: string): Promise<string[]> {
    const { rows } = await t.db.client.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE tablename = $1 AND indexdef ~ $2`,
      [table, `\\m${column}(_lower)?\\M`],
    );
    return rows.map((row) => row.indexname);
  }

  /**
   * The plan scans `table` through an index over `column` with the comparison on that column as an index
   * condition: not a Seq Scan, nor another index (the tenant's) with the comparison left as a filter.
   */
  async function expectIndexOf(table: string, column: string, statement: SqlEvent): Promise<void> {
    const plan = await scopedPlan(statement);
    const indexes = await indexesOn(table, column);
    expect(indexes.length).toBeGreaterThan(0);
    const summary = nodes(plan)
      .filter((node) => node['Relation Name'] === table || node['Node Type'] === 'Bitmap Index Scan')
      .map((node) =>
        [node['Node Type'], node['Index Name'], node['Index Cond'] && `cond ${node['Index Cond']}`]
          .filter(Boolean)
          .join(' '),
      );
    const used = new RegExp(
      `^(${[...INDEX_SCANS].join('|')}) (${indexes.join('|')}) cond .*\\b${column}(_lower)?\\b`,
    );
    expect({ statement: statement.text, scans: summary }).toEqual({
      statement: statement.text,
      scans: expect.arrayContaining([expect.stringMatching(used)]),
    });
    expect(summary.filter((scan) => scan.startsWith('Seq Scan'))).toEqual([]);
  }

  it('userName eq (what Okta sends for every user) uses the userName index', async () => {
    const { statement, body } = await pageStatement('Users?filter=userName+eq+%22user1234@example.COM%22');
    expect(body.totalResults).toBe(1);
    await expectIndexOf('scim_user', 'user_name', statement);
  });

  it('User displayName eq and name.familyName eq use their indexes', async () => {
    const byDisplayName = await pageStatement('Users?filter=displayName+eq+%22user%2077%22');
    expect(byDisplayName.body.totalResults).toBe(1);
    await expectIndexOf('scim_user', 'display_name', byDisplayName.statement);

    const byFamilyName = await pageStatement('Users?filter=name.familyName+eq+%22FAMILY77%22');
    expect(byFamilyName.body.totalResults).toBe(1);
    await expectIndexOf('scim_user', 'family_name', byFamilyName.statement);
  });

  it('Group displayName eq uses the displayName index', async () => {
    const { statement, body } = await pageStatement('Groups?filter=displayName+eq+%22GROUP%201500%22');
    expect(body.totalResults).toBe(1);
    await expectIndexOf('scim_group', 'display_name', statement);
  });

  it('a descending page of users sorted by userName, after a keyset cursor, walks the index backward', async () => {
    const path = 'Users?sortBy=userName&sortOrder=descending&count=50';
    const first = await pageStatement(`${path}&cursor=`);
    const nextCursor = first.body.nextCursor as string;
    expect(typeof nextCursor).toBe('string');
    const second = await pageStatement(`${path}&cursor=${encodeURIComponent(nextCursor)}`);
    expect(second.statement.text).toMatch(/\) < \(\$\d+::text, \$\d+::uuid\)/);
    await expectIndexOf('scim_user', 'user_name', second.statement);
  });

  it('a page of users sorted by userName, after a keyset cursor, walks the userName index', async () => {
    const path = 'Users?sortBy=userName&count=50';
    const first = await pageStatement(`${path}&cursor=`);
    const nextCursor = first.body.nextCursor as string;
    expect(typeof nextCursor).toBe('string');
    const second = await pageStatement(`${path}&cursor=${encodeURIComponent(nextCursor)}`);
    // The keyset predicate compares the sort key with the cursor's position: an index condition.
    expect(second.statement.text).toMatch(/\) > \(\$\d+::text, \$\d+::uuid\)/);
    await expectIndexOf('scim_user', 'user_name', second.statement);
  });
});
