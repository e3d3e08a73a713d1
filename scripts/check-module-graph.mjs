// The modules of src/modules import each other in one direction only: no two modules (folders) form
// a cycle, however long. import-x/no-cycle (eslint.config.js) checks files; this checks folders,
// where a cycle can hide behind files that do not import each other.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', 'src', 'modules');
const modules = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

function filesOf(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesOf(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;
const edges = new Map(modules.map((name) => [name, new Map()]));
for (const name of modules) {
  for (const file of filesOf(path.join(root, name))) {
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2];
      if (!specifier.startsWith('.')) continue;
      const target = path.relative(root, path.resolve(path.dirname(file), specifier)).split(path.sep);
      if (target[0] === '..' || target.length < 2 || target[0] === name) continue;
      edges.get(name).set(target[0], path.relative(root, file));
    }
  }
}

const cycles = [];
const state = new Map();
function visit(name, trail) {
  state.set(name, 'open');
  for (const next of edges.get(name)?.keys() ?? []) {
    if (state.get(next) === 'open') cycles.push([...trail.slice(trail.indexOf(next)), next]);
    else if (!state.has(next)) visit(next, [...trail, next]);
  }
  state.set(name, 'done');
}
for (const name of modules) if (!state.has(name)) visit(name, [name]);

if (cycles.length > 0) {
  for (const cycle of cycles) {
    const via = cycle.slice(0, -1).map((from, i) => `${edges.get(from).get(cycle[i + 1])}`);
    console.error(`module cycle: ${cycle.join(' → ')} (${via.join(', ')})`);
  }
  process.exit(1);
}
