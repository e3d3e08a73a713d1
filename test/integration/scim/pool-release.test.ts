import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { startTestApp, type TestApp } from '../../support/app.js';
import { GROUP_SCHEMA, newUser, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant, type TestTenant } from '../../support/tenants.js';
import { until, untilOneWaitsForALock } from '../../support/until.js';

/**
 * GET /Groups/{id} streams the members from a server-side cursor that holds a pooled connection until
 * the iteration ends. Every way a read can end without reading to the end (304, HEAD, the client
 * hanging up) must give that connection back, or a handful of such requests starve every tenant.
 */
describe('group reads give their pooled connection back', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let scim: ScimRequests;
  let pool: pg.Pool;
  let groupId: string;
  let etag: string;

  /** Connections checked out of the application's pool right now. */
  const inUse = () => pool.totalCount - pool.idleCount;

  /** Waits (bounded) until every connection is back in the pool; returns how many were still out. */
  function settledInUse(): Promise<number> {
    return until(
      async () => inUse(),
      (n) => n === 0,
      { timeoutMs: 2_000, intervalMs: 20 },
    );
  }

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t.app);
    scim = scimAs(t.app, tenant.apiKey);
    pool = (await t.app.get(MikroORM).em.getConnection().getNativeClient()) as pg.Pool;
    const members = [];
    for (let i = 0; i < 3; i++) {
      members.push({ value: (await scim.post('Users', newUser(`reader${i}@example.com`))).json().id });
    }
    const group = await scim.post('Groups', { schemas: [GROUP_SCHEMA], displayName: 'Readers', members });
    expect(group.statusCode).toBe(201);
    groupId = group.json().id;
    etag = group.headers.etag as string;
  });
  afterAll(() => t.close());

  const poolSize = () => (pool.options as { max: number }).max;

  it('a 304 answer to If-None-Match (RFC 7644 §3.14) releases the member cursor', async () => {
    const res = await scim.get(`Groups/${groupId}`, { 'if-none-match': etag });
    expect(res.statusCode).toBe(304);
    expect(await settledInUse()).toBe(0);
  });

  it('a HEAD of a group releases the member cursor', async () => {
    const res = await t.app.inject({
      method: 'HEAD',
      url: `/scim/v2/Groups/${groupId}`,
      headers: { authorization: `Bearer ${tenant.apiKey}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe(etag);
    expect(res.body).toBe('');
    expect(await settledInUse()).toBe(0);
  });

  it('more 304s and HEADs than the pool holds leave the server ready and reading', async () => {
    const rounds = poolSize() + 5;
    for (let i = 0; i < rounds; i++) {
      expect((await scim.get(`Groups/${groupId}`, { 'if-none-match': etag })).statusCode).toBe(304);
      const head = await t.app.inject({
        method: 'HEAD',
        url: `/scim/v2/Groups/${groupId}`,
        headers: { authorization: `Bearer ${tenant.apiKey}` },
      });
      expect(head.statusCode).toBe(200);
    }
    expect(await settledInUse()).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    const read = await scim.get(`Groups/${groupId}`);
    expect(read.statusCode).toBe(200);
    expect(read.json().members).toHaveLength(3);
  });

  describe('over a real socket', () => {
    let port: number;
    let bigGroupId: string;

    beforeAll(async () => {
      await t.app.listen(0, '127.0.0.1');
      port = (t.app.getHttpServer().address() as AddressInfo).port;
      // A group far larger than every socket buffer, so that a client that stops reading leaves the
      // server blocked mid-stream with its cursor open. Seeded with SQL: 40k POSTs would take minutes.
      const big = await scim.post('Groups', { schemas: [GROUP_SCHEMA], displayName: 'Everyone' });
      bigGroupId = big.json().id;
      await t.db.client.query(
        `WITH u AS (
           INSERT INTO scim_user (tenant_id, id, user_name, display_name, created_at, last_modified, data)
           SELECT $1, gen_random_uuid(), 'bulk' || n || '@example.com', 'Bulk member number ' || n, now(), now(),
                  jsonb_build_object('userName', 'bulk' || n || '@example.com')
             FROM generate_series(1, 40000) AS n
           RETURNING id)
         INSERT INTO scim_membership (tenant_id, group_id, member_id, member_type)
         SELECT $1, $2, id, 'User' FROM u`,
        [tenant.tenantId, bigGroupId],
      );
    });

    const openConnections = () =>
      new Promise<number>((resolve, reject) =>
        t.app.getHttpServer().getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );

    /** Starts a GET of the big group, waits for the first body bytes, then hangs up. */
    function abortMidBody(): Promise<void> {
      return new Promise((resolve, reject) => {
        const request = http.request({
          host: '127.0.0.1',
          port,
          path: `/scim/v2/Groups/${bigGroupId}`,
          headers: { authorization: `Bearer ${tenant.apiKey}` },
        });
        request.on('response', (response) => {
          if (response.statusCode !== 200) reject(new Error(`GET answered ${response.statusCode}`));
          response.once('data', () => {
            response.pause();
            // The stream is mid-flight: its cursor holds a connection.
            const held = inUse();
            request.destroy();
            if (held > 0) resolve();
            else reject(new Error('the group was sent whole before the client hung up'));
          });
        });
        request.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ECONNRESET') reject(error);
        });
        request.end();
      });
    }

    it('a client hanging up while a group streams releases the member cursor', async () => {
      await abortMidBody();
      expect(await settledInUse()).toBe(0);
    });

    it('a client hanging up before the group is even read releases the member cursor', async () => {
      // Hold the member query back until the client is gone, so the read finishes after the hang-up.
      const blocker = new pg.Client({ connectionString: t.db.url });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE scim_membership IN ACCESS EXCLUSIVE MODE');
        const request = http.request({
          host: '127.0.0.1',
          port,
          path: `/scim/v2/Groups/${groupId}`,
          headers: { authorization: `Bearer ${tenant.apiKey}` },
        });
        request.on('error', () => undefined);
        request.end();
        await untilOneWaitsForALock(t.db.client);
        request.destroy();
        const open = await until(openConnections, (n) => n === 0, { timeoutMs: 5_000, intervalMs: 20 });
        if (open !== 0) throw new Error('the aborted request still holds its connection');
        await blocker.query('COMMIT');
      } finally {
        await blocker.end();
      }
      expect(await settledInUse()).toBe(0);
    });

    it('the database connection failing mid-stream ends the response and the connection is not lost', async () => {
      const outcome = await new Promise<string>((resolve, reject) => {
        const request = http.request({
          host: '127.0.0.1',
          port,
          path: `/scim/v2/Groups/${bigGroupId}`,
          headers: { authorization: `Bearer ${tenant.apiKey}` },
        });
        request.on('error', reject);
        request.on('response', (response) => {
          response.once('data', () => {
            response.pause();
            // The server is blocked writing; its cursor's backend goes away meanwhile.
            void t.db.client
              .query(
                `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid()
                    AND (query LIKE '%FROM scim_membership m%' OR query LIKE 'FETCH %')`,
              )
              .then(({ rowCount }) => {
                if (rowCount !== 1) reject(new Error(`${rowCount} streaming backends`));
                response.on('data', () => undefined);
                response.on('aborted', () => resolve('aborted'));
                response.on('error', () => resolve('aborted'));
                response.on('end', () => resolve(response.complete ? 'complete' : 'aborted'));
                response.resume();
              }, reject);
          });
        });
        request.end();
      });
      // The body cannot be complete JSON: the client must see the response cut short.
      expect(outcome).toBe('aborted');
      expect(await settledInUse()).toBe(0);
      expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
      expect((await scim.get(`Groups/${groupId}`)).statusCode).toBe(200);
    });

    it('more aborted reads than the pool holds leave the server ready and reading', async () => {
      for (let i = 0; i < poolSize() + 2; i++) await abortMidBody();
      expect(await settledInUse()).toBe(0);
      expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
      expect((await scim.get(`Groups/${groupId}`)).statusCode).toBe(200);
    });
  });
});
