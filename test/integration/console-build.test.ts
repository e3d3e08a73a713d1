import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * scripts/ensure-build.mjs builds the console (console/, Vite) into dist/console beside the server, on a
 * project of a few files that uses this repository's TypeScript and Vite: only when the console's inputs
 * changed, swapped in whole, carried over by a server build, refused over the first page's budget.
 */
const SCRIPT = resolve('scripts/ensure-build.mjs');

describe("the console's build (scripts/ensure-build.mjs)", () => {
  let project: string;

  const ensureBuild = (...args: string[]) => {
    const run = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: project, encoding: 'utf8' });
    return { code: run.status, err: run.stderr, out: run.stdout };
  };
  const write = (file: string, text: string | Buffer) => writeFileSync(join(project, file), text);
  const inode = (path: string) => statSync(join(project, path)).ino;
  const assets = () => readdirSync(join(project, 'dist/console/assets'));

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'scim-console-build-'));
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
    mkdirSync(join(project, 'console/src'), { recursive: true });
    write(
      'console/vite.config.ts',
      "export default { root: new URL('.', import.meta.url).pathname, base: '/console/', build: { manifest: true } };\n",
    );
    write(
      'console/index.html',
      '<!doctype html><title>t</title><script type="module" src="/src/main.ts"></script>\n',
    );
    write('console/src/main.ts', "document.title = 'one';\nimport('./page.ts');\n");
    write('console/src/page.ts', "export const page = 'page';\n");
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('builds the server and the console, stamps both, then does nothing while nothing changed', () => {
    const first = ensureBuild();
    expect(first).toMatchObject({ code: 0, out: '' });
    expect(first.err).toMatch(/console: first page [\d.]+ KB of JavaScript gzipped \(budget 250\.0 KB\)/);
    expect(existsSync(join(project, 'dist/src/main.js'))).toBe(true);
    expect(readFileSync(join(project, 'dist/console/index.html'), 'utf8')).toMatch(
      /\/console\/assets\/index-[\w-]+\.js/,
    );
    expect(existsSync(join(project, 'dist/console/.build-stamp'))).toBe(true);
    // Precompressed beside each script, for the server to send as is.
    const js = assets().find((name) => /^index-.*\.js$/.test(name))!;
    expect(assets()).toEqual(expect.arrayContaining([`${js}.br`, `${js}.gz`]));
    expect(ensureBuild()).toEqual({ code: 0, out: '', err: '' });
  });

  it('a console change rebuilds dist/console alone, swapped in whole', () => {
    const dist = inode('dist');
    const consoleDir = inode('dist/console');
    write('console/src/main.ts', "document.title = 'two';\nimport('./page.ts');\n");
    const run = ensureBuild();
    expect(run).toMatchObject({ code: 0, out: '' });
    expect(run.err).toMatch(/building dist\/console/);
    expect(inode('dist')).toBe(dist);
    expect(inode('dist/console')).not.toBe(consoleDir);
    expect(ensureBuild()).toEqual({ code: 0, out: '', err: '' });
  });

  it('a server change rebuilds dist/ and carries the console over without building it again', () => {
    const before = readFileSync(join(project, 'dist/console/index.html'), 'utf8');
    write('src/main.ts', 'export const answer: number = 42;\n');
    const run = ensureBuild();
    expect(run).toMatchObject({ code: 0, out: '' });
    expect(run.err).not.toMatch(/console: first page/);
    expect(readFileSync(join(project, 'dist/src/main.js'), 'utf8')).toContain('answer = 42');
    expect(readFileSync(join(project, 'dist/console/index.html'), 'utf8')).toBe(before);
    expect(ensureBuild()).toEqual({ code: 0, out: '', err: '' });
  });

  it('refuses a console whose first page is over 250 KB of JavaScript gzipped, keeping the previous build', () => {
    const before = readFileSync(join(project, 'dist/console/index.html'), 'utf8');
    // Random text does not compress: about 300 KB gzipped in the entry chunk.
    write(
      'console/src/big.ts',
      `export const big = ${JSON.stringify(randomBytes(300_000).toString('base64'))};\n`,
    );
    write('console/src/main.ts', "import { big } from './big.ts';\nObject.assign(globalThis, { big });\n");
    const run = ensureBuild();
    expect(run.code).not.toBe(0);
    expect(run.err).toMatch(/first page loads [\d.]+ KB of JavaScript gzipped, over its budget of 250\.0 KB/);
    expect(readFileSync(join(project, 'dist/console/index.html'), 'utf8')).toBe(before);
  });
});
