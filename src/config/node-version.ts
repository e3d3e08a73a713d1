/**
 * The oldest Node.js the server runs on: MikroORM 7 needs 22.17 (it imports `globSync` from node:fs,
 * which older versions lack, so on Node 20 the migration check, and with it /health/ready, fails).
 * npm scripts run on the Node.js 24 pinned by the `node` devDependency; this guards a direct
 * `node dist/src/main.js`.
 */
export const MINIMUM_NODE = '22.17.0';

/** Whether `version` (e.g. "20.20.2") is at least `minimum`. */
export function satisfiesMinimum(version: string, minimum = MINIMUM_NODE): boolean {
  const parse = (text: string) =>
    text
      .replace(/^v/, '')
      .split('.')
      .map((part) => Number.parseInt(part, 10) || 0);
  const [have, need] = [parse(version), parse(minimum)];
  for (let index = 0; index < 3; index++) {
    if ((have[index] ?? 0) !== (need[index] ?? 0)) return (have[index] ?? 0) > (need[index] ?? 0);
  }
  return true;
}

/** Ends the process with one line when this Node.js is too old; imported first by main.ts. */
export function requireSupportedNode(): void {
  if (satisfiesMinimum(process.versions.node)) return;
  console.error(
    `Node.js ${MINIMUM_NODE} or newer is required, this is ${process.version}: start with \`npm start\` (it runs the pinned Node.js 24) or install Node.js 24`,
  );
  process.exit(1);
}

requireSupportedNode();
