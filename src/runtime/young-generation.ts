import { setFlagsFromString } from 'node:v8';

const FLAG = '--semi-space-growth-factor';
/** V8's default: the young generation doubles when a collection finds it too small. */
const DEFAULT_GROWTH_FACTOR = 2;

/** Whether the operator set the flag (NODE_OPTIONS or the command line): then it is theirs. */
const chosenByOperator = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) =>
  `--${arg.replace(/^--/, '').replaceAll('_', '-')}`.startsWith(FLAG),
);

/**
 * V8 sizes the young generation by what survives its collections. Loading the server's modules (about
 * 2,000 files) allocates only survivors, so during boot V8 doubles the young generation up to its
 * maximum (2 × 32 MiB) and keeps it while idle: a third of the idle RSS, for objects that moved to the
 * old generation long ago. Imported by main.ts before it loads the server's modules, this holds the young generation at its initial size
 * while the modules load; `releaseYoungGeneration()`, once the server is up, gives V8 its default back,
 * and the young generation then grows with the traffic it actually serves.
 *
 * The growth factor is read by V8 each time the young generation would grow, so changing it at run time
 * takes effect; a Node.js whose V8 ignored the change would just grow as before.
 */
if (!chosenByOperator) setFlagsFromString(`${FLAG}=1`);

export function releaseYoungGeneration(): void {
  if (!chosenByOperator) setFlagsFromString(`${FLAG}=${DEFAULT_GROWTH_FACTOR}`);
}
