import { createScimClient, ScimClientError, type ScimClient } from '../../clients/typescript/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { contractOf } from '../support/contract.js';
import { createTenant } from '../support/tenants.js';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** The TypeScript client's typed `bulk()` against a live server, every answer checked against the contract. */
describe('TypeScript client: bulk()', () => {
  let t: TestApp;
  let scim: ScimClient;

  beforeAll(async () => {
    t = await startTestApp({ BULK_MAX_OPERATIONS: '3' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.getHttpServer().address();
    const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const { apiKey } = await createTenant(t.app);
    const checkedFetch: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const response = await fetch(request);
      const url = new URL(request.url);
      contractOf(t.app).assert({
        method: request.method,
        url: `${url.pathname}${url.search}`,
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: await response.clone().text(),
      });
      return response;
    };
    scim = createScimClient({ baseUrl, apiKey, fetch: checkedFetch });
  });
  afterAll(() => t.close());

  it('sends a BulkRequest and answers the typed BulkResponse, failed operations included', async () => {
    const answer = await scim.bulk({
      schemas: [BULK],
      Operations: [
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'u',
          data: { schemas: [USER], userName: 'client.bulk@example.com' },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: { schemas: [GROUP], displayName: 'Client bulk', members: [{ value: 'bulkId:u' }] },
        },
        { method: 'DELETE', path: '/Users/00000000-0000-4000-8000-000000000000' },
      ],
    });
    expect(answer.Operations.map((op) => [op.method, op.bulkId, op.status])).toEqual([
      ['POST', 'u', '201'],
      ['POST', 'g', '201'],
      ['DELETE', undefined, '404'],
    ]);
    expect(answer.Operations[2].response?.status).toBe('404');
  });

  it('throws a ScimClientError when the request as a whole is refused', async () => {
    const tooMany = scim.bulk({
      schemas: [BULK],
      Operations: Array.from({ length: 4 }, () => ({ method: 'DELETE' as const, path: '/Users/x' })),
    });
    await expect(tooMany).rejects.toBeInstanceOf(ScimClientError);
    await expect(tooMany).rejects.toMatchObject({ status: 413 });
  });
});
