import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../support/app.js';
import { contractOf } from '../support/contract.js';

/**
 * On SIGTERM the server stops accepting connections and drains the requests in flight. A request that
 * still arrives meanwhile (pipelined, or on a busy keep-alive connection) gets a SCIM 503 with
 * Retry-After, as every other error does (RFC 7644 §3.12).
 */
describe('draining on shutdown', () => {
  let test: TestApp;

  beforeEach(async () => {
    // Raw HTTP over a socket: the drained answer is checked against the contract below.
    test = await startTestApp({}, undefined, { validateContract: false });
    await test.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    await test.close();
  });

  /** Sends `second` on a connection kept busy through close(); answers the raw response to it. */
  async function sendWhileClosing(second: string) {
    const server = test.app.getHttpServer();
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const ended = new Promise<void>((done) => socket.on('close', () => done()));

    // A first request whose body is still on its way keeps the connection busy through close().
    const arrived = new Promise<void>((done) => server.once('request', () => done()));
    socket.write(
      'POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/scim+json\r\n' +
        'Content-Length: 2\r\n\r\n{',
    );
    await arrived;
    const closing = test.app.close();
    // Closing has begun once the listener is closed (after Fastify's preClose hooks).
    for (let turn = 0; turn < 1000 && server.listening; turn++) {
      await new Promise((done) => setTimeout(done, 10));
    }
    expect(server.listening).toBe(false);
    // The rest of the first body, then a second request on the same connection, while draining.
    socket.write(`}GET ${second} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await ended;
    await closing;

    const responses = received.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    const [head, body] = responses[1].split('\r\n\r\n');
    const headers = Object.fromEntries(
      head
        .split('\r\n')
        .slice(1)
        .map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
    );
    return { head, body, headers };
  }

  it('answers a request that arrives while closing with a SCIM 503 and Retry-After', async () => {
    const contract = contractOf(test.app);
    const url = '/scim/v2/ServiceProviderConfig';
    const { head, body, headers } = await sendWhileClosing(url);
    expect(head).toMatch(/^HTTP\/1\.1 503/);
    expect(head).toMatch(/\r\ncontent-type: application\/scim\+json/i);
    expect(head).toMatch(/\r\nretry-after: \d+/i);
    expect(JSON.parse(body)).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '503',
    });
    expect(contract.check({ method: 'GET', url, status: 503, headers, body })).toEqual([]);
  });

  it('answers a readiness probe while closing with the health 503 its route documents', async () => {
    const contract = contractOf(test.app);
    const url = '/health/ready';
    const { head, body, headers } = await sendWhileClosing(url);
    expect(head).toMatch(/^HTTP\/1\.1 503/);
    expect(JSON.parse(body)).toMatchObject({ status: 'error', error: { draining: { status: 'down' } } });
    expect(contract.check({ method: 'GET', url, status: 503, headers, body })).toEqual([]);
  });
});
