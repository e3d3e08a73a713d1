import fc from 'fast-check';
import { startTestApp, type TestApp } from '../../support/app.js';
import { GROUP_SCHEMA, newUser, patchOp, scimAs, type ScimRequests } from '../../support/scim-requests.js';
import { createTenant } from '../../support/tenants.js';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
type Json = Record<string, unknown>;

/**
 * An operation over a small universe (three userNames, two displayNames, so conflicts happen); `ref`
 * picks an earlier operation by position (the POST it names is the nearest one of the right type at
 * or before it), or an id that exists nowhere.
 */
type Op =
  | { kind: 'postUser'; name: number; title: number }
  | { kind: 'postGroup'; name: number; members: number[] }
  | { kind: 'patchUser'; ref: number; title: number }
  | { kind: 'putUser'; ref: number; name: number }
  | { kind: 'deleteUser'; ref: number }
  | { kind: 'addMember'; ref: number; member: number }
  | { kind: 'deleteGroup'; ref: number }
  | { kind: 'memberRun'; ref: number; changes: MemberChange[] }
  | { kind: 'createRun'; users: (number | 'invalid')[] };

/**
 * A run of user creates (consecutive user POSTs are one transaction in the Bulk): userNames from the
 * same small universe, so some are taken by an earlier user or an earlier create of the run, and
 * bodies a single POST refuses (no userName).
 */

/**
 * One member PATCH of a run of them on one group (consecutive member PATCHes of a group are one
 * transaction in the Bulk): add or remove (Entra's remove by value) a user, one that exists nowhere or
 * a malformed id, with an If-Match version sometimes.
 */
interface MemberChange {
  remove: boolean;
  member: number | 'missing' | 'malformed';
  version?: number;
}

const NAMES = ['ann', 'bob', 'cy'];
const GROUPS = ['red', 'blue'];
const TITLES = ['Dev', 'Ops'];
const MISSING = '00000000-0000-4000-8000-000000000000';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

const ref = fc.integer({ min: 0, max: 11 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('postUser' as const), name: fc.nat(2), title: fc.nat(1) }),
  fc.record({
    kind: fc.constant('postGroup' as const),
    name: fc.nat(1),
    members: fc.array(ref, { maxLength: 2 }),
  }),
  fc.record({ kind: fc.constant('patchUser' as const), ref, title: fc.nat(1) }),
  fc.record({ kind: fc.constant('putUser' as const), ref, name: fc.nat(2) }),
  fc.record({ kind: fc.constant('deleteUser' as const), ref }),
  fc.record({ kind: fc.constant('addMember' as const), ref, member: ref }),
  fc.record({ kind: fc.constant('deleteGroup' as const), ref }),
  fc.record({
    kind: fc.constant('memberRun' as const),
    ref,
    changes: fc.array(
      fc.record(
        {
          remove: fc.boolean(),
          member: fc.oneof(
            { arbitrary: ref, weight: 8 },
            { arbitrary: fc.constantFrom('missing' as const, 'malformed' as const), weight: 1 },
          ),
          version: fc.integer({ min: 1, max: 4 }),
        },
        { requiredKeys: ['remove', 'member'] },
      ),
      { minLength: 2, maxLength: 5 },
    ),
  }),
  fc.record({
    kind: fc.constant('createRun' as const),
    users: fc.array(
      fc.oneof(
        { arbitrary: fc.nat(2), weight: 6 },
        { arbitrary: fc.constant('invalid' as const), weight: 1 },
      ),
      { minLength: 2, maxLength: 6 },
    ),
  }),
);

/** The bulkId of the nearest POST of `type` at or before `at` (never after: no forward references here). */
function target(ops: Op[], at: number, limit: number, type: 'postUser' | 'postGroup'): string | undefined {
  // A run of creates defines `b<i>` by its first create.
  const defines = (op: Op) => op.kind === type || (type === 'postUser' && op.kind === 'createRun');
  for (let i = Math.min(at, limit - 1); i >= 0; i--) if (defines(ops[i])) return `b${i}`;
  return undefined;
}

/**
 * The Bulk operations of a generated list: references by bulkId, a missing id when there is none. A
 * run of member PATCHes becomes that many operations (bulkIds stay named by the position in `ops`).
 */
function bulkOperations(ops: Op[]): Json[] {
  const user = (at: number, i: number) => {
    const bulkId = target(ops, at, i, 'postUser');
    return bulkId ? `bulkId:${bulkId}` : MISSING;
  };
  const group = (at: number, i: number) => {
    const bulkId = target(ops, at, i, 'postGroup');
    return bulkId ? `bulkId:${bulkId}` : MISSING;
  };
  return ops.flatMap<Json>((op, i) => {
    switch (op.kind) {
      case 'postUser':
        return {
          method: 'POST',
          path: '/Users',
          bulkId: `b${i}`,
          data: newUser(`${NAMES[op.name]}@example.com`, { title: TITLES[op.title] }),
        };
      case 'postGroup':
        return {
          method: 'POST',
          path: '/Groups',
          bulkId: `b${i}`,
          data: {
            schemas: [GROUP_SCHEMA],
            displayName: GROUPS[op.name],
            members: op.members.map((m) => ({ value: user(m, i) })),
          },
        };
      case 'patchUser':
        return {
          method: 'PATCH',
          path: `/Users/${user(op.ref, i)}`,
          data: patchOp({ op: 'replace', path: 'title', value: TITLES[op.title] }),
        };
      case 'putUser':
        return {
          method: 'PUT',
          path: `/Users/${user(op.ref, i)}`,
          data: newUser(`${NAMES[op.name]}@example.com`),
        };
      case 'deleteUser':
        return { method: 'DELETE', path: `/Users/${user(op.ref, i)}` };
      case 'addMember':
        return {
          method: 'PATCH',
          path: `/Groups/${group(op.ref, i)}`,
          data: patchOp({ op: 'add', path: 'members', value: [{ value: user(op.member, i) }] }),
        };
      case 'deleteGroup':
        return { method: 'DELETE', path: `/Groups/${group(op.ref, i)}` };
      case 'createRun':
        return op.users.map((name, k) => ({
          method: 'POST',
          path: '/Users',
          bulkId: k === 0 ? `b${i}` : `b${i}x${k}`,
          data:
            name === 'invalid'
              ? { schemas: [USER_SCHEMA], displayName: 'No userName' }
              : newUser(`${NAMES[name]}@example.com`, { title: TITLES[k % 2] }),
        }));
      case 'memberRun':
        return op.changes.map((change) => {
          const value =
            change.member === 'missing'
              ? MISSING
              : change.member === 'malformed'
                ? 'not-a-uuid'
                : user(change.member, i);
          return {
            method: 'PATCH',
            path: `/Groups/${group(op.ref, i)}`,
            ...(change.version !== undefined ? { version: `W/"${change.version}"` } : {}),
            data: patchOp({ op: change.remove ? 'remove' : 'add', path: 'members', value: [{ value }] }),
          };
        });
    }
  });
}

interface Outcome {
  status: string;
  version?: string;
}

/**
 * The same operations sent one by one, as a client would: each bulkId replaced by the id its POST got;
 * one whose POST failed is not sent and counted as the Bulk answers it (409, no change). With
 * `failOnErrors`, the client stops after that many errors.
 */
async function oneByOne(scim: ScimRequests, operations: Json[], failOnErrors?: number): Promise<Outcome[]> {
  const ids = new Map<string, string | null>();
  const outcomes: Outcome[] = [];
  for (const op of operations) {
    // §3.7.3: after failOnErrors errors, nothing more runs.
    if (failOnErrors !== undefined && outcomes.filter((o) => Number(o.status) >= 400).length >= failOnErrors)
      break;
    let text = JSON.stringify({ path: op.path, data: op.data });
    const named = [...text.matchAll(/bulkId:(b\d+)/g)].map((m) => m[1]);
    if (named.some((bulkId) => ids.get(bulkId) === null)) {
      outcomes.push({ status: '409' });
      if (op.bulkId) ids.set(op.bulkId as string, null);
      continue;
    }
    for (const bulkId of named) text = text.replaceAll(`bulkId:${bulkId}`, ids.get(bulkId)!);
    const { path, data } = JSON.parse(text) as { path: string; data?: unknown };
    const url = path.slice(1);
    const res =
      op.method === 'POST'
        ? await scim.post(url, data)
        : op.method === 'PUT'
          ? await scim.put(url, data)
          : op.method === 'PATCH'
            ? await scim.patch(url, data, { 'if-match': (op.version as string | undefined) ?? '*' })
            : await scim.delete(url);
    const body = res.statusCode === 204 ? undefined : (res.json() as Json);
    if (op.bulkId) ids.set(op.bulkId as string, res.statusCode === 201 ? (body!.id as string) : null);
    const version = res.statusCode < 300 ? (body?.meta as Json | undefined)?.version : undefined;
    outcomes.push({ status: String(res.statusCode), ...(version ? { version: version as string } : {}) });
  }
  return outcomes;
}

/**
 * A tenant's state: users by userName with their title, groups by displayName with members' userNames,
 * each with its version (what a GET after the Bulk reads).
 */
async function state(scim: ScimRequests) {
  const users = (await scim.get('Users?count=100')).json().Resources as Json[];
  const groups = (await scim.get('Groups?count=100')).json().Resources as Json[];
  const nameOf = new Map(users.map((u) => [u.id, u.userName]));
  return {
    users: users
      .map(
        (u) =>
          `${u.userName as string}:${(u.title as string | undefined) ?? '-'}:${(u.meta as Json).version as string}`,
      )
      .sort(),
    groups: groups
      .map(
        (g) =>
          `${g.displayName as string}:${((g.members as Json[] | undefined) ?? [])
            .map((m) => nameOf.get(m.value))
            .sort()
            .join(',')}:${(g.meta as Json).version as string}`,
      )
      .sort(),
  };
}

describe('/Bulk equals the same operations sent one by one (property)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_RPS: '100000', RATE_LIMIT_BURST: '100000' });
  });
  afterAll(() => t?.close());

  it('per-operation statuses and versions, and the final state, on fresh tenants', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 12 }),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 3 }),
        async (ops, failOnErrors) => {
          const operations = bulkOperations(ops);
          const single = scimAs(t.app, (await createTenant(t.app, 'one by one')).apiKey);
          const bulked = scimAs(t.app, (await createTenant(t.app, 'bulk')).apiKey);
          const expected = await oneByOne(single, operations, failOnErrors);
          const res = await bulked.post('Bulk', {
            schemas: [BULK_REQUEST],
            ...(failOnErrors !== undefined ? { failOnErrors } : {}),
            Operations: operations,
          });
          expect(res.statusCode).toBe(200);
          const answered = (res.json().Operations as (Outcome & Json)[]).map(({ status, version }) => ({
            status,
            ...(version ? { version } : {}),
          }));
          expect(answered).toEqual(expected);
          expect(await state(bulked)).toEqual(await state(single));
        },
      ),
      { numRuns: 30 },
    );
  });
});
