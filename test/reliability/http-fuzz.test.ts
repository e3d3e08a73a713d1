import fc from 'fast-check';
import {
  KNOWN_ID,
  UNIQUE,
  damage,
  groupBody,
  headers,
  patchBody,
  queryString,
  searchBody,
  userBody,
} from './support/arbitraries.js';
import { Cluster } from './support/cluster.js';
import {
  type Answer,
  ScimClient,
  SCIM_JSON,
  Traffic,
  createTenant,
  send,
  uniqueName,
} from './support/http.js';
import {
  ADMIN_TOKEN,
  type ServerProcess,
  startServerProcess,
  stopAllServers,
} from './support/server-process.js';

/**
 * HTTP fuzzing of the running server: filters, query parameters, search bodies, resource bodies, PATCH
 * bodies and headers. No input may yield a 5xx (RFC 7644 §3.12: bad input is a SCIM error), and bad
 * input changes nothing: a model built only from the successful answers must equal the database at
 * the end. FUZZ_SEED=<n> replays a run; the seed is printed in the summary line and on failure.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

type Resource = 'Users' | 'Groups';
type Representation = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the successful answers said the database holds: id → representation, null once deleted. */
class Model {
  readonly resources: Record<Resource, Map<string, Representation | null>> = {
    Users: new Map(),
    Groups: new Map(),
  };
  readonly mismatches: string[] = [];

  alive(resource?: Resource): string[] {
    const kinds: Resource[] = resource ? [resource] : ['Users', 'Groups'];
    return kinds.flatMap((kind) => [...this.resources[kind]].filter(([, rep]) => rep).map(([id]) => id));
  }

  set(resource: Resource, id: string, representation: Representation): void {
    this.resources[resource].set(id, representation);
  }

  deleted(resource: Resource, id: string): void {
    this.resources[resource].set(id, null);
    // A deleted user or group leaves every group it was a member of.
    for (const group of this.resources.Groups.values()) {
      if (group?.members) group.members = group.members.filter((m: { value: string }) => m.value !== id);
    }
  }
}

describe('HTTP fuzzing of the SCIM API', () => {
  const traffic = new Traffic();
  const model = new Model();
  /** Why writes were refused (400 detail), for a look at what the fuzzer mostly hits. */
  const refusals: Record<string, number> = {};
  let cluster: Cluster;
  let server: ServerProcess;
  let scim: ScimClient;
  let apiKey: string;
  let tenantId: string;

  beforeAll(async () => {
    cluster = await Cluster.start();
    server = await startServerProcess({ databaseUrl: await cluster.createDatabase('scim_fuzz') });
    ({ apiKey, id: tenantId } = await createTenant(traffic, server.baseUrl, ADMIN_TOKEN));
    scim = new ScimClient(traffic, server.baseUrl, apiKey);
    // A few resources for filters to find and for PATCH and PUT to target.
    for (let i = 0; i < 5; i++) {
      const user = await scim.post('Users', {
        schemas: [USER_SCHEMA_URN],
        userName: uniqueName('seed'),
        active: true,
      });
      model.set('Users', user.json.id, user.json);
    }
    const group = await scim.post('Groups', {
      schemas: [GROUP_SCHEMA_URN],
      displayName: uniqueName('seed-group'),
      members: model.alive('Users').map((value) => ({ value })),
    });
    model.set('Groups', group.json.id, group.json);
  }, 120_000);

  afterAll(async () => {
    console.log(traffic.summary('http fuzz', { seed: SEED, runs: RUNS }));
    console.log(`[reliability] http fuzz answers: ${JSON.stringify(traffic.statuses)}`);
    const top = Object.entries(refusals)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12);
    console.log(
      `[reliability] http fuzz, most frequent 400s:\n${top.map(([r, n]) => `  ${n} × ${r}`).join('\n')}`,
    );
    const logged = server?.errors(10) ?? [];
    if (logged.length) console.log(`[reliability] server errors logged:\n${logged.join('\n')}`);
    await stopAllServers();
    await cluster?.stop();
  });

  // A 5xx is recorded by `traffic` (with the request); the run goes on so the figures count them all,
  // and each test fails at its end with the distinct ones it saw.
  const noServerError = (_answer: Answer) => undefined;
  let errorsBefore = 0;
  beforeEach(() => {
    errorsBefore = traffic.serverErrors.length;
  });
  const expectNoServerErrors = () => {
    const seen = traffic.serverErrors.slice(errorsBefore);
    const distinct = [
      ...new Map(
        seen.map((e) => [
          e
            .split(' → ')[0]
            .split('?')[0]
            .replace(/[0-9a-f-]{36}/g, '{id}') + e.split('\n')[0].slice(-80),
          e,
        ]),
      ).values(),
    ];
    // The seed replays the run: FUZZ_SEED=<seed> npm test -- test/reliability/http-fuzz.test.ts
    expect({ seed: SEED, count: seen.length, examples: distinct.slice(0, 6) }).toEqual({
      seed: SEED,
      count: 0,
      examples: [],
    });
  };
  const options = (runs = RUNS) => ({ seed: SEED, numRuns: runs, endOnFailure: true });

  /** Replaces the placeholders: a fresh userName for each UNIQUE, an id the model knows for KNOWN_ID. */
  const resolve = (value: unknown, pick: number): unknown => {
    if (typeof value === 'string') {
      const known = model.alive();
      return value
        .replaceAll(UNIQUE, () => uniqueName('fuzz'))
        .replaceAll(
          KNOWN_ID,
          known.length ? known[pick % known.length] : '00000000-0000-4000-8000-000000000000',
        );
    }
    if (Array.isArray(value)) return value.map((item) => resolve(item, pick));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, pick)]));
    }
    return value;
  };

  it('filters and query parameters on list endpoints never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/scim/v2/Users', '/scim/v2/Groups', '/scim/v2/Users/{id}', '/scim/v2/Groups/{id}'),
        queryString,
        fc.nat(),
        async (path, query, pick) => {
          const resource: Resource = path.includes('Users') ? 'Users' : 'Groups';
          const ids = model.alive(resource);
          const target = path.replace('{id}', ids[pick % ids.length] ?? 'none');
          noServerError(await scim.get(`${target}?${query}`));
        },
      ),
      options(),
    );
    expectNoServerErrors();
  }, 120_000);

  it('search bodies (POST /.search) never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('Users/.search', 'Groups/.search', '.search'),
        searchBody,
        async (path, body) => {
          noServerError(await scim.post(path, body));
        },
      ),
      options(Math.ceil(RUNS / 2)),
    );
    expectNoServerErrors();
  }, 120_000);

  // Creates, replaces and patches with a delete now and then (fast-check leans towards the first
  // arbitrary of a oneof, so the delete goes last with a small weight).
  const write = fc.oneof(
    {
      weight: 12,
      arbitrary: fc.oneof(
        fc.record({
          kind: fc.constant('create' as const),
          resource: fc.constant('Users' as const),
          body: userBody,
        }),
        fc.record({
          kind: fc.constant('create' as const),
          resource: fc.constant('Groups' as const),
          body: groupBody,
        }),
        fc.record({
          kind: fc.constant('patch' as const),
          resource: fc.constant('Users' as const),
          body: patchBody('Users'),
        }),
        fc.record({
          kind: fc.constant('patch' as const),
          resource: fc.constant('Groups' as const),
          body: patchBody('Groups'),
        }),
        fc.record({
          kind: fc.constant('replace' as const),
          resource: fc.constant('Users' as const),
          body: userBody,
        }),
        fc.record({
          kind: fc.constant('replace' as const),
          resource: fc.constant('Groups' as const),
          body: groupBody,
        }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('delete' as const),
        resource: fc.constantFrom('Users' as const, 'Groups' as const),
      }),
    },
  );

  /** Sends one write and records what a success said in the model. */
  async function sendWrite(
    step: { kind: 'create' | 'replace' | 'patch' | 'delete'; resource: Resource; body?: unknown },
    pick: number,
    damageHow: number | null,
    extraHeaders: Record<string, string> | null,
  ): Promise<Answer> {
    const ids = model.alive(step.resource);
    const id = ids.length ? ids[pick % ids.length] : '00000000-0000-4000-8000-000000000000';
    const method = { create: 'POST', replace: 'PUT', patch: 'PATCH', delete: 'DELETE' }[step.kind];
    const path = `/scim/v2/${step.resource}${step.kind === 'create' ? '' : `/${id}`}`;
    let body: string | undefined;
    if (step.body !== undefined) {
      body = JSON.stringify(resolve(step.body, pick)) ?? 'null';
      if (damageHow !== null) body = damage(body, damageHow);
    }
    const answer = await send(traffic, server.baseUrl, method, path, {
      body,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': SCIM_JSON }),
        ...(extraHeaders ?? {}),
      },
    });
    noServerError(answer);
    if (answer.status === 400 || answer.status === 409) {
      const reason = `${method} ${step.resource}: ${String(answer.json?.detail ?? '').slice(0, 70)}`;
      refusals[reason] = (refusals[reason] ?? 0) + 1;
    }
    if (answer.status >= 300) return answer;
    if (step.kind === 'delete') {
      model.deleted(step.resource, id);
    } else if (step.kind === 'create') {
      model.set(step.resource, answer.json.id, answer.json);
    } else if (step.resource === 'Groups' || answer.status === 204) {
      // Group answers leave members out (and 204 says nothing): read the group back.
      const read = await scim.get(`${step.resource}/${id}`);
      if (read.status !== 200) {
        model.mismatches.push(`${method} ${path} → ${answer.status}, then GET → ${read.status}`);
      } else {
        if (answer.status === 200) {
          const { members: _a, meta: _m, ...said } = answer.json;
          const { members: _b, meta: _n, ...stored } = read.json;
          if (JSON.stringify(sorted(said)) !== JSON.stringify(sorted(stored))) {
            model.mismatches.push(
              `${method} ${path} answered ${answer.text.slice(0, 300)} but GET reads ${read.text.slice(0, 300)}`,
            );
          }
        }
        model.set(step.resource, id, read.json);
      }
    } else {
      model.set(step.resource, id, answer.json);
    }
    return answer;
  }

  it('POST, PUT, PATCH and DELETE bodies never answer 5xx, and failures change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            write,
            fc.nat(),
            fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
          ),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        async (steps) => {
          for (const [step, pick, damageHow] of steps) await sendWrite(step, pick, damageHow, null);
        },
      ),
      options(),
    );
    expectNoServerErrors();
  }, 180_000);

  it('odd headers (content types, If-Match, Authorization, Accept) never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(write, fc.nat(), headers('KEY'), async (step, pick, sent) => {
        const extra = { ...sent, authorization: sent.authorization.replaceAll('KEY', apiKey) };
        await sendWrite(step, pick, null, extra);
        const ids = model.alive('Users');
        noServerError(
          await send(
            traffic,
            server.baseUrl,
            pick % 3 === 0 ? 'HEAD' : 'GET',
            `/scim/v2/Users/${ids[pick % ids.length] ?? 'none'}`,
            {
              headers: extra,
            },
          ),
        );
      }),
      options(Math.ceil(RUNS / 2)),
    );
    expectNoServerErrors();
  }, 120_000);

  it('the database equals what the successful answers said', async () => {
    const differences: string[] = [...model.mismatches];
    for (const resource of ['Users', 'Groups'] as const) {
      for (const [id, said] of model.resources[resource]) {
        const read = await scim.get(`${resource}/${id}`);
        if (said === null) {
          if (read.status !== 404)
            differences.push(`${resource}/${id} was deleted (204) but GET → ${read.status}`);
          continue;
        }
        if (read.status !== 200) {
          differences.push(`${resource}/${id} was acknowledged but GET → ${read.status}`);
          continue;
        }
        if (JSON.stringify(comparable(resource, said)) !== JSON.stringify(comparable(resource, read.json))) {
          differences.push(
            `${resource}/${id}: last answer ${JSON.stringify(comparable(resource, said)).slice(0, 400)}\n  GET now ${JSON.stringify(comparable(resource, read.json)).slice(0, 400)}`,
          );
        }
      }
    }
    // And directly in SQL: exactly the live resources of the model, no more.
    const stored = await cluster.sql('scim_fuzz', (sql) =>
      sql.query<{ kind: Resource; id: string }>(
        `SELECT 'Users' AS kind, id FROM scim_user WHERE tenant_id = $1
         UNION ALL SELECT 'Groups', id FROM scim_group WHERE tenant_id = $1`,
        [tenantId],
      ),
    );
    const storedIds = stored.rows.map((row) => `${row.kind}/${row.id}`).sort();
    // No membership points at a user or group that is gone.
    const dangling = await cluster.sql('scim_fuzz', (sql) =>
      sql.query(
        `SELECT m.group_id, m.member_id, m.member_type FROM scim_membership m
          WHERE m.tenant_id = $1 AND NOT EXISTS (
            SELECT 1 FROM scim_user u WHERE m.member_type = 'User' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
            UNION ALL
            SELECT 1 FROM scim_group g WHERE m.member_type = 'Group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id)`,
        [tenantId],
      ),
    );
    expect(dangling.rows).toEqual([]);
    const modelIds = (['Users', 'Groups'] as const)
      .flatMap((r) => model.alive(r).map((id) => `${r}/${id}`))
      .sort();
    console.log(
      `[reliability] http fuzz model: users=${model.alive('Users').length} groups=${model.alive('Groups').length} deleted=${
        [...model.resources.Users.values(), ...model.resources.Groups.values()].filter((r) => r === null)
          .length
      }`,
    );
    expect(differences).toEqual([]);
    expect(storedIds).toEqual(modelIds);
  }, 120_000);

  it('every answer matches the committed OpenAPI document', () => {
    // One line per operation and status: the same gap shows up many times in a fuzz run.
    const distinct = [...new Set(traffic.contractViolations.map((v) => v.replace(/[0-9a-f-]{36}/g, '{id}')))];
    expect(distinct.slice(0, 10)).toEqual([]);
  });
});

const USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** The parts of a representation only that resource's own writes change. */
function comparable(resource: Resource, representation: Representation): unknown {
  if (resource === 'Users') {
    // `groups` follows group writes; the rest (meta included) only the user's own.
    const { groups: _groups, ...rest } = representation;
    return sorted(rest);
  }
  return sorted({
    displayName: representation.displayName,
    externalId: representation.externalId,
    members: (representation.members ?? []).map((m: { value: string }) => m.value).sort(),
  });
}

/** Object keys in order, so two equal representations print the same. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
