// One bounded autocannon run in its own process, so the load generator's CPU never counts as the
// server's and its event loop never delays the orchestrator. Input: one JSON argument; output: one JSON
// line on stdout.
import autocannon from 'autocannon';
import { workloads } from './lib/workloads.mjs';

const spec = JSON.parse(process.argv[2]);
const workload = workloads(spec.dataset).find((w) => w.name === spec.workload);
if (!workload) throw new Error(`unknown workload ${spec.workload}`);
const url = new URL(spec.url);
if (url.hostname !== '127.0.0.1') throw new Error('the bench only loads 127.0.0.1');

// autocannon's histogram keeps whole milliseconds; 2xx response times are kept exactly here instead.
const times = [];
let clients = 0;
const headers = {
  authorization: `Bearer ${spec.apiKey}`,
  'content-type': 'application/scim+json',
  accept: 'application/scim+json',
};
const result = await new Promise((resolve, reject) => {
  const instance = autocannon(
    {
      url: spec.url,
      connections: spec.connections,
      duration: spec.duration,
      timeout: 30,
      headers,
      requests: workload.requests(),
      // Several tenants' keys (bench/lib/limiter-bench.mjs): connection i sends key i mod n.
      ...(spec.apiKeys && {
        setupClient: (client) => {
          const key = spec.apiKeys[clients++ % spec.apiKeys.length];
          client.setHeaders({ ...headers, authorization: `Bearer ${key}` });
        },
      }),
    },
    (error, done) => (error ? reject(error) : resolve(done)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) times.push(responseTime);
  });
});

times.sort((a, b) => a - b);
const percentile = (p) =>
  times.length ? times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] : null;
const ok = result['2xx'];
process.stdout.write(
  JSON.stringify({
    rps: ok / result.duration,
    p50: percentile(50),
    p99: percentile(99),
    mean: times.length ? times.reduce((sum, t) => sum + t, 0) / times.length : null,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duration: result.duration,
    statusCodes: result.statusCodeStats,
  }) + '\n',
);
