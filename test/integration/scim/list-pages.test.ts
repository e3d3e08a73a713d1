import { compileFilter } from '../../../src/domain/filter/to-sql.js';
import { parseListQuery, type ListQueryInput } from '../../../src/domain/list/list-query.js';
import { sortKeyFor } from '../../../src/domain/list/sort-key.js';
import type { ResourceTypeName } from '../../../src/domain/schema/types.js';
import { scimRegistry } from '../../../src/modules/scim/scim-registry.js';
import { GROUP_COLUMN_MAP } from '../../../src/storage/group-columns.js';
import { sqlObservers, type SqlEvent } from '../../../src/storage/sql.js';
import { TENANT_SCOPE_SQL } from '../../../src/storage/tenant-scope.js';
import { USER_COLUMN_MAP } from '../../../src/storage/user-columns.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { GROUP_SCHEMA, newUser, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant, type TestTenant } from '../../support/tenants.js';

type Resource = Record<string, unknown> & { id: string };
type Page = {
  totalResults?: number;
  startIndex: number;
  itemsPerPage: number;
  nextCursor?: string;
  Resources: Resource[];
};

/**
 * A list page is ONE statement (ResourceTable.list): its rows, totalResults (index paging) and
 * User.groups or Group.members. These tests hold it to what the page used to be, three statements
 * (count, page, related rows): the same resources in the same order, the same totals, the same related
 * lists, and to what GET by id returns for each resource.
 */
describe('list pages: one statement, the same answers', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let scim: ScimRequests;
  const users: Resource[] = [];
  const groups: Resource[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    await createTenant(t.app, 'Bystander');
    tenant = await createTenant(t.app, 'Listed');
    scim = scimAs(t.app, tenant.apiKey);
    for (let i = 0; i < 14; i++) {
      const res = await scim.post(
        'Users',
        newUser(`lister${String(i).padStart(2, '0')}@example.com`, {
          // Ties and gaps on purpose: sort keys repeat (id breaks ties) and some are absent (last).
          ...(i % 4 === 0 ? {} : { displayName: `Lister ${String.fromCharCode(90 - (i % 5))}` }),
          ...(i % 3 === 0 ? {} : { title: i % 2 === 0 ? 'Engineer' : 'Designer' }),
          active: i % 5 !== 0,
        }),
      );
      expect(res.statusCode).toBe(201);
      users.push(res.json());
    }
    const group = async (displayName: string, members: string[]) => {
      const res = await scim.post('Groups', {
        schemas: [GROUP_SCHEMA],
        displayName,
        members: members.map((value) => ({ value })),
      });
      expect(res.statusCode).toBe(201);
      groups.push(res.json());
      return res.json().id as string;
    };
    // Display names out of creation order: User.groups is ordered by displayName, not by creation.
    const zulu = await group('Zulu', [users[0].id, users[1].id, users[2].id]);
    await group('alpha', [users[0].id, users[3].id]);
    await group('Mike', [users[0].id, users[1].id, zulu]);
    await group('Empty', []);
  });
  afterAll(() => t?.close());

  async function page(path: string): Promise<Page> {
    const res = await scim.get(path);
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  /** The statements a request ran after its transaction's scope statement (the key lookup is not its). */
  async function statementsOf(path: string): Promise<{ scoped: SqlEvent[]; body: Page }> {
    const events: SqlEvent[] = [];
    const observe = (event: SqlEvent) => events.push(event);
    sqlObservers.add(observe);
    let body: Page;
    try {
      body = await page(path);
    } finally {
      sqlObservers.delete(observe);
    }
    const scope = events.findIndex((event) => event.text === TENANT_SCOPE_SQL);
    expect(scope).toBeGreaterThanOrEqual(0);
    return { scoped: events.slice(scope + 1).filter((event) => !/\bapi_key\b/.test(event.text)), body };
  }

  describe('one statement per page', () => {
    it.each([
      ['a filter page of users with their groups', 'Users?filter=userName+sw+%22lister0%22&count=5', true],
      ['an index page deep into the users', 'Users?startIndex=9&count=3', true],
      ['a cursor page of users', 'Users?cursor=&count=4&sortBy=userName', true],
      ['a later cursor page sorted by a nullable attribute', 'Users?cursor=&count=4&sortBy=title', true],
      ['a page of groups with their members', 'Groups?attributes=members,displayName', true],
      ['a page of users without groups', 'Users?excludedAttributes=groups', false],
      ['a page of groups without members', 'Groups?excludedAttributes=members', false],
      ['count=0 (totalResults alone)', 'Users?count=0&filter=active+eq+true', false],
    ])('%s: exactly one statement besides the scope', async (_name, path, related) => {
      const { scoped, body } = await statementsOf(path);
      expect(scoped).toHaveLength(1);
      expect(scoped[0].text).not.toBe(TENANT_SCOPE_SQL);
      expect(scoped[0].text.includes('scim_membership')).toBe(related);
      if (body.nextCursor) {
        // The next cursor page is one statement too.
        const next = await statementsOf(`${path.replace('cursor=', `cursor=${body.nextCursor}`)}`);
        expect(next.scoped).toHaveLength(1);
      }
    });
  });

  describe('totalResults (RFC 7644 §3.4.2, RFC 9865 §2.2)', () => {
    it('index pages carry it, cursor pages do not; count=0 carries it with either paging', async () => {
      const index = await page('Users?startIndex=2&count=3');
      expect(index).toMatchObject({ totalResults: users.length, startIndex: 2, itemsPerPage: 3 });
      let cursor = '';
      const seen: string[] = [];
      for (let pages = 0; pages < 10; pages++) {
        const body = await page(`Users?cursor=${cursor}&count=4`);
        expect(body).not.toHaveProperty('totalResults');
        expect(body).toMatchObject({ startIndex: 1, itemsPerPage: body.Resources.length });
        seen.push(...body.Resources.map((r) => r.id));
        if (!body.nextCursor) break;
        cursor = body.nextCursor;
      }
      expect(seen.sort()).toEqual(users.map((u) => u.id).sort());
      expect(await page('Users?cursor=&count=0')).toMatchObject({ totalResults: users.length });
    });

    it('an empty index page still carries the total: past the end, and for a filter matching nothing', async () => {
      expect(await page('Users?startIndex=100&count=5')).toMatchObject({
        totalResults: users.length,
        itemsPerPage: 0,
        Resources: [],
      });
      expect(await page('Users?filter=userName+eq+%22nobody%22')).toMatchObject({
        totalResults: 0,
        Resources: [],
      });
      const emptyCursor = await page('Users?filter=userName+eq+%22nobody%22&cursor=');
      expect(emptyCursor).toMatchObject({ itemsPerPage: 0, Resources: [] });
      expect(emptyCursor).not.toHaveProperty('totalResults');
      expect(emptyCursor).not.toHaveProperty('nextCursor');
    });

    it('stays exact for index paging while users come and go between pages', async () => {
      const other = scimAs(t.app, (await createTenant(t.app, 'Churn')).apiKey);
      const create = async (i: number) => {
        const res = await other.post('Users', newUser(`churn${i}@example.com`, { title: 'Churned' }));
        expect(res.statusCode).toBe(201);
        return res.json().id as string;
      };
      const ids: string[] = [];
      for (let i = 0; i < 23; i++) ids.push(await create(i));
      // Users outside the filter do not count.
      await other.post('Users', newUser('bystander@example.com', { title: 'Other' }));
      const filter = `filter=${encodeURIComponent('title eq "Churned"')}`;
      const totals: number[] = [];
      const expected: number[] = [];
      let live = ids.length;
      for (let start = 1, round = 0; round < 5; start += 5, round++) {
        const res = await other.get(`Users?${filter}&startIndex=${start}&count=5`);
        expect(res.statusCode).toBe(200);
        const body: Page = res.json();
        totals.push(body.totalResults as number);
        expected.push(live);
        expect(body.itemsPerPage).toBe(Math.max(0, Math.min(5, live - (start - 1))));
        // Between pages: two leave, three arrive.
        for (const id of ids.splice(0, 2)) expect((await other.delete(`Users/${id}`)).statusCode).toBe(204);
        for (let i = 0; i < 3; i++) ids.push(await create(100 + round * 3 + i));
        live += 1;
      }
      expect(totals).toEqual(expected);
      const counted = await t.db.client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM scim_user WHERE data->>'title' = 'Churned'`,
      );
      expect((await other.get(`Users?${filter}&count=0`)).json().totalResults).toBe(counted.rows[0].n);
    });
  });

  describe('the same resources, order, totals and related lists as the three statements of before', () => {
    /**
     * What a page was before it became one statement: count, page and related rows, as separate
     * statements (built from the same filter compiler and sort keys as the server).
     */
    async function before(type: ResourceTypeName, input: ListQueryInput) {
      const query = parseListQuery(scimRegistry, type, input);
      const table = type === 'User' ? 'scim_user' : 'scim_group';
      const columns = type === 'User' ? USER_COLUMN_MAP : GROUP_COLUMN_MAP;
      const values: unknown[] = [tenant.tenantId];
      const where = ['r.tenant_id = $1'];
      if (query.filter) {
        const predicate = compileFilter(query.filter, type, {
          columns,
          paramOffset: 1,
          registry: scimRegistry,
        });
        values.push(...predicate.values);
        where.push(`(${predicate.text})`);
      }
      const client = t.db.client;
      const total = await client.query<{ total: number }>(
        `SELECT count(*)::int AS total FROM ${table} r WHERE ${where.join(' AND ')}`,
        values,
      );
      const key = sortKeyFor(query.sortBy, columns);
      const direction = query.sortOrder === 'descending' ? 'DESC' : 'ASC';
      const nulls = key.notNull ? '' : ' NULLS LAST';
      const rows = await client.query<{ id: string }>(
        `SELECT r.id FROM ${table} r WHERE ${where.join(' AND ')}
          ORDER BY ${key.sql} ${direction}${nulls}, r.id ${direction}
          LIMIT ${query.count} OFFSET ${query.startIndex - 1}`,
        values,
      );
      const ids = rows.rows.map((row) => row.id);
      const related =
        type === 'User'
          ? await client.query<{ owner: string; value: string; display: string | null }>(
              `SELECT m.member_id AS owner, g.id AS value, g.display_name AS display
                 FROM scim_membership m JOIN scim_group g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
                WHERE m.tenant_id = $1 AND m.member_id = ANY($2::uuid[]) ORDER BY g.display_name, g.id`,
              [tenant.tenantId, ids],
            )
          : await client.query<{ owner: string; value: string; display: string | null }>(
              `SELECT m.group_id AS owner, m.member_id AS value,
                      coalesce(u.display_name, u.user_name, g.display_name) AS display
                 FROM scim_membership m
                 LEFT JOIN scim_user u ON m.member_type = 'User' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
                 LEFT JOIN scim_group g ON m.member_type = 'Group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
                WHERE m.tenant_id = $1 AND m.group_id = ANY($2::uuid[]) ORDER BY m.group_id, m.member_id`,
              [tenant.tenantId, ids],
            );
      return {
        totalResults: total.rows[0].total,
        ids,
        related: ids.map((id) =>
          related.rows.filter((row) => row.owner === id).map(({ value, display }) => ({ value, display })),
        ),
      };
    }

    const USER_QUERIES: ListQueryInput[] = [
      {},
      { startIndex: '4', count: '5' },
      { startIndex: '13', count: '5' },
      { startIndex: '40', count: '5' },
      { sortBy: 'userName', sortOrder: 'descending', count: '6' },
      { sortBy: 'displayName' },
      { sortBy: 'displayName', sortOrder: 'descending', startIndex: '3', count: '7' },
      { sortBy: 'title', startIndex: '2', count: '9' },
      { sortBy: 'title', sortOrder: 'descending' },
      { sortBy: 'meta.lastModified', sortOrder: 'descending', count: '4' },
      { filter: 'active eq true', sortBy: 'displayName' },
      { filter: 'title eq "Engineer" or displayName pr', startIndex: '2', count: '4' },
      { filter: 'not (title pr) and emails[type eq "work"]' },
      { filter: 'userName sw "LISTER1"', sortBy: 'userName' },
      { filter: 'userName eq "nobody"' },
    ];

    it.each(USER_QUERIES.map((input) => [JSON.stringify(input), input]))('Users %s', async (_name, input) => {
      const expected = await before('User', input);
      const body = await page(`Users?${new URLSearchParams(input as Record<string, string>)}`);
      expect(body.totalResults).toBe(expected.totalResults);
      expect(body.Resources.map((r) => r.id)).toEqual(expected.ids);
      expect(
        body.Resources.map((r) =>
          ((r.groups ?? []) as { value: string; display: string }[]).map(({ value, display }) => ({
            value,
            display,
          })),
        ),
      ).toEqual(expected.related);
    });

    const GROUP_QUERIES: ListQueryInput[] = [
      {},
      { sortBy: 'displayName', sortOrder: 'descending', startIndex: '2', count: '2' },
      { filter: 'displayName eq "zulu"' },
      { filter: 'members pr' },
    ];

    it.each(GROUP_QUERIES.map((input) => [JSON.stringify(input), input]))(
      'Groups %s',
      async (_name, input) => {
        const expected = await before('Group', input);
        const body = await page(`Groups?${new URLSearchParams(input as Record<string, string>)}`);
        expect(body.totalResults).toBe(expected.totalResults);
        expect(body.Resources.map((r) => r.id)).toEqual(expected.ids);
        expect(
          body.Resources.map((r) =>
            ((r.members ?? []) as { value: string; display?: string }[]).map(({ value, display }) => ({
              value,
              display: display ?? null,
            })),
          ),
        ).toEqual(expected.related);
      },
    );
  });

  describe('each listed resource equals its GET by id', () => {
    async function expectEachAsFetched(resources: Resource[], endpoint: 'Users' | 'Groups') {
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) {
        const fetched = await scim.get(`${endpoint}/${resource.id}`);
        expect(fetched.statusCode).toBe(200);
        expect(resource).toEqual(fetched.json());
      }
    }

    it('users with their groups, on index and cursor pages', async () => {
      const index = await page('Users?count=100');
      expect(index.Resources.some((u) => ((u.groups as unknown[]) ?? []).length > 1)).toBe(true);
      await expectEachAsFetched(index.Resources, 'Users');
      const listed: Resource[] = [];
      let cursor = '';
      for (let pages = 0; pages < 10; pages++) {
        const body = await page(`Users?cursor=${cursor}&count=5&sortBy=displayName`);
        listed.push(...body.Resources);
        if (!body.nextCursor) break;
        cursor = body.nextCursor;
      }
      expect(listed).toHaveLength(users.length);
      await expectEachAsFetched(listed, 'Users');
    });

    it('groups with their members (users and groups), on index and cursor pages', async () => {
      const index = await page('Groups');
      expect(index.Resources.map((g) => g.displayName).sort()).toEqual(['Empty', 'Mike', 'Zulu', 'alpha']);
      await expectEachAsFetched(index.Resources, 'Groups');
      const first = await page('Groups?cursor=&count=3');
      const rest = await page(`Groups?cursor=${first.nextCursor}&count=3`);
      expect(rest).not.toHaveProperty('nextCursor');
      await expectEachAsFetched([...first.Resources, ...rest.Resources], 'Groups');
    });
  });
});
