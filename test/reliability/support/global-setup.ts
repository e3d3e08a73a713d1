import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The reliability suites run the built server (`node dist/src/main.js`) as real processes. CI builds
 * before the tests; a local `npm test` after editing src/ would otherwise test a stale build, so
 * scripts/ensure-build.mjs rebuilds dist/ here when its inputs changed (a no-op otherwise).
 */
export default function globalSetup(_globalConfig: unknown, projectConfig: { rootDir: string }): void {
  const root = projectConfig.rootDir;
  const built = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0 || !existsSync(join(root, 'dist/src/main.js'))) {
    throw new Error('the reliability suites need the built server: `npm run build` failed');
  }
}
