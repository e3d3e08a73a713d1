import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, USAGE } from '../../src/cli/cli.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres.js';
import { findRunningCluster } from '../../src/database/running-cluster.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

interface CliRun {
  code: number;
  out: string;
  err: string;
}

async function cli(env: Record<string, string>, ...argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    { LOG_LEVEL: 'silent', ...env },
    { out: (t) => out.push(t), err: (t) => err.push(t) },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function json(run: CliRun): unknown {
  expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });
  return JSON.parse(run.out);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('CLI on DATABASE_URL', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
  });
  afterAll(() => db?.drop());

  it('creates, lists and deletes tenants and creates, lists and revokes their keys', async () => {
    const tenant = json(await cli(env, 'tenants', 'create', 'Acme', 'Corp')) as Record<string, string>;
    expect(Object.keys(tenant).sort()).toEqual(['apiKey', 'apiKeyId', 'createdAt', 'id', 'name']);
    expect(tenant.name).toBe('Acme Corp');
    expect(tenant.apiKey).toMatch(new RegExp(`^scim_${tenant.apiKeyId}_[A-Za-z0-9_-]{43}$`));

    expect(json(await cli(env, 'tenants', 'list'))).toEqual([
      { id: tenant.id, name: 'Acme Corp', createdAt: tenant.createdAt },
    ]);

    const key = json(
      await cli(
        env,
        'keys',
        'create',
        tenant.id,
        '--name',
        'okta-2027',
        '--expires-at',
        '2030-01-31T00:00:00Z',
      ),
    ) as Record<string, string>;
    expect(key).toEqual({
      id: expect.any(String),
      name: 'okta-2027',
      createdAt: expect.any(String),
      expiresAt: '2030-01-31T00:00:00.000Z',
      apiKey: expect.stringMatching(/^scim_/),
    });

    expect(json(await cli(env, 'keys', 'revoke', tenant.id, tenant.apiKeyId))).toEqual({
      revoked: tenant.apiKeyId,
    });
    const listing = await cli(env, 'keys', 'list', tenant.id);
    const keys = json(listing) as Record<string, unknown>[];
    expect(keys.map((k) => [k.id, k.name, k.revokedAt === null])).toEqual([
      [tenant.apiKeyId, 'default', false],
      [key.id, 'okta-2027', true],
    ]);
    expect(listing.out).not.toContain(tenant.apiKey);
    expect(listing.out).not.toContain(key.apiKey);

    expect(json(await cli(env, 'tenants', 'delete', tenant.id))).toEqual({ deleted: tenant.id });
    expect(json(await cli(env, 'tenants', 'list'))).toEqual([]);
    expect((await db.client.query('select count(*) from api_key')).rows[0].count).toBe('0');
  });

  it('exits 1 with the reason when the tenant or key does not exist', async () => {
    const missing = await cli(env, 'keys', 'list', '00000000-0000-4000-8000-000000000000');
    expect(missing).toEqual({
      code: 1,
      out: '',
      err: 'Tenant 00000000-0000-4000-8000-000000000000 not found',
    });
    const tenant = json(await cli(env, 'tenants', 'create', 'Keyless')) as Record<string, string>;
    expect((await cli(env, 'keys', 'revoke', tenant.id, 'nope')).code).toBe(1);
    expect((await cli(env, 'keys', 'create', tenant.id, '--expires-at', '2001-01-01T00:00:00Z')).err).toMatch(
      /future/,
    );
  });

  it.each([[['--help']], [['-h']], [['help']], [['tenants', 'create', '--help']]])(
    'prints the usage on stdout and exits 0 for %j, without touching a database',
    async (argv) => {
      const run = await cli({ DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' }, ...argv);
      expect(run).toEqual({ code: 0, out: USAGE, err: '' });
    },
  );

  it.each([
    [[]],
    [['tenants']],
    [['tenants', 'create']],
    [['tenants', 'list', 'extra']],
    [['tenants', 'list', '--name', 'x']],
    [['keys', 'create']],
    [['keys', 'create', 'a', '--expires-at', 'soon']],
    [['keys', 'create', 'a', '--name', ' ']],
    [['keys', 'revoke', 'a']],
    [['keys', 'create', 'a', '--colour', 'red']],
    [['users', 'list']],
  ])('exits 2 with the usage for %j, without touching a database', async (argv) => {
    const run = await cli({ DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' }, ...argv);
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toContain(USAGE);
  });
});

describe('CLI on the embedded database under DATA_DIR', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-cli-'));
  let server: EmbeddedDatabase | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses the cluster of a running server and leaves it running; without one, starts and stops its own', async () => {
    // Stands in for `npm start`: a live process holding the embedded cluster.
    server = await startEmbeddedPostgres({ dataDir });
    const running = await findRunningCluster(dataDir);
    expect(running).toBeDefined();

    const created = json(await cli({ DATA_DIR: dataDir }, 'tenants', 'create', 'Acme')) as Record<
      string,
      string
    >;
    expect(isAlive(running!.pid)).toBe(true);
    expect((await findRunningCluster(dataDir))?.pid).toBe(running!.pid);

    await server.stop();
    server = undefined;
    expect(await findRunningCluster(dataDir)).toBeUndefined();

    const listed = json(await cli({ DATA_DIR: dataDir }, 'tenants', 'list')) as Record<string, string>[];
    expect(listed.map((t) => t.id)).toEqual([created.id]);
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  it('never stops a live process’s cluster: a second start on the same DATA_DIR is refused instead', async () => {
    server = await startEmbeddedPostgres({ dataDir });
    const running = await findRunningCluster(dataDir);
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/in use/);
    expect(isAlive(running!.pid)).toBe(true);
    await server.stop();
    server = undefined;
  });

  it('ignores a postmaster.pid whose process is gone', async () => {
    const stale = mkdtempSync(join(tmpdir(), 'scim-stale-'));
    try {
      mkdirSync(join(stale, 'pg'));
      writeFileSync(
        join(stale, 'pg', 'postmaster.pid'),
        `2147483646\n${join(stale, 'pg')}\n0\n5432\n/tmp\n127.0.0.1\n0\nready\n`,
      );
      expect(await findRunningCluster(stale)).toBeUndefined();
    } finally {
      rmSync(stale, { recursive: true, force: true });
    }
  });
});
