import { Cluster } from './support/cluster.js';
import { ScimClient, Traffic, createTenant, newUser, uniqueName } from './support/http.js';
import {
  ADMIN_TOKEN,
  type ServerProcess,
  startServerProcess,
  stopAllServers,
} from './support/server-process.js';

/**
 * A server killed with SIGKILL while an identity provider streams creates at it loses no create it
 * acknowledged: a 201 means committed (the answer is sent after COMMIT), whatever happens next.
 */
describe('SIGKILL during a stream of creates', () => {
  const traffic = new Traffic();
  let cluster: Cluster;
  let databaseUrl: string;

  beforeAll(async () => {
    cluster = await Cluster.start();
    databaseUrl = await cluster.createDatabase('scim_sigkill');
  }, 120_000);
  afterAll(async () => {
    await stopAllServers();
    await cluster?.stop();
  }, 120_000);

  it('every create answered 201 before the kill is present after the restart (writes lost = 0)', async () => {
    const ROUNDS = 3;
    const WRITERS = 4;
    const ACKS_BEFORE_KILL = 40;
    let server: ServerProcess = await startServerProcess({ databaseUrl });
    const port = server.port;
    const tenant = await createTenant(traffic, server.baseUrl, ADMIN_TOKEN);
    const acknowledged = new Map<string, string>(); // id → userName
    const unanswered: string[] = []; // userNames whose create got no answer (outcome unknown)
    const unexpected: string[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      const client = new ScimClient(traffic, server.baseUrl, tenant.apiKey);
      let acksThisRound = 0;
      let killed = false;
      const writer = async () => {
        // Bounded: each writer stops at the kill, or after 500 requests if the kill never comes.
        for (let i = 0; i < 500 && !killed; i++) {
          const userName = uniqueName('kill');
          try {
            const answer = await client.post('Users', newUser(userName));
            if (answer.status === 201) {
              acknowledged.set(answer.json.id, userName);
              acksThisRound++;
            } else {
              unexpected.push(`POST /Users → ${answer.status} ${answer.text.slice(0, 200)}`);
            }
          } catch {
            unanswered.push(userName);
            return; // the server is gone
          }
        }
      };
      const writers = Array.from({ length: WRITERS }, writer);
      // Kill once enough creates were acknowledged, with the writers' next requests in flight.
      for (let waited = 0; acksThisRound < ACKS_BEFORE_KILL && waited < 600; waited++) {
        await new Promise((done) => setTimeout(done, 50));
      }
      expect(acksThisRound).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
      killed = true;
      await server.kill9();
      await Promise.all(writers);
      server = await startServerProcess({ databaseUrl, port });
    }

    const client = new ScimClient(traffic, server.baseUrl, tenant.apiKey);
    const lost: string[] = [];
    for (const [id, userName] of acknowledged) {
      const answer = await client.get(`Users/${id}`);
      if (answer.status !== 200 || answer.json.userName !== userName) {
        lost.push(`${id} (${userName}) → ${answer.status}`);
      }
    }
    const stored = await cluster.sql('scim_sigkill', (sql) =>
      sql.query<{ id: string }>('SELECT id FROM scim_user WHERE tenant_id = $1', [tenant.id]),
    );
    const storedIds = new Set(stored.rows.map((row) => row.id));
    const missingInSql = [...acknowledged.keys()].filter((id) => !storedIds.has(id));

    console.log(
      traffic.summary('sigkill', {
        kills: ROUNDS,
        acknowledged: acknowledged.size,
        unanswered: unanswered.length,
        'writes lost': lost.length,
      }),
    );
    expect(lost).toEqual([]);
    expect(missingInSql).toEqual([]);
    expect(unexpected).toEqual([]);
    expect(traffic.serverErrors).toEqual([]);
    expect(traffic.contractViolations).toEqual([]);
  }, 180_000);
});
