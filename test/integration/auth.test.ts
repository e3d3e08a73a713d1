import { randomUUID } from 'node:crypto';
import { Controller, Get, type INestApplication, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { configureApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { ormConfig } from '../../src/database/mikro-orm.config.js';
import { createRootLogger, requestIdFor } from '../../src/http/request-logging.js';
import { ApiKeyGuard } from '../../src/modules/auth/api-key.guard.js';
import { ApiKeysService } from '../../src/modules/auth/api-keys.service.js';
import { AuthModule } from '../../src/modules/auth/auth.module.js';
import { CurrentTenant, type TenantContext } from '../../src/modules/auth/tenant-context.js';
import { TenantsModule } from '../../src/modules/tenants/tenants.module.js';
import { TenantsService } from '../../src/modules/tenants/tenants.service.js';
import { ApiKeysRepository } from '../../src/storage/api-keys.repository.js';
import { Database } from '../../src/storage/database.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTenant, type TestTenant } from '../support/tenants.js';

/** A route behind ApiKeyGuard that echoes the tenant context: the guard alone, without the SCIM modules. */
@Controller('scim/v2/Probe')
@UseGuards(ApiKeyGuard)
class ProbeController {
  @Get()
  whoAmI(@CurrentTenant() tenant: TenantContext): TenantContext {
    return tenant;
  }
}

interface ProbeApp {
  app: NestFastifyApplication;
  close(): Promise<void>;
}

/** The auth and tenant modules, the global exception filter and the probe route, on `db`. */
async function startProbeApp(db: TestDatabase, env: Record<string, string> = {}): Promise<ProbeApp> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  @Module({
    imports: [
      ConfigModule.forRoot(config),
      MikroOrmModule.forRoot({
        ...ormConfig({ databaseUrl: db.url }),
        driver: PostgreSqlDriver,
        registerRequestContext: true,
      }),
      AuthModule,
      TenantsModule,
    ],
    controllers: [ProbeController],
  })
  class ProbeRootModule {}
  const adapter = new FastifyAdapter({ loggerInstance: createRootLogger('silent'), genReqId: requestIdFor });
  const app = await NestFactory.create<NestFastifyApplication>(ProbeRootModule, adapter, { logger: false });
  configureApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, close: () => app.close() };
}

function probe(
  app: INestApplication & NestFastifyApplication,
  authorization?: string,
  url = '/scim/v2/Probe',
) {
  return app.inject({
    method: 'GET',
    url,
    headers: { 'x-request-id': 'req-1', ...(authorization === undefined ? {} : { authorization }) },
  });
}

const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('tenant API key authentication (ApiKeyGuard)', () => {
  let db: TestDatabase;
  let probeApp: ProbeApp;
  let limitedApp: ProbeApp;
  let app: NestFastifyApplication;
  let acme: TestTenant;

  beforeAll(async () => {
    db = await createTestDatabase();
    probeApp = await startProbeApp(db);
    // A second application in the same process: its passport strategy must not take over the first's.
    limitedApp = await startProbeApp(db, { RATE_LIMIT_RPS: '1', RATE_LIMIT_BURST: '3' });
    app = probeApp.app;
    acme = await createTenant(app, 'Acme');
  });
  afterAll(async () => {
    await probeApp?.close();
    await limitedApp?.close();
    await db?.drop();
  });

  it('accepts a valid key and exposes the tenant, key and request id to the route', async () => {
    const res = await probe(app, `Bearer ${acme.apiKey}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tenantId: acme.tenantId, apiKeyId: acme.apiKeyId, requestId: 'req-1' });
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('accepts the scheme word in any case (%s)', async (scheme) => {
    const res = await probe(app, `${scheme} ${acme.apiKey}`);
    expect(res.statusCode).toBe(200);
  });

  describe('refuses with 401, the SCIM error body and WWW-Authenticate: Bearer realm="scim"', () => {
    const wrongSecret = (token: string) => token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const cases: [string, () => Promise<string | undefined>][] = [
      ['no Authorization header', async () => undefined],
      ['an empty Authorization header', async () => ''],
      ['the Basic scheme', async () => `Basic ${Buffer.from(`x:${acme.apiKey}`).toString('base64')}`],
      ['the key without a scheme', async () => acme.apiKey],
      ['Bearer without a token', async () => 'Bearer'],
      ['Bearer with two tokens', async () => `Bearer ${acme.apiKey} extra`],
      ['a token without the scim_ prefix', async () => `Bearer ${acme.apiKey.slice(5)}`],
      ['a truncated token', async () => `Bearer ${acme.apiKey.slice(0, -1)}`],
      ['an unknown key id', async () => `Bearer ${acme.apiKey.replace(acme.apiKeyId, randomUUID())}`],
      ['a known key id with a wrong secret', async () => `Bearer ${wrongSecret(acme.apiKey)}`],
      [
        'an expired key',
        async () => {
          const key = await app
            .get(ApiKeysService)
            .create(acme.tenantId, { expiresAt: new Date(Date.now() + 60_000) });
          await db.client.query(`update api_key set expires_at = now() - interval '1 second' where id = $1`, [
            key.id,
          ]);
          return `Bearer ${key.apiKey}`;
        },
      ],
      [
        'a revoked key',
        async () => {
          const key = await app.get(ApiKeysService).create(acme.tenantId, { name: 'to revoke' });
          await app.get(ApiKeysService).revoke(acme.tenantId, key.id);
          return `Bearer ${key.apiKey}`;
        },
      ],
      [
        'a key of a deleted tenant',
        async () => {
          const gone = await createTenant(app, 'Gone');
          await app.get(TenantsService).delete(gone.tenantId);
          return `Bearer ${gone.apiKey}`;
        },
      ],
    ];
    it.each(cases)('%s', async (_name, authorization) => {
      const res = await probe(app, await authorization());
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="scim"');
      expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8');
      expect(res.json()).toEqual({ schemas: [SCIM_ERROR], status: '401', detail: expect.any(String) });
    });
  });

  it('names expiry and revocation only to a caller holding the right secret', async () => {
    const keys = app.get(ApiKeysService);
    const key = await keys.create(acme.tenantId, { name: 'soon revoked' });
    await keys.revoke(acme.tenantId, key.id);
    expect((await probe(app, `Bearer ${key.apiKey}`)).json().detail).toMatch(/revoked/);
    const forged = key.apiKey.slice(0, -4) + (key.apiKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await probe(app, `Bearer ${forged}`)).json().detail).toBe('Invalid API key');
  });

  it('ignores an access_token query parameter (RFC 6750 §2.3), so keys never travel in URLs', async () => {
    const res = await probe(app, undefined, `/scim/v2/Probe?access_token=${encodeURIComponent(acme.apiKey)}`);
    expect(res.statusCode).toBe(401);
  });

  it('rotates with overlap: both keys work until the old one is revoked, which takes effect at once', async () => {
    const keys = app.get(ApiKeysService);
    const tenant = await createTenant(app, 'Rotating');
    const next = await keys.create(tenant.tenantId, { name: 'next' });
    expect((await probe(app, `Bearer ${tenant.apiKey}`)).statusCode).toBe(200);
    expect((await probe(app, `Bearer ${next.apiKey}`)).statusCode).toBe(200);

    await keys.revoke(tenant.tenantId, tenant.apiKeyId);
    // The very next request, on this app and on another instance sharing the database.
    expect((await probe(app, `Bearer ${tenant.apiKey}`)).statusCode).toBe(401);
    expect((await probe(limitedApp.app, `Bearer ${tenant.apiKey}`)).statusCode).toBe(401);
    const res = await probe(app, `Bearer ${next.apiKey}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().apiKeyId).toBe(next.id);
  });

  it('accepts a key until its expiry and refuses it from then on', async () => {
    const key = await app.get(ApiKeysService).create(acme.tenantId, {
      name: 'expiring',
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    expect((await probe(app, `Bearer ${key.apiKey}`)).statusCode).toBe(200);
    await db.client.query(`update api_key set expires_at = now() - interval '1 millisecond' where id = $1`, [
      key.id,
    ]);
    // Changed behind the server's back: the cached key is evicted by the api_key trigger's notification,
    // which arrives asynchronously (within a second; bounded poll in 25 ms steps).
    let res = await probe(app, `Bearer ${key.apiKey}`);
    for (let attempt = 0; attempt < 40 && res.statusCode === 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      res = await probe(app, `Bearer ${key.apiKey}`);
    }
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toMatch(/expired/);
  });

  it('deleting a tenant stops its keys at once and deletes its keys, users, groups, memberships and audit trail', async () => {
    const doomed = await createTenant(app, 'Doomed');
    const other = await createTenant(app, 'Survivor');
    for (const tenant of [doomed, other]) {
      const userId = randomUUID();
      const groupId = randomUUID();
      await db.client.query(
        `insert into scim_user (tenant_id, id, user_name, created_at, last_modified, data) values ($1, $2, 'alice', now(), now(), '{}')`,
        [tenant.tenantId, userId],
      );
      await db.client.query(
        `insert into scim_group (tenant_id, id, display_name, created_at, last_modified, data) values ($1, $2, 'Admins', now(), now(), '{}')`,
        [tenant.tenantId, groupId],
      );
      await db.client.query(
        `insert into scim_membership (tenant_id, group_id, member_id, member_type) values ($1, $2, $3, 'User')`,
        [tenant.tenantId, groupId, userId],
      );
      await db.client.query(
        `insert into audit_event (tenant_id, api_key_id, request_id, operation, resource_type, resource_id, attributes)
         values ($1, $2, 'r', 'create', 'User', $3, '{userName}')`,
        [tenant.tenantId, tenant.apiKeyId, userId],
      );
    }
    expect((await probe(app, `Bearer ${doomed.apiKey}`)).statusCode).toBe(200);

    await app.get(TenantsService).delete(doomed.tenantId);

    expect((await probe(app, `Bearer ${doomed.apiKey}`)).statusCode).toBe(401);
    expect((await probe(app, `Bearer ${other.apiKey}`)).statusCode).toBe(200);
    for (const table of ['tenant', 'api_key', 'scim_user', 'scim_group', 'scim_membership', 'audit_event']) {
      const column = table === 'tenant' ? 'id' : 'tenant_id';
      const count = async (tenantId: string) =>
        Number(
          (await db.client.query(`select count(*) from ${table} where ${column} = $1`, [tenantId])).rows[0]
            .count,
        );
      expect([table, await count(doomed.tenantId)]).toEqual([table, 0]);
      expect([table, await count(other.tenantId)]).toEqual([table, 1]);
    }
  });

  it('records lastUsedAt off the request path, at most once a minute per key', async () => {
    const tenant = await createTenant(app, 'Used');
    const lastUsed = async () =>
      (await db.client.query('select last_used_at from api_key where id = $1', [tenant.apiKeyId])).rows[0]
        .last_used_at as Date | null;
    expect(await lastUsed()).toBeNull();
    await probe(app, `Bearer ${tenant.apiKey}`);
    let first: Date | null = null;
    for (let i = 0; i < 50 && !first; i++) {
      first = await lastUsed();
      if (!first) await new Promise((done) => setTimeout(done, 50));
    }
    expect(first).toBeInstanceOf(Date);
    await new Promise((done) => setTimeout(done, 20));
    await probe(app, `Bearer ${tenant.apiKey}`);
    await new Promise((done) => setTimeout(done, 200));
    expect((await lastUsed())?.getTime()).toBe(first!.getTime());
  });

  it('never moves lastUsedAt back when instances record their uses out of order', async () => {
    const tenant = await createTenant(app, 'Used by two instances');
    const database = app.get(Database, { strict: false });
    const keys = app.get(ApiKeysRepository, { strict: false });
    const later = new Date('2030-01-02T00:00:00Z');
    await database.systemStatement((tx) => keys.touch(tx, tenant.apiKeyId, later));
    await database.systemStatement((tx) => keys.touch(tx, tenant.apiKeyId, new Date('2030-01-01T00:00:00Z')));
    const { rows } = await db.client.query('select last_used_at from api_key where id = $1', [
      tenant.apiKeyId,
    ]);
    expect((rows[0].last_used_at as Date).toISOString()).toBe(later.toISOString());
  });

  it('answers 429 with Retry-After and the SCIM error body once a tenant spends its burst, per tenant', async () => {
    const limited = limitedApp.app;
    const busy = await createTenant(limited, 'Busy');
    const calm = await createTenant(limited, 'Calm');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await probe(limited, `Bearer ${busy.apiKey}`)).statusCode);
    expect(statuses).toEqual([200, 200, 200]);
    const res = await probe(limited, `Bearer ${busy.apiKey}`);
    expect(res.statusCode).toBe(429);
    // The rest of the window of ⌈burst / rps⌉ = 3 seconds.
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3);
    expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8');
    expect(res.json()).toEqual({ schemas: [SCIM_ERROR], status: '429', detail: expect.any(String) });
    // Another tenant has its own bucket.
    expect((await probe(limited, `Bearer ${calm.apiKey}`)).statusCode).toBe(200);
    // Retrying after Retry-After finds the next window.
    await new Promise((done) => setTimeout(done, retryAfter * 1000 + 100));
    expect((await probe(limited, `Bearer ${busy.apiKey}`)).statusCode).toBe(200);
  });

  it('does not count refused (401) requests against the tenant limit', async () => {
    const limited = limitedApp.app;
    const tenant = await createTenant(limited, 'Guarded');
    for (let i = 0; i < 5; i++) await probe(limited, `Bearer ${tenant.apiKey.slice(0, -1)}`);
    expect((await probe(limited, `Bearer ${tenant.apiKey}`)).statusCode).toBe(200);
  });
});
