import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The reliability suites run the built server (`node dist/src/main.js`) as real processes. CI builds
 * before the tests; a local `npm test` after editing src/ would otherwise test a stale build, so build
 * once here when dist/ is missing or older than the newest source file.
 */
export default function globalSetup(_globalConfig: unknown, projectConfig: { rootDir: string }): void {
  const root = projectConfig.rootDir;
  const entry = join(root, 'dist/src/main.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(root, 'src'))) return;
  const nest = join(root, 'node_modules/@nestjs/cli/bin/nest.js');
  process.stderr.write('\n[reliability] dist/ is missing or older than src/: npm run build\n');
  const built = spawnSync(process.execPath, [nest, 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0 || !existsSync(entry)) {
    throw new Error('the reliability suites need the built server: `npm run build` failed');
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
