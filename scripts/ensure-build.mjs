#!/usr/bin/env node
/**
 * Builds dist/ only when it is out of date, and never empties it under a running process.
 *
 *   node scripts/ensure-build.mjs            build when the inputs changed since the last build (quiet otherwise)
 *   node scripts/ensure-build.mjs --force    build whatever the stamp says (`npm run build`)
 *
 * Two builds, each with its own stamp: the server (tsc → dist/) and, when the project has a console/,
 * the console (Vite → dist/console, stamped by a hash of console/, the client it imports,
 * package-lock.json and this script). A server build carries the current console over into the new
 * dist/; a console build alone swaps dist/console the same way dist/ is swapped. The console's build
 * fails when the JavaScript of its first page is over budget (gzipped), and precompresses its files
 * (.br, .gz) for the server to send as they are.
 *
 * "Out of date" is a content hash of the compiler's inputs (every file under src/, the tsconfig files,
 * package-lock.json and this script), written to dist/.build-stamp after a successful build: a branch
 * switch, an edit or a deleted file changes it; touching a file does not. The compiler writes into a
 * fresh sibling directory (same depth as dist/, so the source maps' relative paths stay right) that
 * replaces dist/ by two renames once it is complete: a running server keeps the modules it loaded, a
 * failed build leaves the previous dist/ in place. Messages go to stderr, so `npm run -s cli` prints
 * only the command's JSON.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.cwd();
const OUT = 'dist';
const STAMP = '.build-stamp';
const TEMP_PREFIX = '.dist-';
const INPUT_DIRS = ['src'];
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const CONSOLE = 'console';
const CONSOLE_INPUT_DIRS = [CONSOLE];
const CONSOLE_INPUT_FILES = [
  'clients/typescript/index.ts',
  'clients/typescript/schema.d.ts',
  'package-lock.json',
];
/** The most JavaScript the console's first page may load, gzipped (issue: under 250 KB). */
const FIRST_PAGE_BUDGET = 250 * 1000;
const force = process.argv.includes('--force');

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function inputsHash(dirs = INPUT_DIRS, inputFiles = INPUT_FILES) {
  const files = [
    ...dirs.flatMap((dir) => filesUnder(join(root, dir))),
    ...inputFiles.map((file) => join(root, file)).filter((file) => existsSync(file)),
  ]
    .map((file) => relative(root, file).split('\\').join('/'))
    .sort();
  const hash = createHash('sha256');
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const file of files) {
    hash.update(`\0${file}\0`);
    hash.update(readFileSync(join(root, file)));
  }
  return hash.digest('hex');
}

function builtHash(dir) {
  try {
    return readFileSync(join(dir, STAMP), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Removes what a killed build left behind (its directories carry its pid). */
function removeLeftovers() {
  for (const name of readdirSync(root)) {
    const match = name.startsWith(TEMP_PREFIX) && /-(\d+)$/.exec(name);
    if (match && Number(match[1]) !== process.pid && !isAlive(Number(match[1]))) {
      rmSync(join(root, name), { recursive: true, force: true });
    }
  }
}

/** Moves `next` into place as `target` (the previous one is moved aside, then removed). */
function swap(next, target, old) {
  // Another build may finish in between (two commands started at once): then its output is moved aside
  // like any other, a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    try {
      if (existsSync(target)) renameSync(target, old);
      renameSync(next, target);
      break;
    } catch (error) {
      if (attempt >= 5 || !['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes(error.code)) throw error;
      rmSync(old, { recursive: true, force: true });
    }
  }
  rmSync(old, { recursive: true, force: true });
}

function resolveTool(specifier, what) {
  try {
    return createRequire(join(root, 'package.json')).resolve(specifier);
  } catch {
    process.stderr.write(
      `cannot build ${what}: ${specifier.split('/')[0]} is not installed (run npm ci, with dev dependencies)\n`,
    );
    process.exit(1);
  }
}

/** The gzipped size of the JavaScript the console's first page loads: the entry, its static imports, the largest route. */
function firstPageBytes(outDir) {
  const manifest = JSON.parse(readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8'));
  const gzipped = new Map();
  const sizeOf = (key) => {
    if (!gzipped.has(key)) gzipped.set(key, gzipSync(readFileSync(join(outDir, manifest[key].file))).length);
    return gzipped.get(key);
  };
  const closure = (key, seen = new Set()) => {
    if (seen.has(key) || !manifest[key]?.file.endsWith('.js')) return seen;
    seen.add(key);
    for (const imported of manifest[key].imports ?? []) closure(imported, seen);
    return seen;
  };
  const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
  const shell = closure(entry);
  const sum = (keys) => [...keys].reduce((total, key) => total + sizeOf(key), 0);
  const routes = (manifest[entry].dynamicImports ?? []).map((key) =>
    sum([...closure(key)].filter((k) => !shell.has(k))),
  );
  return sum(shell) + Math.max(0, ...routes);
}

/** .br and .gz beside each text file, for the server to send precompressed. */
function precompress(outDir) {
  for (const file of filesUnder(outDir)) {
    if (!/\.(js|css|html|svg)$/.test(file) || relative(outDir, file).startsWith('.vite')) continue;
    const content = readFileSync(file);
    writeFileSync(`${file}.br`, brotliCompressSync(content, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }));
    writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
  }
}

/** Vite builds the console into `outDir`; false when the build failed or is over budget. */
function buildConsole(outDir, stamp) {
  const vite = join(dirname(resolveTool('vite/package.json', `${OUT}/${CONSOLE}`)), 'bin', 'vite.js');
  const build = spawnSync(
    process.execPath,
    [
      vite,
      'build',
      '--config',
      join(CONSOLE, 'vite.config.ts'),
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: root, stdio: ['ignore', process.stderr, process.stderr] },
  );
  if (build.status !== 0) return false;
  const bytes = firstPageBytes(outDir);
  const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
  if (bytes > FIRST_PAGE_BUDGET) {
    process.stderr.write(
      `the console's first page loads ${kb(bytes)} of JavaScript gzipped, over its budget of ${kb(FIRST_PAGE_BUDGET)}\n`,
    );
    return false;
  }
  process.stderr.write(
    `console: first page ${kb(bytes)} of JavaScript gzipped (budget ${kb(FIRST_PAGE_BUDGET)})\n`,
  );
  precompress(outDir);
  writeFileSync(join(outDir, STAMP), `${stamp}\n`);
  return true;
}

const hash = inputsHash();
const out = join(root, OUT);
const hasConsole = existsSync(join(root, CONSOLE, 'index.html'));
const consoleHash = hasConsole ? inputsHash(CONSOLE_INPUT_DIRS, CONSOLE_INPUT_FILES) : undefined;
const consoleOut = join(out, CONSOLE);
const serverStale = force || builtHash(out) !== hash;
const consoleStale = hasConsole && (force || builtHash(consoleOut) !== consoleHash);
if (!serverStale && !consoleStale) process.exit(0);

removeLeftovers();
const reason = force ? 'requested' : 'sources changed';

if (!serverStale) {
  // The console alone: built beside dist/, then swapped in for dist/console.
  const next = join(root, `${TEMP_PREFIX}console-next-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  process.stderr.write(`building ${OUT}/${CONSOLE} (${reason})…\n`);
  if (!buildConsole(next, consoleHash)) {
    rmSync(next, { recursive: true, force: true });
    process.stderr.write(`console build failed; ${OUT}/${CONSOLE} is unchanged\n`);
    process.exit(1);
  }
  swap(next, consoleOut, join(root, `${TEMP_PREFIX}console-old-${process.pid}`));
  process.stderr.write(`built ${OUT}/${CONSOLE}\n`);
  process.exit(0);
}

const next = join(root, `${TEMP_PREFIX}next-${process.pid}`);
const old = join(root, `${TEMP_PREFIX}old-${process.pid}`);
rmSync(next, { recursive: true, force: true });
process.stderr.write(`building ${OUT}/ (${reason})…\n`);
const tsc = resolveTool('typescript/bin/tsc', `${OUT}/`);
const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', next], {
  cwd: root,
  stdio: ['ignore', process.stderr, process.stderr],
});
if (build.status !== 0) {
  rmSync(next, { recursive: true, force: true });
  process.stderr.write(`build failed; ${OUT}/ is unchanged\n`);
  process.exit(build.status ?? 1);
}
if (consoleStale) {
  if (!buildConsole(join(next, CONSOLE), consoleHash)) {
    rmSync(next, { recursive: true, force: true });
    process.stderr.write(`console build failed; ${OUT}/ is unchanged\n`);
    process.exit(1);
  }
} else if (hasConsole && existsSync(consoleOut)) {
  cpSync(consoleOut, join(next, CONSOLE), { recursive: true });
}
writeFileSync(join(next, STAMP), `${hash}\n`);
swap(next, out, old);
process.stderr.write(`built ${OUT}/\n`);
