import { sampleRequests } from './workloads.mjs';

/**
 * One cycle of every workload on every server before measuring: all must answer 2xx, and each floor's
 * answers must equal ours byte for byte once `normalize` has taken out what legitimately differs, or the
 * comparison is unfair. A difference is printed as a WARNING and kept in the results (it does not stop
 * the run). Returns, per workload, the answers' sizes per server and each floor's first difference
 * (null when equal).
 */
export async function smokeCheck(selected, targets, apiKey, servers, labels) {
  const floors = servers.filter((key) => key !== 'ours');
  console.log(`smoke check (one cycle of each workload on ${servers.map((k) => labels[k]).join(', ')}):`);
  const results = [];
  for (const workload of selected) {
    // The same requests on every server (the same random user), but a new user for each POST.
    const shared = sampleRequests(workload);
    const answers = {};
    const sizes = {};
    for (const key of servers) {
      const requests = shared.some((r) => r.method === 'POST') ? sampleRequests(workload) : shared;
      answers[key] = [];
      sizes[key] = 0;
      for (const request of requests) {
        const { port } = targets[key];
        const response = await fetch(`http://127.0.0.1:${port}${request.path}`, {
          method: request.method,
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/scim+json' },
          body: request.body,
        });
        const text = await response.text();
        if (response.status >= 300) {
          throw new Error(
            `${workload.name} on ${labels[key]}: ${request.method} ${request.path} → ${response.status} ${text.slice(0, 300)}`,
          );
        }
        sizes[key] += Buffer.byteLength(text);
        answers[key].push(`${response.status} ${normalize(text, port, request)}`);
      }
    }
    const differences = {};
    for (const key of floors) differences[key] = firstDifference(answers.ours, answers[key]);
    results.push({ workload: workload.name, sizes, differences });
    console.log(
      `  ${workload.name.padEnd(18)} ` +
        servers.map((k) => `${String(sizes[k]).padStart(9)} B ${labels[k]}`).join(', ') +
        floors
          .map((k) =>
            differences[k] ? `\n    WARNING ${labels[k]} differs from ours: ${differences[k]}` : '',
          )
          .join('') +
        (floors.every((k) => !differences[k]) ? '  same bytes' : ''),
    );
  }
  return results;
}

/** What the smoke check takes out of an answer before comparing it (also said in docs/benchmarks.md). */
export const NORMALIZED = [
  'the host and port in URLs',
  '`totalResults` of cursor pages (RFC 9865 lets a cursor page leave it out; floor-1 does, and the server may)',
  '`nextCursor` compared by what it decodes to (the sort value as an instant, and the id)',
  'in the answer to a write, the resource id, `meta.created`, `meta.lastModified`, `meta.version` and the ' +
    'userName sent (each server writes its own user and version)',
];

/**
 * The answer's text with what may differ replaced by placeholders; everything else is left byte for byte.
 */
export function normalize(text, port, request) {
  let out = text.split(`//127.0.0.1:${port}/`).join('//<host>/');
  if (/[?&]cursor=/.test(request.path)) out = out.replace(/"totalResults":\d+,/, '');
  out = out.replace(/"nextCursor":"([A-Za-z0-9_-]*)"/, (_, token) => {
    try {
      const { k, i } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      const instant = typeof k === 'string' ? new Date(k) : undefined;
      const key = instant && !Number.isNaN(instant.getTime()) ? instant.toISOString() : JSON.stringify(k);
      return `"nextCursor":"<after ${key} ${i}>"`;
    } catch {
      return `"nextCursor":"<undecodable ${token}>"`;
    }
  });
  if (request.method !== 'GET') {
    const body = JSON.parse(out);
    const quoted = [
      [body.meta?.created, '<created>'],
      [body.meta?.lastModified, '<lastModified>'],
      [body.meta?.version, '<version>'],
    ];
    for (const [value, placeholder] of quoted) {
      if (typeof value === 'string') out = out.split(JSON.stringify(value)).join(`"${placeholder}"`);
    }
    if (request.method === 'POST' && typeof body.id === 'string') out = out.split(body.id).join('<id>');
    const sent = request.body ? JSON.parse(request.body).userName : undefined;
    if (typeof sent === 'string' && sent) out = out.split(sent).join('<userName>');
  }
  return out;
}

/** Where two lists of normalized answers first differ, with some context; null when they are equal. */
function firstDifference(ours, theirs) {
  for (let n = 0; n < Math.max(ours.length, theirs.length); n++) {
    const a = ours[n] ?? '';
    const b = theirs[n] ?? '';
    if (a === b) continue;
    let at = 0;
    while (at < a.length && a[at] === b[at]) at++;
    const from = Math.max(0, at - 60);
    return (
      `answer ${n + 1}, at character ${at} of ${a.length} (ours) / ${b.length}: ` +
      `ours …${JSON.stringify(a.slice(from, at + 80))}, theirs …${JSON.stringify(b.slice(from, at + 80))}`
    );
  }
  return null;
}
