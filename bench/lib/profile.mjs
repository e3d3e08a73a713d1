import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * A readable digest of a V8 .cpuprofile (node --cpu-prof): self time by package or source folder, and
 * the functions with the most self and inclusive time. Times are sample counts × the mean interval;
 * `(idle)` is time the event loop waited (on PostgreSQL, mostly).
 */
export function summarizeProfile(path, root, { lastMs = Infinity, top = 25 } = {}) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // Only the samples of the last `lastMs` (the load window), not those of the server's start.
  const from = profile.endTime - lastMs * 1000;
  const hits = new Map();
  let at = profile.startTime;
  let totalSamples = 0;
  for (const [index, id] of profile.samples.entries()) {
    at += profile.timeDeltas[index] ?? 0;
    if (at < from) continue;
    hits.set(id, (hits.get(id) ?? 0) + 1);
    totalSamples++;
  }
  const allSamples = profile.samples.length;
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, allSamples);

  const keyOf = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    return `${functionName || '(anonymous)'} ${shortUrl(url, root)}${url ? `:${lineNumber + 1}` : ''}`;
  };
  const self = new Map();
  const bucket = new Map();
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (!count) continue;
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + count);
    const b = bucketOf(node.callFrame, root);
    bucket.set(b, (bucket.get(b) ?? 0) + count);
  }
  // Inclusive: every function on the stack of a sample gets the sample once (recursion counted once).
  const inclusive = new Map();
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  for (const [id, count] of hits) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = keyOf(byId.get(at));
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + count);
    }
  }
  const ranked = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => ({ name, ms: count * msPerSample, share: count / totalSamples }));
  return {
    totalMs: totalSamples * msPerSample,
    buckets: ranked(bucket),
    self: ranked(self),
    inclusive: ranked(inclusive).filter((entry) => !entry.name.startsWith('(root)')),
  };
}

function shortUrl(url, root) {
  if (!url) return '';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith(root) ? relative(root, path) : path;
}

function bucketOf(callFrame, root) {
  const { url, functionName } = callFrame;
  if (!url) return functionName || '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const path = shortUrl(url, root);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1];
  const ours = /(?:^dist|\/build)\/src\/(?:modules\/)?([^/]+)/.exec(path);
  return ours ? `server: ${ours[1]}` : path;
}

/** Every server's CPU per answered request by package, then our hottest functions (self and inclusive). */
export function renderProfile(workload, digests, keys = Object.keys(digests), labels = {}) {
  const label = (key) => labels[key] ?? key;
  const perRequest = (digest, entry) => entry.ms / Math.max(1, digest.result.ok);
  const buckets = new Map();
  for (const key of keys) {
    for (const entry of digests[key].summary.buckets) {
      buckets.set(entry.name, { ...buckets.get(entry.name), [key]: perRequest(digests[key], entry) });
    }
  }
  const rows = [...buckets.entries()].sort((a, b) => (b[1].ours ?? 0) - (a[1].ours ?? 0)).slice(0, 25);
  const cell = (v) => (v == null ? '–' : v.toFixed(3)).padStart(8);
  const line = (e) => `  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.name}`;
  const { ours } = digests;
  return [
    `CPU profiles during ${workload}: ` +
      keys
        .map(
          (key) =>
            `${label(key)} ${digests[key].result.rps.toFixed(0)} rps (${digests[key].result.ok} requests)`,
        )
        .join(', ') +
      ', under the profiler',
    ' sampled ms per request by package / folder ((idle): waiting, mostly on PostgreSQL):',
    `  ${keys.map((key) => label(key).padStart(8)).join('  ')}  package`,
    ...rows.map(([name, v]) => `  ${keys.map((key) => cell(v[key])).join('  ')}  ${name}`),
    ' ours, self time by function:',
    ...ours.summary.self.slice(0, 20).map(line),
    ' ours, inclusive time by function (synchronous stacks only; awaits cut them):',
    ...ours.summary.inclusive.slice(0, 40).map(line),
  ].join('\n');
}
