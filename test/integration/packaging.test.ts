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

describe('Docker image (Dockerfile, compose.yaml) and LICENSE', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const compose = readFileSync('compose.yaml', 'utf8');
  const readme = readFileSync('README.md', 'utf8');
  const dockerignore = readFileSync('.dockerignore', 'utf8').split('\n').filter(Boolean);

  it('copies only files that exist and are not .dockerignored, and builds with the npm build script', () => {
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
    expect(copies).toEqual(
      expect.arrayContaining(['package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts', 'src']),
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
    const emitted = [...`${dockerfile}\n${compose}\n${readme}`.matchAll(/dist\/(src\/[\w/.-]+)\.js/g)].map(
      (m) => m[1],
    );
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
