#!/usr/bin/env node
/**
 * Builds dist/ only when it is out of date, and never empties it under a running process.
 *
 *   node scripts/ensure-build.mjs            build when the inputs changed since the last build (quiet otherwise)
 *   node scripts/ensure-build.mjs --force    build whatever the stamp says (`npm run build`)
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
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.cwd();
const OUT = 'dist';
const STAMP = '.build-stamp';
const TEMP_PREFIX = '.dist-';
const INPUT_DIRS = ['src'];
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const force = process.argv.includes('--force');

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function inputsHash() {
  const files = [
    ...INPUT_DIRS.flatMap((dir) => filesUnder(join(root, dir))),
    ...INPUT_FILES.map((file) => join(root, file)).filter((file) => existsSync(file)),
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

const hash = inputsHash();
const out = join(root, OUT);
if (!force && builtHash(out) === hash) process.exit(0);

removeLeftovers();
const next = join(root, `${TEMP_PREFIX}next-${process.pid}`);
const old = join(root, `${TEMP_PREFIX}old-${process.pid}`);
rmSync(next, { recursive: true, force: true });
process.stderr.write(`building ${OUT}/ (${force ? 'requested' : 'sources changed'})…\n`);
let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write(
    `cannot build ${OUT}/: typescript is not installed (run npm ci, with dev dependencies)\n`,
  );
  process.exit(1);
}
const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', next], {
  cwd: root,
  stdio: ['ignore', process.stderr, process.stderr],
});
if (build.status !== 0) {
  rmSync(next, { recursive: true, force: true });
  process.stderr.write(`build failed; ${OUT}/ is unchanged\n`);
  process.exit(build.status ?? 1);
}
writeFileSync(join(next, STAMP), `${hash}\n`);

// Swap: dist → old, next → dist. Another build may finish in between (two commands started at once):
// then its dist/ is moved aside like any other, a bounded number of times.
for (let attempt = 1; ; attempt++) {
  try {
    if (existsSync(out)) renameSync(out, old);
    renameSync(next, out);
    break;
  } catch (error) {
    if (attempt >= 5 || !['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes(error.code)) throw error;
    rmSync(old, { recursive: true, force: true });
  }
}
rmSync(old, { recursive: true, force: true });
process.stderr.write(`built ${OUT}/\n`);
