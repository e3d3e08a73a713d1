/**
 * The outbox and the events API (docs/events.md): events are written with the write (nothing for a
 * no-op), member events set-based, tenants isolated, a poller never misses an event when transactions
 * commit out of order, and a cursor from before pruned events answers 410.
 */
import pg from 'pg';
import { EventsService } from '../../src/modules/events/events.service.js';
import { Database, type TenantTx } from '../../src/storage/database.js';
import { EventsRepository } from '../../src/storage/events.repository.js';
import { GroupsRepository } from '../../src/storage/groups.repository.js';
import { MembershipsRepository } from '../../src/storage/memberships.repository.js';
import { UsersRepository } from '../../src/storage/users.repository.js';
import { userEvents } from '../../src/domain/events/change-events.js';
import { scimRegistry } from '../../src/modules/scim/scim-registry.js';
import { encodeEventCursor } from '../../src/domain/events/event-cursor.js';
import { sqlObservers, type SqlEvent } from '../../src/storage/sql.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENTS_ADMIN_TOKEN, feedReader, getFeed, type FeedEvent } from '../support/events.js';
import { newUser, patchOp, scimAs, type ScimRequests, GROUP_SCHEMA } from '../support/scim-requests.js';
import { createTenant, type TestTenant } from '../support/tenants.js';
import { untilOneWaitsForALock } from '../support/until.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let scimA: ScimRequests;
let scimB: ScimRequests;

beforeAll(async () => {
  t = await startTestApp({ ADMIN_TOKEN: EVENTS_ADMIN_TOKEN });
  a = await createTenant(t.app, 'Events A');
  b = await createTenant(t.app, 'Events B');
  scimA = scimAs(t.app, a.apiKey);
  scimB = scimAs(t.app, b.apiKey);
});
afterAll(() => t.close());

async function createUser(scim: ScimRequests, userName: string): Promise<string> {
  const res = await scim.post('Users', newUser(userName));
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function createGroup(scim: ScimRequests, displayName: string, members: string[] = []): Promise<string> {
  const res = await scim.post('Groups', {
    schemas: [GROUP_SCHEMA],
    displayName,
    members: members.map((value) => ({ value })),
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

describe('writes that change nothing append no event', () => {
  it('a PATCH to the same value, a PUT of the same user, a member added twice or removed when absent', async () => {
    const userId = await createUser(scimA, 'noop@example.com');
    const groupId = await createGroup(scimA, 'No-op group', [userId]);
    const other = await createUser(scimA, 'noop-other@example.com');
    const feed = feedReader(t.app, a.tenantId);
    await feed.poll();

    expect(
      (await scimA.patch(`Users/${userId}`, patchOp({ op: 'replace', path: 'active', value: true })))
        .statusCode,
    ).toBe(200);
    const current = (await scimA.get(`Users/${userId}`)).json();
    expect((await scimA.put(`Users/${userId}`, current)).statusCode).toBe(200);
    expect(
      (
        await scimA.patch(
          `Groups/${groupId}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: userId }] }),
        )
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await scimA.patch(
          `Groups/${groupId}`,
          patchOp({ op: 'remove', path: `members[value eq "${other}"]` }),
        )
      ).statusCode,
    ).toBe(200);
    const group = (await scimA.get(`Groups/${groupId}`)).json();
    expect((await scimA.put(`Groups/${groupId}`, group)).statusCode).toBe(200);
    // A failed write (409) appends nothing either.
    expect((await scimA.post('Users', newUser('NOOP@example.com'))).statusCode).toBe(409);

    expect(await feed.poll()).toEqual([]);
  });
});

describe('member events', () => {
  it('name their group: created with members, the new group; a PUT or PATCH that renames it, the group before the rename', async () => {
    const first = await createUser(scimA, 'named-1@example.com');
    const second = await createUser(scimA, 'named-2@example.com');
    const feed = feedReader(t.app, a.tenantId);
    await feed.poll();
    const created = await scimA.post('Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Named',
      externalId: 'ext-named',
      members: [{ value: first }],
    });
    expect(created.statusCode).toBe(201);
    const groupId = created.json().id;
    const put = await scimA.put(`Groups/${groupId}`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'Renamed',
      members: [{ value: second }],
    });
    expect(put.statusCode).toBe(200);
    const patch = await scimA.patch(
      `Groups/${groupId}`,
      patchOp(
        { op: 'replace', path: 'displayName', value: 'Renamed again' },
        { op: 'add', path: 'members', value: [{ value: first }] },
      ),
    );
    expect(patch.statusCode).toBe(200);
    const events = await feed.poll();
    const group = { id: groupId };
    expect(
      events.map((e) => [
        e.type,
        e.data.group ?? { id: e.data.resource.id, displayName: e.data.resource.displayName },
      ]),
    ).toEqual([
      ['group.created', { id: groupId, displayName: 'Named' }],
      ['group.member_added', { ...group, displayName: 'Named', externalId: 'ext-named' }],
      ['group.member_removed', { ...group, displayName: 'Named', externalId: 'ext-named' }],
      ['group.member_added', { ...group, displayName: 'Named', externalId: 'ext-named' }],
      ['group.updated', { id: groupId, displayName: 'Renamed' }],
      ['group.member_added', { ...group, displayName: 'Renamed', externalId: null }],
      ['group.updated', { id: groupId, displayName: 'Renamed again' }],
    ]);
  });

  it('a PATCH adding 1,000 members writes 1,000 group.member_added events in the membership statement itself', async () => {
    const groupId = await createGroup(scimA, 'Thousand');
    const { rows } = await t.db.client.query<{ id: string }>(
      `INSERT INTO scim_user (tenant_id, id, user_name, active, user_type, created_at, last_modified, version, data)
       SELECT $1, gen_random_uuid(), 'k' || n || '@example.com', true, 'Viewer', now(), now(), 1,
              jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'),
                                 'userName', 'k' || n || '@example.com')
         FROM generate_series(1, 1000) AS n
       RETURNING id`,
      [a.tenantId],
    );
    const feed = feedReader(t.app, a.tenantId);
    await feed.poll();

    const statements: SqlEvent[] = [];
    const observe = (event: SqlEvent) => statements.push(event);
    sqlObservers.add(observe);
    try {
      const res = await scimA.patch(
        `Groups/${groupId}`,
        patchOp({ op: 'add', path: 'members', value: rows.map(({ id }) => ({ value: id })) }),
      );
      expect(res.statusCode).toBe(200);
    } finally {
      sqlObservers.delete(observe);
    }
    const eventWrites = statements.filter((s) => s.text.includes('INSERT INTO change_event'));
    expect(eventWrites).toHaveLength(1);
    // The membership statement reports the rows it added (its `affected`), as before events existed.
    expect(eventWrites[0].text).toMatch(/INSERT INTO scim_membership/);
    expect(eventWrites[0].affected).toBe(1000);

    const events = await feed.poll();
    expect(events).toHaveLength(1000);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['group.member_added']));
    expect(new Set(events.map((e) => e.data.member.value))).toEqual(new Set(rows.map(({ id }) => id)));
    expect(new Set(events.map((e) => e.requestId)).size).toBe(1);
  });

  it('deleting a user who is a member: group.member_removed for each of its groups, then user.deleted', async () => {
    const userId = await createUser(scimA, 'leaver@example.com');
    const first = await createGroup(scimA, 'Leaver 1', [userId]);
    const second = await createGroup(scimA, 'Leaver 2', [userId]);
    const feed = feedReader(t.app, a.tenantId);
    await feed.poll();
    expect((await scimA.delete(`Users/${userId}`)).statusCode).toBe(204);
    const events = await feed.poll();
    expect(events.map((e) => e.type)).toEqual([
      'group.member_removed',
      'group.member_removed',
      'user.deleted',
    ]);
    expect(new Set(events.slice(0, 2).map((e) => e.data.group.id))).toEqual(new Set([first, second]));
    expect(events.slice(0, 2).every((e) => e.data.member.value === userId)).toBe(true);
  });
});

/** The statements a request sent, while it ran. */
async function statementsOf(request: () => Promise<{ statusCode: number }>): Promise<SqlEvent[]> {
  const statements: SqlEvent[] = [];
  const observe = (event: SqlEvent) => statements.push(event);
  sqlObservers.add(observe);
  try {
    expect((await request()).statusCode).toBeLessThan(300);
  } finally {
    sqlObservers.delete(observe);
  }
  return statements;
}

describe("a write of a user or group row appends its events in the row's own statement", () => {
  it('POST /Users: the INSERT appends user.created; a PATCH deactivating and promoting: the UPDATE appends its three events, in order', async () => {
    const feed = feedReader(t.app, a.tenantId);
    await feed.poll();
    let id = '';
    const created = await statementsOf(async () => {
      const res = await scimA.post('Users', newUser('appended@example.com'));
      id = res.json().id;
      return res;
    });
    const [creation] = created.filter((s) => s.text.includes('INSERT INTO change_event'));
    expect(created.filter((s) => s.text.includes('INSERT INTO change_event'))).toHaveLength(1);
    expect(creation.text).toMatch(/INSERT INTO scim_user/);
    const updated = await statementsOf(() =>
      scimA.patch(`Users/${id}`, patchOp({ op: 'replace', value: { active: false, userType: 'Admin' } })),
    );
    const writes = updated.filter((s) => s.text.includes('INSERT INTO change_event'));
    expect(writes).toHaveLength(1);
    expect(writes[0].text).toMatch(/UPDATE scim_user/);
    const events = await feed.poll();
    expect(events.map((e) => [e.type, e.data.resource.id])).toEqual([
      ['user.created', id],
      ['user.updated', id],
      ['user.deactivated', id],
      ['user.role_changed', id],
    ]);
    expect(events[0].data.resource.meta).toEqual({ resourceType: 'User', version: 'W/"1"' });
    expect(events[3].data.role).toEqual({ from: 'Viewer', to: 'Admin' });
    // The four share the write's transactions' positions: created first, the update's three after it.
    expect(new Set(events.slice(1).map((e) => e.requestId)).size).toBe(1);
  });

  it('a row write that writes no row (no such user) appends none of its events', async () => {
    const db = t.app.get(Database, { strict: false });
    const users = t.app.get(UsersRepository, { strict: false });
    const events = t.app.get(EventsRepository, { strict: false });
    const missing = '00000000-0000-4000-8000-00000000abcd';
    const before = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'gone@example.com' };
    const after = { ...before, active: false, userType: 'Editor' };
    const cause = { requestId: 'no-such-row', apiKeyId: a.apiKeyId };
    for (const drafts of [
      userEvents(scimRegistry, missing, undefined, after, 1),
      userEvents(scimRegistry, missing, before, after, 2),
      userEvents(scimRegistry, missing, before, { ...before, displayName: 'Gone' }, 2),
    ]) {
      expect(drafts.length).toBeGreaterThan(0);
      const written = await db.transaction(a.tenantId, (tx) =>
        users.update(tx, missing, after, (statement) =>
          events.appending(statement, a.tenantId, drafts, cause),
        ),
      );
      expect(written).toBeUndefined();
    }
    const { rows } = await t.db.client.query(
      `SELECT count(*)::int AS n FROM change_event WHERE request_id = $1`,
      [cause.requestId],
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('the events API', () => {
  it("a tenant's feed has its own events only; the all-tenants feed has both; unknown tenant 404", async () => {
    const inA = await createUser(scimA, 'isolated@example.com');
    const inB = await createUser(scimB, 'isolated@example.com');
    const feedA = await feedReader(t.app, a.tenantId).poll();
    const feedB = await feedReader(t.app, b.tenantId).poll();
    expect(feedA.every((e) => e.tenantId === a.tenantId)).toBe(true);
    expect(feedB.every((e) => e.tenantId === b.tenantId)).toBe(true);
    expect(feedA.some((e) => e.data.resource?.id === inA)).toBe(true);
    expect(feedA.some((e) => e.data.resource?.id === inB)).toBe(false);
    expect(feedB.map((e) => e.data.resource?.id)).toContain(inB);
    const all = await feedReader(t.app).poll();
    expect(all.map((e) => e.id)).toEqual(expect.arrayContaining([...feedA, ...feedB].map((e) => e.id)));
    expect((await getFeed(t.app, 'tenants/00000000-0000-4000-8000-000000000000/events')).status).toBe(404);
  });

  it('pages oldest first with nextCursor on every page (also the last, and an empty one); types filters', async () => {
    const full = await feedReader(t.app, b.tenantId).poll();
    const pages: FeedEvent[][] = [];
    let after: string | undefined;
    for (let i = 0; i < 50; i += 1) {
      const page = await getFeed(t.app, `tenants/${b.tenantId}/events`, { after, limit: '1' });
      expect(page.status).toBe(200);
      expect(typeof page.body.nextCursor).toBe('string');
      if (page.body.events.length === 0) {
        expect(page.body.nextCursor).toBe(after);
        break;
      }
      pages.push(page.body.events);
      after = page.body.nextCursor;
    }
    expect(pages.flat().map((e) => e.id)).toEqual(full.map((e) => e.id));
    const created = await getFeed(t.app, `tenants/${b.tenantId}/events`, { types: 'user.created' });
    expect(created.body.events.length).toBeGreaterThan(0);
    expect(created.body.events.every((e) => e.type === 'user.created')).toBe(true);
  });

  it.each([
    [{ after: 'not-a-cursor' }, 'invalidCursor'],
    [{ types: 'user.exploded' }, 'invalidValue'],
    [{ limit: '0' }, 'invalidValue'],
    [{ limit: '1001' }, 'invalidValue'],
    [{ since: 'yesterday' }, 'invalidValue'],
  ])('a bad query %j answers 400 %s', async (query, scimType) => {
    for (const path of ['events', `tenants/${a.tenantId}/events`]) {
      const res = await getFeed(t.app, path, query);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: '400', scimType });
    }
  });
});

describe('ordering: transactions that commit out of order', () => {
  let held: pg.Client;
  beforeAll(async () => {
    held = new pg.Client({ connectionString: t.db.url });
    await held.connect();
  });
  afterAll(() => held.end());

  it.each([
    ["a tenant's feed", () => a.tenantId],
    ['the all-tenants feed', () => undefined],
  ])(
    '%s: an event with a smaller seq committed after a larger one is still delivered',
    async (_name, tenantOf) => {
      const feed = feedReader(t.app, tenantOf());
      await feed.poll();
      const userId = await createUser(scimA, `held-${Math.random()}@example.com`);
      await feed.poll();

      // Transaction 1 appends an event (taking the smaller seq) and stays open...
      await held.query('BEGIN');
      const early = await held.query<{ seq: string; id: string }>(
        `INSERT INTO change_event (tenant_id, request_id, api_key_id, type, resource_type, resource_id, data)
       VALUES ($1, 'held-request', $2, 'user.updated', 'User', $3, $4) RETURNING seq::text, id`,
        [
          a.tenantId,
          a.apiKeyId,
          userId,
          {
            version: 1,
            resource: {
              schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
              id: userId,
              userName: 'held@example.com',
              meta: { resourceType: 'User', version: 'W/"2"' },
            },
            changedAttributes: ['displayName'],
          },
        ],
      );
      try {
        // ...while transaction 2 (a SCIM write) appends and commits after it.
        const laterId = await createUser(scimA, `later-${Math.random()}@example.com`);
        const later = (
          await t.db.client.query<{ seq: string }>(
            `SELECT seq::text FROM change_event WHERE resource_id = $1`,
            [laterId],
          )
        ).rows[0];
        expect(BigInt(later.seq)).toBeGreaterThan(BigInt(early.rows[0].seq));

        // A reader polls while transaction 1 is still open...
        const whileOpen = await feed.poll(undefined, { settle: false });
        await held.query('COMMIT');
        // ...and again once it has committed: it has received both events, each once, the earlier first.
        const afterCommit = await feed.poll();
        const received = [...whileOpen, ...afterCommit];
        const ids = received.map((e) => e.id);
        expect(ids).toContain(early.rows[0].id);
        const laterEvent = received.find((e) => e.data.resource?.id === laterId);
        expect(laterEvent).toBeDefined();
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.indexOf(early.rows[0].id)).toBeLessThan(ids.indexOf(laterEvent!.id));
        // How: the later event was held back while the earlier transaction was open.
        expect(whileOpen.map((e) => e.id)).not.toContain(laterEvent!.id);
      } finally {
        await held.query('ROLLBACK').catch(() => undefined);
      }
    },
  );

  /**
   * A transaction kept open while `other` runs: it runs `hold` (and signals), waits until `other` has
   * answered, then runs `then` and commits. Answers what `other` answered. (`other` that must not wait
   * for the transaction to end answers a pending request wrapped in an object.)
   */
  async function whileHeldOpen<T>(
    hold: (tx: TenantTx) => Promise<unknown>,
    other: () => Promise<T>,
    then: (tx: TenantTx) => Promise<unknown> = async () => undefined,
  ): Promise<T> {
    const db = t.app.get(Database, { strict: false });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const holds = new Promise<void>((resolve) => (holding = resolve));
    const first = db.transaction(a.tenantId, async (tx) => {
      await hold(tx);
      holding();
      await gate;
      await then(tx);
    });
    await holds;
    try {
      return await other();
    } finally {
      release();
      await first;
    }
  }

  /**
   * The write with the smaller transaction id commits second: `write` runs in a transaction that takes
   * its id first (as the tenant hold of every write does), then waits while `other` (a request that
   * commits) runs, then writes (as after the row lock) and commits. Answers what `other` answered.
   */
  function smallerIdCommitsSecond<T>(
    write: (tx: TenantTx) => Promise<unknown>,
    other: () => Promise<T>,
  ): Promise<T> {
    return whileHeldOpen((tx) => tx.sql('SELECT pg_current_xact_id()'), other, write);
  }

  it('per resource, commit order: a write with the smaller transaction id that commits second comes second', async () => {
    const userId = await createUser(scimA, `resource-order-${Math.random()}@example.com`);
    const feed = feedReader(t.app, a.tenantId);
    await feed.poll();
    const repository = t.app.get(EventsRepository, { strict: false });
    const second = await smallerIdCommitsSecond(
      (tx) =>
        repository.insert(
          tx,
          [
            {
              type: 'user.deleted',
              resourceType: 'User',
              resourceId: userId,
              data: {
                version: 1,
                resource: { id: userId, userName: 'x', externalId: null, meta: { resourceType: 'User' } },
              },
            },
          ],
          { requestId: 'first', apiKeyId: a.apiKeyId },
        ),
      () => scimA.patch(`Users/${userId}`, patchOp({ op: 'replace', path: 'displayName', value: 'Second' })),
    );
    expect(second.statusCode).toBe(200);
    const events = await feed.poll();
    expect(events.map((e) => `${e.type} ${e.requestId === 'first' ? 'first' : 'second'}`)).toEqual([
      'user.updated second',
      'user.deleted first',
    ]);
  });

  it.each([
    ['adds one member', 'add', 1],
    ['adds two members', 'add', 2],
    ['removes one member', 'remove', 1],
  ] as const)(
    'per group, commit order: a member change with the smaller transaction id that commits second comes second, when it %s',
    async (_, kind, count) => {
      const members = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          createUser(scimA, `member-order-${kind}-${i}-${Math.random()}@example.com`),
        ),
      );
      const other = await createUser(scimA, `member-order-other-${Math.random()}@example.com`);
      const groupId = await createGroup(
        scimA,
        `Member order ${kind} ${count} ${Math.random()}`,
        kind === 'remove' ? members : [],
      );
      const feed = feedReader(t.app, a.tenantId);
      await feed.poll();
      const memberships = t.app.get(MembershipsRepository, { strict: false });
      const cause = { requestId: 'first', apiKeyId: a.apiKeyId };
      const second = await smallerIdCommitsSecond(
        (tx) =>
          kind === 'add'
            ? memberships.insert(
                tx,
                groupId,
                members.map((id) => ({ id, type: 'User' as const })),
                cause,
              )
            : memberships.remove(tx, groupId, members, cause),
        () =>
          scimA.patch(
            `Groups/${groupId}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: other }] }),
          ),
      );
      expect(second.statusCode).toBe(200);
      const events = await feed.poll();
      expect(events.map((e) => `${e.type} ${e.requestId === 'first' ? 'first' : 'second'}`)).toEqual([
        'group.member_added second',
        ...members.map(() => `group.member_${kind === 'add' ? 'added' : 'removed'} first`),
      ]);
      expect(events.slice(1).map((e) => (e.data as { member: { value: string } }).member.value)).toEqual(
        [...members].sort(),
      );
    },
  );

  it("per group, commit order also for a member's DELETE: it waits for a write holding the group, and its member_removed comes after", async () => {
    const [u, v] = await Promise.all([
      createUser(scimA, `delete-order-u-${Math.random()}@example.com`),
      createUser(scimA, `delete-order-v-${Math.random()}@example.com`),
    ]);
    const groupId = await createGroup(scimA, `Delete order ${Math.random()}`, [u]);
    const feed = feedReader(t.app, a.tenantId);
    await feed.poll();
    const memberships = t.app.get(MembershipsRepository, { strict: false });
    const groups = t.app.get(GroupsRepository, { strict: false });
    // A write that holds the group (as every write to it does) and has written its event, not committed;
    // the DELETE is sent meanwhile and waits for it.
    const { deleted } = await whileHeldOpen(
      async (tx) => {
        await groups.find(tx, groupId, 'update');
        await memberships.insert(tx, groupId, [{ id: v, type: 'User' }], {
          requestId: 'first',
          apiKeyId: a.apiKeyId,
        });
      },
      async () => {
        const pending = scimA.delete(`Users/${u}`);
        await untilOneWaitsForALock(t.db.client);
        return { deleted: pending };
      },
    );
    expect((await deleted).statusCode).toBe(204);
    const events = await feed.poll();
    expect(events.map((e) => `${e.type} ${e.requestId === 'first' ? 'first' : 'delete'}`)).toEqual([
      'group.member_added first',
      'group.member_removed delete',
      'user.deleted delete',
    ]);
  });

  it.each(['group', 'user'])(
    'per resource, commit order under real concurrency (a %s): its events come in the order of the versions its PATCHes answered',
    async (kind) => {
      // A tenant of its own: its request budget and its feed are this test's alone.
      const c = await createTenant(t.app, `Events concurrent ${kind}`);
      const scimC = scimAs(t.app, c.apiKey);
      const values: string[] = [];
      let path: string;
      if (kind === 'group') {
        for (let i = 0; i < 16; i++) values.push(await createUser(scimC, `concurrent-${i}@example.com`));
        path = `Groups/${await createGroup(scimC, 'Concurrent')}`;
      } else {
        for (let i = 0; i < 16; i++) values.push(`Name ${i}`);
        path = `Users/${await createUser(scimC, 'concurrent@example.com')}`;
      }
      const feed = feedReader(t.app, c.tenantId);
      await feed.poll();

      // Sent at once: each takes its transaction id in its first round trip, then waits for the row's
      // lock; the order they get it (and commit in) is the order of the versions they answer.
      const answers = await Promise.all(
        values.map((value) =>
          scimC.patch(
            path,
            kind === 'group'
              ? patchOp({ op: 'add', path: 'members', value: [{ value }] })
              : patchOp({ op: 'replace', path: 'displayName', value }),
          ),
        ),
      );
      expect(answers.map((res) => res.statusCode)).toEqual(values.map(() => 200));
      const versionOf = (res: (typeof answers)[number]) => Number(/\d+/.exec(res.json().meta.version)![0]);
      const committed = values
        .map((value, i) => ({ value, version: versionOf(answers[i]) }))
        .sort((x, y) => x.version - y.version);
      expect(new Set(committed.map((x) => x.version)).size).toBe(values.length);

      const events = await feed.poll();
      expect(
        events.map((e) =>
          kind === 'group' ? `${e.type} ${e.data.member.value}` : `${e.type} ${e.data.resource.displayName}`,
        ),
      ).toEqual(
        committed.map((x) => `${kind === 'group' ? 'group.member_added' : 'user.updated'} ${x.value}`),
      );
    },
  );

  it('a reader paging by seq alone would have missed it (the trap this order avoids)', async () => {
    await held.query('BEGIN');
    const early = await held.query<{ seq: string }>(
      `INSERT INTO change_event (tenant_id, request_id, api_key_id, type, resource_type, resource_id, data)
       VALUES ($1, 'trap', $2, 'user.deleted', 'User', gen_random_uuid(), '{"version":1}') RETURNING seq::text`,
      [a.tenantId, a.apiKeyId],
    );
    await createUser(scimA, `trap-${Math.random()}@example.com`);
    const naive = await t.db.client.query<{ max: string }>(`SELECT max(seq)::text AS max FROM change_event`);
    await held.query('ROLLBACK');
    // The naive reader's cursor (the largest visible seq) is already past the uncommitted event.
    expect(BigInt(naive.rows[0].max)).toBeGreaterThan(BigInt(early.rows[0].seq));
  });
});

describe('retention', () => {
  it('prunes events past EVENT_RETENTION_DAYS; a cursor from before them answers 410; idempotent', async () => {
    const events = t.app.get(EventsService, { strict: false });
    // Events of both tenants that will be old (the test also runs alone).
    await createUser(scimA, 'old-a@example.com');
    await createUser(scimB, 'old-b@example.com');
    // A reader that polled long ago, before any event of B: pruned events of B come after it.
    const stale = encodeEventCursor({ xid: '0', seq: '0' });
    const fresh = await createUser(scimB, 'fresh@example.com');
    // Every event but the newest is 40 days old.
    await t.db.client.query(
      `UPDATE change_event SET occurred_at = now() - interval '40 days' WHERE resource_id <> $1`,
      [fresh],
    );
    const { rows } = await t.db.client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM change_event WHERE occurred_at < now() - interval '30 days'`,
    );
    expect(rows[0].n).toBeGreaterThan(0);
    expect(await events.prune()).toBe(rows[0].n);
    // Idempotent: another run (another instance) finds nothing to do.
    expect(await events.prune()).toBe(0);

    // The stale cursor is before the newest pruned event of B: 410, on both feeds.
    for (const path of [`tenants/${b.tenantId}/events`, 'events']) {
      const gone = await getFeed(t.app, path, { after: stale });
      expect(gone.status).toBe(410);
      expect(gone.body).toMatchObject({ status: '410', scimType: 'expiredCursor' });
      expect(String(gone.body.detail)).toMatch(/retention/);
    }
    // Starting again without a cursor works and begins with what was kept.
    const again = await getFeed(t.app, `tenants/${b.tenantId}/events`);
    expect(again.status).toBe(200);
    expect(again.body.events.map((e) => e.data.resource?.id)).toEqual([fresh]);

    // At the newest pruned event exactly, nothing was missed: 200; one before it: 410.
    const horizon = (
      await t.db.client.query<{ xid: string; seq: string }>(
        `SELECT xid::text, seq::text FROM change_event_horizon WHERE tenant_id = $1`,
        [b.tenantId],
      )
    ).rows[0];
    const at = encodeEventCursor(horizon);
    const before = encodeEventCursor({ xid: horizon.xid, seq: String(BigInt(horizon.seq) - 1n) });
    const fromHorizon = await getFeed(t.app, `tenants/${b.tenantId}/events`, { after: at });
    expect(fromHorizon.status).toBe(200);
    expect(fromHorizon.body.events.map((e) => e.data.resource?.id)).toEqual([fresh]);
    expect((await getFeed(t.app, `tenants/${b.tenantId}/events`, { after: before })).status).toBe(410);

    // Tenant A has nothing left: a reader starting now gets an empty page whose cursor keeps working.
    const empty = await getFeed(t.app, `tenants/${a.tenantId}/events`);
    expect(empty.status).toBe(200);
    expect(empty.body.events).toEqual([]);
    const polled = await getFeed(t.app, `tenants/${a.tenantId}/events`, { after: empty.body.nextCursor });
    expect(polled.status).toBe(200);
  });
});
