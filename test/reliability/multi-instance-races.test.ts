import type pg from 'pg';
import { Cluster } from './support/cluster.js';
import {
  type Answer,
  ScimClient,
  Traffic,
  createTenant,
  newGroup,
  newUser,
  patchOp,
  send,
  uniqueName,
} from './support/http.js';
import {
  ADMIN_TOKEN,
  type ServerProcess,
  startServerProcess,
  stopAllServers,
} from './support/server-process.js';

/**
 * Three server processes on one database: what one instance checks, another may change at the same
 * moment, so every invariant must hold in the database itself (constraints, locks), not in memory.
 */
describe('races over three server instances on one database', () => {
  const traffic = new Traffic();
  const DATABASE = 'scim_races';
  let cluster: Cluster;
  let servers: ServerProcess[] = [];
  /** The same tenant on each instance. */
  let clients: ScimClient[];
  let tenantId: string;

  const sql = <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    cluster.sql(DATABASE, (client) => client.query<T>(text, values)).then((result) => result.rows);

  const ok = (answer: Answer, ...statuses: number[]) => {
    if (!statuses.includes(answer.status)) {
      throw new Error(`${answer.method} ${answer.path} → ${answer.status} ${answer.text.slice(0, 300)}`);
    }
    return answer;
  };

  const createUser = async (client = clients[0]) =>
    ok(await client.post('Users', newUser(uniqueName('race'))), 201).json.id as string;
  const createGroup = async (members: string[] = [], client = clients[0]) =>
    ok(await client.post('Groups', newGroup(uniqueName('group'), members)), 201).json.id as string;
  const addMembers = (client: ScimClient, groupId: string, ...ids: string[]) =>
    client.patch(
      `Groups/${groupId}`,
      patchOp({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }),
    );
  const memberIds = async (groupId: string) => {
    const rows = await sql<{ member_id: string }>(
      'SELECT member_id FROM scim_membership WHERE tenant_id = $1 AND group_id = $2',
      [tenantId, groupId],
    );
    return rows.map((row) => row.member_id).sort();
  };

  beforeAll(async () => {
    cluster = await Cluster.start();
  }, 120_000);
  afterAll(async () => {
    console.log(traffic.summary('multi-instance races'));
    const logged = servers.flatMap((server) => server.errors(3));
    if (logged.length) console.log(`[reliability] server errors logged:\n${logged.join('\n')}`);
    await stopAllServers();
    await cluster?.stop();
  }, 120_000);

  it('three instances started together on a fresh database all migrate and become ready', async () => {
    // Two fresh databases: the first one is where the other races run.
    for (const name of [DATABASE, 'scim_races_fresh']) {
      const databaseUrl = await cluster.createDatabase(name);
      const started = await Promise.allSettled([0, 1, 2].map(() => startServerProcess({ databaseUrl })));
      const failures = started.flatMap((result) =>
        result.status === 'rejected' ? [String(result.reason)] : [],
      );
      const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      if (name === DATABASE) {
        servers = running;
        // The other races need three instances even when this one failed: start the missing ones now.
        while (servers.length < 3) servers.push(await startServerProcess({ databaseUrl }));
      } else {
        await Promise.all(running.map((server) => server.stop()));
      }
      expect(failures).toEqual([]);
      // Each migration applied once, whichever instance won.
      const applied = await cluster.sql(name, (client) =>
        client.query<{ name: string; n: string }>(
          'SELECT name, count(*) AS n FROM mikro_orm_migrations GROUP BY name HAVING count(*) > 1',
        ),
      );
      expect(applied.rows).toEqual([]);
    }
  }, 120_000);

  /** The tenant of the races, once the three instances run (whatever the start test found). */
  const ready = async () => {
    if (clients) return;
    const tenant = await createTenant(traffic, servers[0].baseUrl, ADMIN_TOKEN);
    tenantId = tenant.id;
    clients = servers.map((server) => new ScimClient(traffic, server.baseUrl, tenant.apiKey));
  };
  beforeEach(async () => {
    if (servers.length === 3) await ready();
  });

  it('adding a user to a group while another instance deletes the user never leaves a member pointing at a deleted user', async () => {
    const ROUNDS = 8;
    const PAIRS = 6;
    const statuses: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const groupId = await createGroup();
      const users = await Promise.all(Array.from({ length: PAIRS }, () => createUser()));
      const answers = await Promise.all(
        users.flatMap((userId, i) => [
          addMembers(clients[1 + (i % 2)], groupId, userId),
          clients[2 - (i % 2)].delete(`Users/${userId}`),
        ]),
      );
      for (const answer of answers) {
        const key = `${answer.method} ${answer.status}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
      // The user is deleted (204) whatever the add did; the add succeeds or says the user is unknown.
      expect(answers.filter((a) => a.method === 'DELETE').map((a) => a.status)).toEqual(
        Array(PAIRS).fill(204),
      );
      for (const answer of answers.filter((a) => a.method === 'PATCH')) {
        expect([200, 204, 400, 404, 409]).toContain(answer.status);
      }
      const dangling = await sql(
        `SELECT m.member_id FROM scim_membership m
          WHERE m.tenant_id = $1 AND m.member_type = 'User'
            AND NOT EXISTS (SELECT 1 FROM scim_user u WHERE u.tenant_id = m.tenant_id AND u.id = m.member_id)`,
        [tenantId],
      );
      expect(dangling).toEqual([]);
      const group = ok(await clients[0].get(`Groups/${groupId}`), 200).json;
      expect(group.members ?? []).toEqual([]);
    }
    console.log(`[reliability] add-member vs delete-user statuses: ${JSON.stringify(statuses)}`);
  }, 120_000);

  it('nesting A in B and B in A (or a three-group ring) sent together never both succeed', async () => {
    const ROUNDS = 8;
    let refused = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const ring = round % 2 === 0 ? 2 : 3;
      const groups = await Promise.all(Array.from({ length: ring }, () => createGroup()));
      const answers = await Promise.all(
        groups.map((groupId, i) => addMembers(clients[i % 3], groupId, groups[(i + 1) % ring])),
      );
      for (const answer of answers) expect([200, 204, 400, 409]).toContain(answer.status);
      const succeeded = answers.filter((answer) => answer.status < 300).length;
      refused += ring - succeeded;
      expect(succeeded).toBeLessThan(ring);
      // And no cycle at all among this tenant's groups.
      const cycles = await sql(
        `WITH RECURSIVE reach(start_id, group_id) AS (
           SELECT group_id, member_id FROM scim_membership WHERE tenant_id = $1 AND member_type = 'Group'
           UNION
           SELECT r.start_id, m.member_id FROM reach r
             JOIN scim_membership m ON m.tenant_id = $1 AND m.group_id = r.group_id AND m.member_type = 'Group'
         )
         SELECT start_id FROM reach WHERE start_id = group_id`,
        [tenantId],
      );
      expect(cycles).toEqual([]);
    }
    expect(refused).toBeGreaterThanOrEqual(ROUNDS);
  }, 120_000);

  it('concurrent member adds and removes from three instances lose nothing, neither members nor their events', async () => {
    const ROUNDS = 3;
    const ADDS = 30;
    const REMOVES = 15;
    for (let round = 0; round < ROUNDS; round++) {
      const toRemove = await Promise.all(Array.from({ length: REMOVES }, () => createUser()));
      const toAdd = await Promise.all(Array.from({ length: ADDS }, () => createUser()));
      const groupId = await createGroup(toRemove);
      const answers = await Promise.all([
        ...toAdd.map((userId, i) => addMembers(clients[i % 3], groupId, userId)),
        ...toRemove.map((userId, i) =>
          clients[(i + 1) % 3].patch(
            `Groups/${groupId}`,
            patchOp({ op: 'remove', path: `members[value eq "${userId}"]` }),
          ),
        ),
      ]);
      for (const answer of answers) ok(answer, 200, 204);
      expect(await memberIds(groupId)).toEqual([...toAdd].sort());
      const group = ok(await clients[round % 3].get(`Groups/${groupId}`), 200).json;
      expect((group.members ?? []).map((m: { value: string }) => m.value).sort()).toEqual([...toAdd].sort());
      // The outbox lost nothing either: one event per member change, whichever instance made it.
      const events = await sql<{ type: string; member: string }>(
        `SELECT type, data->'member'->>'value' AS member FROM change_event
          WHERE tenant_id = $1 AND resource_id = $2 AND type LIKE 'group.member_%'`,
        [tenantId, groupId],
      );
      const membersOf = (type: string) =>
        events
          .filter((event) => event.type === type)
          .map((event) => event.member)
          .sort();
      expect(membersOf('group.member_added')).toEqual([...toRemove, ...toAdd].sort());
      expect(membersOf('group.member_removed')).toEqual([...toRemove].sort());
    }
  }, 120_000);

  it('deleting a tenant while its identity provider writes: the operator gets 204, the writers 401/404, never 500', async () => {
    const ROUNDS = 3;
    const statuses: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const tenant = await createTenant(traffic, servers[0].baseUrl, ADMIN_TOKEN, `doomed ${round}`);
      const writers = servers
        .slice(0, 2)
        .map((server) => new ScimClient(traffic, server.baseUrl, tenant.apiKey));
      const groupId = await createGroup([], writers[0]);
      let deletedAt = -1; // index in `seen` when the admin's answer arrived
      const seen: Answer[] = [];
      const write = async (client: ScimClient) => {
        // Bounded: stops on the first 401 after the delete, or after 300 requests.
        for (let i = 0; i < 300; i++) {
          const created = await client.post('Users', newUser(uniqueName('doomed')));
          seen.push(created);
          if (created.status === 201) seen.push(await addMembers(client, groupId, created.json.id));
          if (deletedAt >= 0 && seen.at(-1)!.status === 401) return;
        }
      };
      const writing = writers.map(write);
      while (seen.length < 20) await new Promise((done) => setTimeout(done, 10));
      const deletion = await send(traffic, servers[2].baseUrl, 'DELETE', `/admin/v1/tenants/${tenant.id}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      deletedAt = seen.length;
      await Promise.all(writing);
      expect(deletion.status).toBe(204);
      for (const answer of seen) {
        const key = `${answer.method} ${answer.status}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
      const odd = seen.filter((answer) => ![200, 201, 204, 401, 404].includes(answer.status));
      expect(odd.map((a) => `${a.method} ${a.path} → ${a.status} ${a.text.slice(0, 200)}`)).toEqual([]);
      // Requests sent after the operator's 204 are refused: the key died with the tenant.
      const lateSent = seen.slice(deletedAt + 2 * writers.length);
      expect(
        lateSent.filter((answer) => answer.status !== 401).map((a) => `${a.method} → ${a.status}`),
      ).toEqual([]);
      const left = await sql(
        `SELECT 'user' AS kind FROM scim_user WHERE tenant_id = $1
         UNION ALL SELECT 'group' FROM scim_group WHERE tenant_id = $1
         UNION ALL SELECT 'member' FROM scim_membership WHERE tenant_id = $1`,
        [tenant.id],
      );
      expect(left).toEqual([]);
    }
    console.log(`[reliability] tenant delete under writes, writer statuses: ${JSON.stringify(statuses)}`);
    expect(traffic.serverErrors).toEqual([]);
    expect(traffic.contractViolations).toEqual([]);
  }, 120_000);
});
