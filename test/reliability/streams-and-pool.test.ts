import { Cluster } from './support/cluster.js';
import { ScimClient, Traffic, createTenant, newGroup, uniqueName } from './support/http.js';
import { seedLargeGroup } from './support/seed.js';
import { until } from '../support/until.js';
import {
  ADMIN_TOKEN,
  type ServerProcess,
  readiness,
  startServerProcess,
  stopAllServers,
} from './support/server-process.js';

/**
 * Every pooled connection is released on every path: a 304 for If-None-Match, a HEAD, and a client
 * that hangs up in the middle of a large group's stream. The pool holds 20 connections; each path is
 * taken many more times than that, and the server must still answer everything afterwards.
 */
describe('conditional GETs, HEAD and aborted streams do not exhaust the database pool', () => {
  const DATABASE = 'scim_streams';
  const MEMBERS = 20_000;
  const TIMES = 60;
  const traffic = new Traffic();
  let cluster: Cluster;
  let server: ServerProcess;
  let scim: ScimClient;
  let groupId: string;
  let databaseUrl: string;

  beforeAll(async () => {
    cluster = await Cluster.start();
    databaseUrl = await cluster.createDatabase(DATABASE);
    server = await startServerProcess({ databaseUrl });
    const tenant = await createTenant(traffic, server.baseUrl, ADMIN_TOKEN);
    // A leaked connection shows as requests that never answer: 15 s bounds each one.
    scim = new ScimClient(traffic, server.baseUrl, tenant.apiKey, 15_000);
    groupId = (await scim.post('Groups', newGroup(uniqueName('large')))).json.id;
    await seedLargeGroup(cluster, DATABASE, tenant.id, groupId, MEMBERS);
  }, 120_000);
  // A fresh server process for each path, so that one path's leak does not fail the next one.
  beforeEach(async () => {
    if (server.isRunning && (await readiness(server.baseUrl)) === 200) return;
    await server.kill9();
    server = await startServerProcess({ databaseUrl, port: server.port });
  }, 60_000);
  afterEach(async () => {
    const logged = server.errors(5);
    if (logged.length) console.log(`[reliability] server errors logged:\n${logged.join('\n')}`);
    await server.kill9();
  });
  afterAll(async () => {
    console.log(traffic.summary('streams and pool', { members: MEMBERS, 'times each path': TIMES }));
    await stopAllServers();
    await cluster?.stop();
  });

  /** Runs `work` TIMES times, ten at a time. */
  const many = async (work: (i: number) => Promise<void>) => {
    for (let i = 0; i < TIMES; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => work(i + j)));
  };

  /** The server still serves: ready, a list, and the whole large group (needs a connection each). */
  const expectServing = async () => {
    let ready = 0;
    for (let attempt = 0; attempt < 20 && ready !== 200; attempt++) {
      ready = await readiness(server.baseUrl);
      if (ready !== 200) await new Promise((done) => setTimeout(done, 500));
    }
    expect(ready).toBe(200);
    const answers = await Promise.all(Array.from({ length: 25 }, () => scim.get('Users?count=1')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(25).fill(200));
    const group = await scim.get(`Groups/${groupId}`);
    expect(group.status).toBe(200);
    expect(group.json.members).toHaveLength(MEMBERS);
    // No connection of the server is left inside a transaction or a query. The server's own background
    // work (the webhook worker's fan-out, once a second) may be running at the moment of a look: a
    // leaked connection stays busy, so look again, for at most 2 s, until none is.
    const busy = await until(
      async () =>
        (
          await cluster.sql(DATABASE, (client) =>
            client.query<{ pid: number; state: string; query: string }>(
              `SELECT pid, state, left(query, 80) AS query FROM pg_stat_activity
                WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle'`,
              [DATABASE],
            ),
          )
        ).rows,
      (rows) => rows.length === 0,
      { timeoutMs: 2_000, intervalMs: 200 },
    );
    expect(busy).toEqual([]);
  };

  it('If-None-Match with the current ETag answers 304, many times over', async () => {
    const first = await scim.get(`Groups/${groupId}`);
    expect(first.status).toBe(200);
    const etag = first.headers.etag;
    expect(etag).toBeDefined();
    const statuses: number[] = [];
    await many(async () => {
      statuses.push((await scim.get(`Groups/${groupId}`, { 'if-none-match': etag })).status);
    });
    expect(statuses).toEqual(Array(TIMES).fill(304));
    await expectServing();
  }, 120_000);

  it('HEAD on the large group, many times over', async () => {
    const statuses: number[] = [];
    await many(async () => {
      statuses.push((await scim.request('HEAD', `Groups/${groupId}`)).status);
    });
    expect(statuses).toEqual(Array(TIMES).fill(200));
    await expectServing();
  }, 120_000);

  it('clients hanging up in the middle of the large group stream, many times over', async () => {
    let abortedMidStream = 0;
    await many(async () => {
      const controller = new AbortController();
      const hang = setTimeout(() => controller.abort(), 15_000);
      try {
        traffic.sent++;
        const response = await fetch(`${server.baseUrl}/scim/v2/Groups/${groupId}`, {
          headers: { authorization: `Bearer ${scim.apiKey}` },
          signal: controller.signal,
        });
        expect(response.status).toBe(200);
        const reader = response.body!.getReader();
        const first = await reader.read();
        if (!first.done) abortedMidStream++;
        controller.abort();
        await reader.read().catch(() => undefined);
      } finally {
        clearTimeout(hang);
      }
    });
    expect(abortedMidStream).toBe(TIMES);
    await expectServing();
  }, 120_000);
});
