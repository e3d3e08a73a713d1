import { Cluster } from './support/cluster.js';
import {
  ERROR_SCHEMA,
  SCIM_JSON,
  ScimClient,
  Traffic,
  createTenant,
  newGroup,
  newUser,
  uniqueName,
} from './support/http.js';
import { RawConnection, requestText } from './support/raw-http.js';
import { seedLargeGroup } from './support/seed.js';
import {
  ADMIN_TOKEN,
  type ServerProcess,
  startServerProcess,
  stopAllServers,
} from './support/server-process.js';

/**
 * SIGTERM (a rolling deploy, docker stop) while requests are in flight: those requests finish, a
 * request that arrives during the drain gets a SCIM-formatted 503 (RFC 7644 §3.12), and the process
 * exits 0.
 */
describe('SIGTERM with requests in flight', () => {
  const DATABASE = 'scim_sigterm';
  const traffic = new Traffic();
  let cluster: Cluster;
  let databaseUrl: string;

  beforeAll(async () => {
    cluster = await Cluster.start();
    databaseUrl = await cluster.createDatabase(DATABASE);
  }, 120_000);
  afterAll(async () => {
    console.log(traffic.summary('sigterm'));
    await stopAllServers();
    await cluster?.stop();
  }, 120_000);

  const waitForOutput = async (server: ServerProcess, pattern: RegExp) => {
    for (let waited = 0; waited < 200 && !server.output.some((line) => pattern.test(line)); waited++) {
      await new Promise((done) => setTimeout(done, 50));
    }
  };

  it('finishes a create whose body is still arriving and a large group being streamed, answers a pipelined request 503 in SCIM form, exits 0', async () => {
    const MEMBERS = 20_000;
    const ROUNDS = 2;
    for (let round = 0; round < ROUNDS; round++) {
      const server = await startServerProcess({ databaseUrl });
      const tenant = await createTenant(traffic, server.baseUrl, ADMIN_TOKEN, `sigterm ${round}`);
      const auth = { authorization: `Bearer ${tenant.apiKey}`, 'content-type': SCIM_JSON };
      const userName = uniqueName('sigterm');
      const body = JSON.stringify(newUser(userName));
      const half = Math.floor(body.length / 2);
      let createdBody = '{}';
      const scim = new ScimClient(traffic, server.baseUrl, tenant.apiKey);
      const groupId = (await scim.post('Groups', newGroup(uniqueName('large')))).json.id as string;
      await seedLargeGroup(cluster, DATABASE, tenant.id, groupId, MEMBERS);

      // A large group is being streamed to a client that reads slowly (it stops reading after the
      // first bytes, so the server's writes back up).
      const stream = await RawConnection.open(server.port);
      await stream.write(
        requestText('GET', `/scim/v2/Groups/${groupId}`, {
          authorization: auth.authorization,
          connection: 'close',
        }),
      );
      expect(await stream.firstBytes(30_000)).toBe(true);
      stream.pause();

      // The create is in flight: headers and half of its body sent, the rest after the signal.
      const connection = await RawConnection.open(server.port);
      try {
        const whole = requestText('POST', '/scim/v2/Users', auth, body);
        await connection.write(whole.slice(0, whole.length - (body.length - half)));
        await new Promise((done) => setTimeout(done, 300));
        server.signal('SIGTERM');
        await waitForOutput(server, /SIGTERM received/);
        // The rest of the body, then a second request pipelined behind it on the same connection.
        await connection.write(body.slice(half));
        await connection.write(
          requestText('GET', '/scim/v2/Users?count=1', { authorization: auth.authorization }),
        );
        traffic.sent += 3;
        stream.resume();
        const [streamed] = await stream.responses(30_000);
        const [created, late] = await connection.responses(30_000);

        expect(streamed?.status).toBe(200);
        expect(streamed?.headers['x-test-incomplete']).toBeUndefined();
        expect(JSON.parse(streamed!.body).members).toHaveLength(MEMBERS);
        expect(created?.status).toBe(201);
        createdBody = created!.body;
        expect(JSON.parse(created!.body)).toMatchObject({ userName });
        expect(late?.status).toBe(503);
        expect(late!.headers['content-type']).toMatch(/^application\/scim\+json/);
        expect(JSON.parse(late!.body)).toMatchObject({ schemas: [ERROR_SCHEMA], status: '503' });
      } finally {
        connection.destroy();
        stream.destroy();
      }
      const exit = await Promise.race([
        server.exited,
        new Promise<'hung'>((done) => setTimeout(() => done('hung'), 40_000)),
      ]);
      if (exit === 'hung') await server.kill9();
      expect({ exit, output: exit === 'hung' || exit.code !== 0 ? server.tail(10) : '' }).toEqual({
        exit: { code: 0, signal: null },
        output: '',
      });

      // The finished create is in the database.
      const found = await cluster.sql(DATABASE, (client) =>
        client.query('SELECT id FROM scim_user WHERE tenant_id = $1 AND user_name = $2', [
          tenant.id,
          userName,
        ]),
      );
      expect(found.rows).toEqual([{ id: JSON.parse(createdBody).id }]);
    }
  }, 180_000);
});
