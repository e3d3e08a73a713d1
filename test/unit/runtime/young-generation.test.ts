import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../../src/runtime/young-generation.ts', import.meta.url));

/**
 * Runs a fresh Node.js (its own heap) that allocates survivors the way loading modules does, and
 * reports the young generation's size in MiB before and after releaseYoungGeneration().
 */
function youngGenerationSizes(hold: boolean, execArgv: string[] = []): { boot: number; served: number } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    const { releaseYoungGeneration } = ${hold ? `await import(${JSON.stringify(MODULE)})` : '{ releaseYoungGeneration() {} }'};
    const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
    const kept = [];
    const survive = () => { for (let i = 0; i < 400_000; i++) kept.push({ i, name: 'x' + i }); };
    survive();
    const boot = newSpace();
    releaseYoungGeneration();
    survive();
    console.log(JSON.stringify({ boot, served: newSpace() }));
  `;
  const child = spawnSync(
    process.execPath,
    [...execArgv, '--input-type=module', '--experimental-strip-types', '--no-warnings', '-e', script],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as { boot: number; served: number };
}

describe('the young generation while the server boots', () => {
  it('grows with survivors by default (the cost it avoids)', () => {
    expect(youngGenerationSizes(false).boot).toBeGreaterThanOrEqual(16);
  });

  it('stays at its initial size while held, and grows again once released', () => {
    const sizes = youngGenerationSizes(true);
    // Held, it stays a few MiB (1 on a quiet machine, up to ~8 seen under load: V8 still resizes it by
    // its own heuristics); left alone, the same program takes it to 16 MiB or more (the test above).
    expect(sizes.boot).toBeLessThan(16);
    expect(sizes.served).toBeGreaterThan(sizes.boot);
  });

  it('leaves the growth factor alone when the operator sets it', () => {
    expect(youngGenerationSizes(true, ['--semi-space-growth-factor=2']).boot).toBeGreaterThanOrEqual(16);
  });
});
