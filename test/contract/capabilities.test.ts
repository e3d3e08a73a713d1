import type { ServiceProviderConfig } from '../../src/domain/discovery/service-provider-config.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { newUser, patchOp, scimAs, type ScimRequests } from '../support/scim-requests.js';
import { createTenant } from '../support/tenants.js';

/**
 * Capability honesty: every claim of GET /ServiceProviderConfig (RFC 7643 §5, RFC 9865 §4) is checked
 * against what the server really does, whichever way the claim goes, so it can never claim more (or
 * less) than it implements.
 */
describe('ServiceProviderConfig claims match real behaviour', () => {
  let t: TestApp;
  let scim: ScimRequests;
  let config: ServiceProviderConfig;
  let userId: string;

  beforeAll(async () => {
    // Enough request budget to create more users than one page may hold.
    t = await startTestApp({ RATE_LIMIT_RPS: '100000', RATE_LIMIT_BURST: '100000' });
    const tenant = await createTenant(t.app);
    scim = scimAs(t.app, tenant.apiKey);
    config = (await scim.get('ServiceProviderConfig')).json();
    const created = await scim.post('Users', newUser('honest.user@example.com', { displayName: 'Before' }));
    expect(created.statusCode).toBe(201);
    userId = created.json().id;
  });
  afterAll(() => t.close());

  it('patch: PATCH changes a resource exactly when patch.supported', async () => {
    const res = await scim.patch(
      `Users/${userId}`,
      patchOp({ op: 'replace', path: 'displayName', value: 'After' }),
    );
    if (config.patch.supported) {
      expect(res.statusCode).toBe(200);
      expect((await scim.get(`Users/${userId}`)).json().displayName).toBe('After');
    } else {
      expect([405, 501]).toContain(res.statusCode);
    }
  });

  it('etag: ETag equals meta.version, If-None-Match answers 304 and a stale If-Match 412', async () => {
    const res = await scim.get(`Users/${userId}`);
    const version = res.json().meta.version;
    if (!config.etag.supported) {
      expect(res.headers.etag).toBeUndefined();
      return;
    }
    expect(res.headers.etag).toBe(version);
    expect((await scim.get(`Users/${userId}`, { 'if-none-match': version })).statusCode).toBe(304);
    const changed = await scim.patch(
      `Users/${userId}`,
      patchOp({ op: 'replace', path: 'title', value: 'Now' }),
      {
        'if-match': version,
      },
    );
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(version);
    const stale = await scim.patch(
      `Users/${userId}`,
      patchOp({ op: 'replace', path: 'title', value: 'Lost' }),
      {
        'if-match': version,
      },
    );
    expect(stale.statusCode).toBe(412);
    expect((await scim.get(`Users/${userId}`, { 'if-none-match': version })).statusCode).toBe(200);
  });

  describe('with more users than the largest page', () => {
    const total = () => config.filter.maxResults + 1;

    beforeAll(async () => {
      const existing = (await scim.get('Users?count=0')).json().totalResults as number;
      const names = Array.from(
        { length: total() - existing },
        (_, i) => `bulk${String(i).padStart(5, '0')}@example.com`,
      );
      for (let i = 0; i < names.length; i += 25) {
        const batch = await Promise.all(
          names.slice(i, i + 25).map((name) => scim.post('Users', newUser(name))),
        );
        expect(batch.every((res) => res.statusCode === 201)).toBe(true);
      }
    }, 180_000);

    it('filter: maxResults caps a page, whatever count asks for', async () => {
      expect(config.filter.supported).toBe(true);
      const page = (
        await scim.get(`Users?count=${config.filter.maxResults * 10}&attributes=userName`)
      ).json();
      expect(page.totalResults).toBe(total());
      expect(page.itemsPerPage).toBe(config.filter.maxResults);
      expect(page.Resources).toHaveLength(config.filter.maxResults);
    });

    it('pagination: defaultPageSize is the page size without count, maxPageSize the cap', async () => {
      const page = (await scim.get('Users?attributes=userName')).json();
      expect(page.itemsPerPage).toBe(config.pagination.defaultPageSize);
      expect(config.pagination.maxPageSize).toBe(config.filter.maxResults);
    });

    it('pagination: cursor paging walks every user once, index paging is the default', async () => {
      expect(config.pagination).toMatchObject({
        cursor: true,
        index: true,
        defaultPaginationMethod: 'index',
      });
      expect((await scim.get('Users?count=5')).json().nextCursor).toBeUndefined();
      const seen = new Set<string>();
      let cursor = '';
      for (let pages = 0; pages < 10; pages++) {
        const page = (await scim.get(`Users?attributes=id&count=500&cursor=${cursor}`)).json();
        for (const user of page.Resources) seen.add(user.id);
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen.size).toBe(total());
    });
  });

  it('filter: a filter selects what it says', async () => {
    const page = (
      await scim.get(`Users?filter=${encodeURIComponent('userName eq "HONEST.USER@example.com"')}`)
    ).json();
    expect(page.Resources.map((u: { id: string }) => u.id)).toEqual([userId]);
  });

  it('sort: sortBy and sortOrder order the results', async () => {
    const names = async (order: string) =>
      (
        await scim.get(
          `Users?filter=${encodeURIComponent('userName sw "bulk0000"')}&sortBy=userName&sortOrder=${order}`,
        )
      )
        .json()
        .Resources.map((u: { userName: string }) => u.userName);
    const ascending = await names('ascending');
    if (!config.sort.supported) return;
    expect(ascending.length).toBeGreaterThan(2);
    expect(ascending).toEqual([...ascending].sort());
    expect(await names('descending')).toEqual([...ascending].reverse());
  });

  it('changePassword: a password sent is never stored, so it cannot be changed', async () => {
    expect(config.changePassword.supported).toBe(false);
    const marker = `pw-${Date.now()}-unguessable`;
    const res = await scim.patch(`Users/${userId}`, patchOp({ op: 'replace', value: { password: marker } }));
    expect([200, 204]).toContain(res.statusCode);
    expect(res.body).not.toContain(marker);
    const stored = await t.db.client.query(
      `SELECT count(*)::int AS n FROM scim_user WHERE data::text LIKE $1`,
      [`%${marker}%`],
    );
    expect(stored.rows[0].n).toBe(0);
  });

  it('bulk: /Bulk runs operations within the advertised limits, and answers 413 beyond each', async () => {
    const schemas = ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'];
    expect(config.bulk.supported).toBe(true);
    expect(config.bulk.maxOperations).toBeGreaterThan(0);
    expect(config.bulk.maxPayloadSize).toBeGreaterThan(0);
    const ok = await scim.post('Bulk', {
      schemas,
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'cap', data: newUser('cap.bulk@example.com') }],
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().Operations.map((op: { status: string }) => op.status)).toEqual(['201']);
    const tooMany = await scim.post('Bulk', {
      schemas,
      Operations: Array.from({ length: config.bulk.maxOperations + 1 }, (_, i) => ({
        method: 'DELETE',
        path: `/Users/${i}`,
      })),
    });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().detail).toContain(`maxOperations (${config.bulk.maxOperations})`);
    const tooLarge = await scim.post('Bulk', {
      schemas,
      Operations: [
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'big',
          data: newUser('cap.big@example.com', { title: 'x'.repeat(config.bulk.maxPayloadSize) }),
        },
      ],
    });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().detail).toContain(`maxPayloadSize (${config.bulk.maxPayloadSize})`);
  });

  it('authenticationSchemes: the bearer API key is the one scheme, and nothing else gets in', async () => {
    expect(config.authenticationSchemes.map((s) => s.type)).toEqual(['oauthbearertoken']);
    const anonymous = await t.app.inject({ method: 'GET', url: '/scim/v2/Users' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    const basic = await t.app.inject({
      method: 'GET',
      url: '/scim/v2/Users',
      headers: { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` },
    });
    expect(basic.statusCode).toBe(401);
  });

  it('documentationUri: the Swagger UI is there', async () => {
    const path = new URL(config.documentationUri).pathname;
    const res = await t.app.inject({ method: 'GET', url: path });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
  });
});
