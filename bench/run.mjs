// `npm run bench` at the repository root: installs the bench's own dependencies when missing, builds the
// server, then runs the benchmark (lib/main.mjs). Arguments: see lib/options.mjs (--quick for a short run).
//
// The build is the npm scripts' compilation (scripts/ensure-build.mjs runs tsc -p tsconfig.build.json,
// the same emitted JavaScript) into a folder of its own under the system temp directory rather than
// dist/: an `npm start`, `npm run cli` or `npm run build` started during a benchmark replaces dist/ as
// a whole when the sources changed (and deletes the previous tree), which would take modules the
// server loads late from under it, and a tree in the middle of an edit with type errors would leave
// dist/ unbuilt where this build benchmarks what tsc emitted (inside the repository, ESLint would also
// lint the emitted JavaScript). Its node_modules links to the repository's, so the built server
// resolves its dependencies as it does from dist/.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = join(benchDir, '..');

if (process.argv.includes('--help')) {
  const { USAGE } = await import('./lib/options.mjs');
  console.log(USAGE);
  process.exit(0);
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', timeout: 600_000 });
  if (result.status !== 0) {
    console.error(`${command} ${args.join(' ')} failed in ${cwd}`);
    process.exit(result.status ?? 1);
  }
}

if (!existsSync(join(benchDir, 'node_modules'))) run('npm', ['ci', '--no-audit', '--no-fund'], benchDir);
const buildRoot = join(
  tmpdir(),
  `scim-bench-${createHash('sha256').update(rootDir).digest('hex').slice(0, 12)}`,
);
const buildDir = join(buildRoot, 'build');
mkdirSync(buildRoot, { recursive: true });
if (!existsSync(join(buildRoot, 'node_modules'))) {
  symlinkSync(join(rootDir, 'node_modules'), join(buildRoot, 'node_modules'), 'dir');
}
if (!process.argv.includes('--no-build') || !existsSync(join(buildDir, 'src', 'main.js'))) {
  console.log(`building the server (tsc -p tsconfig.build.json) into ${buildDir}`);
  rmSync(buildDir, { recursive: true, force: true });
  const tsc = [
    join(rootDir, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
    '--outDir',
    buildDir,
  ];
  const built = spawnSync(process.execPath, tsc, { cwd: rootDir, stdio: 'inherit', timeout: 600_000 });
  // tsc emits despite type errors; a tree in the middle of an edit still benchmarks, with a warning.
  if (!existsSync(join(buildDir, 'src', 'main.js'))) {
    console.error(`the build produced no ${join(buildDir, 'src', 'main.js')}`);
    process.exit(1);
  }
  if (built.status !== 0)
    console.warn('warning: tsc reported errors (see above); benchmarking what it emitted');
}

if (process.argv.includes('bulk-create-1000')) {
  // The Bulk comparison is a fixed job timed end to end, not a load: a runner of its own.
  const { bulkBench } = await import('./lib/bulk-bench.mjs');
  process.exitCode = await bulkBench({ benchDir, rootDir, buildDir });
} else if (process.argv.includes('--webhooks')) {
  // Webhook delivery latency and throughput (lib/events-bench.mjs), on its own.
  const { runEventsBench } = await import('./lib/events-bench.mjs');
  process.exitCode = await runEventsBench({ benchDir, rootDir, buildDir });
} else {
  const { main } = await import('./lib/main.mjs');
  process.exitCode = await main(process.argv.slice(2), { benchDir, rootDir, buildDir });
}
