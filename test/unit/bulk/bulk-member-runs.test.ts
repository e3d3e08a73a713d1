import fc from 'fast-check';
import {
  bulkSteps,
  isMemberOnlyPatch,
  memberChangeSet,
  memberRunEntry,
  MemberRunReplay,
} from '../../../src/domain/bulk/member-runs.js';
import { joinsCreateRun, MAX_CREATE_RUN } from '../../../src/domain/bulk/create-runs.js';
import { planBulk } from '../../../src/domain/bulk/plan.js';
import { parseBulkRequest } from '../../../src/domain/bulk/request.js';
import { ScimError } from '../../../src/domain/errors.js';
import { applyPatch, parsePatchRequest, type MemberOp } from '../../../src/domain/patch/engine.js';
import { applyMemberOps } from '../../../src/domain/patch/members.js';
import { registry } from '../registry.js';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const G1 = '0b5e6a52-3c1d-4f7e-8a90-123456789ab1';
const G2 = '0b5e6a52-3c1d-4f7e-8a90-123456789ab2';
const U1 = '1b5e6a52-3c1d-4f7e-8a90-123456789ab1';
const U2 = '1b5e6a52-3c1d-4f7e-8a90-123456789ab2';
type Json = Record<string, unknown>;

const patch = (...Operations: Json[]) => ({ schemas: [PATCH], Operations });
const addMember = (value: string) => patch({ op: 'add', path: 'members', value: [{ value }] });

describe('isMemberOnlyPatch', () => {
  it.each<[string, Json[], boolean]>([
    ['add to members (RFC 7644 §3.5.2.1)', [{ op: 'add', path: 'members', value: [{ value: U1 }] }], true],
    ['remove of selected members (§3.5.2.2)', [{ op: 'remove', path: `members[value eq "${U1}"]` }], true],
    [
      'Entra removes members by value array',
      [{ op: 'Remove', path: 'members', value: [{ value: U1 }] }],
      true,
    ],
    [
      'members named with the Group schema URN',
      [{ op: 'add', path: 'urn:ietf:params:scim:schemas:core:2.0:Group:members', value: [{ value: U1 }] }],
      true,
    ],
    [
      'an add and a remove',
      [
        { op: 'add', path: 'members', value: [{ value: U1 }] },
        { op: 'remove', path: `members[value eq "${U2}"]` },
      ],
      true,
    ],
    ['remove of all members needs the member list', [{ op: 'remove', path: 'members' }], false],
    ['replace of members needs the member list', [{ op: 'replace', path: 'members', value: [] }], false],
    ['displayName', [{ op: 'replace', path: 'displayName', value: 'x' }], false],
    ['a path-less add', [{ op: 'add', value: { members: [{ value: U1 }] } }], false],
    [
      'members and displayName',
      [
        { op: 'add', path: 'members', value: [{ value: U1 }] },
        { op: 'replace', path: 'displayName', value: 'x' },
      ],
      false,
    ],
  ])('%s: %s', (_name, operations, expected) => {
    expect(isMemberOnlyPatch(parsePatchRequest(patch(...operations)))).toBe(expected);
  });
});

describe('memberChangeSet', () => {
  /** The change set and dialects, or the error, whichever `run` gives. */
  const outcome = (run: () => { memberOps: MemberOp[]; dialects: string[] }) => {
    try {
      const { memberOps, dialects } = run();
      return { memberOps, dialects };
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      return { error: error.toJSON() };
    }
  };
  const group = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Staff' };
  const valueArb = fc.oneof(fc.constantFrom(U1, U2, 'not-a-uuid', ''), fc.constant(42), fc.constant(null));
  const memberArb = fc.oneof(
    { arbitrary: valueArb.map((value) => ({ value })), weight: 4 },
    { arbitrary: fc.constantFrom('User', 'group', 'robot').map((type) => ({ value: U1, type })), weight: 1 },
    { arbitrary: fc.constantFrom('x', 7), weight: 1 },
  );
  const opArb = fc.oneof(
    fc.record({
      op: fc.constantFrom('add', 'Add'),
      path: fc.constantFrom('members', 'MEMBERS', 'urn:ietf:params:scim:schemas:core:2.0:Group:members'),
      value: fc.oneof(fc.array(memberArb, { maxLength: 3 }), memberArb),
    }),
    fc.record({
      op: fc.constant('remove'),
      path: fc.constantFrom(
        `members[value eq "${U1}"]`,
        `members[value eq "${U1}" or value eq "${U2}"]`,
        `members[value eq "not-a-uuid"]`,
        'members[display eq "x"]',
        `members[value ne "${U1}"]`,
        `members[value eq "${U1}" and type eq "User"]`,
      ),
    }),
    fc.record({
      op: fc.constantFrom('remove', 'Remove'),
      path: fc.constant('members'),
      value: fc.array(memberArb, { minLength: 1, maxLength: 3 }),
    }),
  );

  it('gives the change set, dialects and errors applyPatch gives for a member-only PATCH of a Group', () => {
    let compared = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 4 }), (ops) => {
        let operations;
        try {
          operations = parsePatchRequest(patch(...ops));
        } catch (error) {
          if (error instanceof ScimError) return;
          throw error;
        }
        if (!isMemberOnlyPatch(operations)) return;
        compared++;
        const expected = outcome(() => applyPatch(registry, 'Group', group, operations, { id: G1 }));
        if ('error' in expected) refused++;
        expect(outcome(() => memberChangeSet(registry, operations))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
    expect(compared).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(20);
  });
});

function operations(...ops: Json[]) {
  return parseBulkRequest({ schemas: [BULK], Operations: ops }, { maxOperations: 10_000 }).operations;
}
const patchGroup = (id: string, data: unknown, extra: Json = {}) => ({
  method: 'PATCH',
  path: `/Groups/${id}`,
  data,
  ...extra,
});

describe('memberRunEntry', () => {
  it.each<[string, Json, string | undefined]>([
    ['a member PATCH of a group', patchGroup(G1, addMember(U1)), G1],
    ['one naming its group by bulkId', patchGroup('bulkId:g', addMember(U1)), 'bulkId:g'],
    ['one with a version (checked in the run)', patchGroup(G1, addMember(U1), { version: 'W/"3"' }), G1],
    ['a malformed PATCH body (fails inside the run)', patchGroup(G1, { schemas: [PATCH] }), G1],
    [
      'a displayName PATCH',
      patchGroup(G1, patch({ op: 'replace', path: 'displayName', value: 'x' })),
      undefined,
    ],
    ['a PATCH of a user', { method: 'PATCH', path: `/Users/${U1}`, data: addMember(U2) }, undefined],
    ['a PUT of a group', { method: 'PUT', path: `/Groups/${G1}`, data: { displayName: 'x' } }, undefined],
    ['a refused operation', { method: 'PATCH', path: `/Groups/${G1}` }, undefined],
  ])('%s', (_name, op, expected) => {
    expect(memberRunEntry(operations(op)[0])?.group).toBe(expected);
  });
});

describe('bulkSteps', () => {
  /** The steps without the bodies they carry. */
  const steps = (...ops: Json[]) => {
    const parsed = operations(...ops);
    return bulkSteps(planBulk(parsed), parsed).map((step) =>
      step.kind === 'memberRun' ? { kind: step.kind, group: step.group, indexes: step.indexes } : step,
    );
  };
  const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
  const userWith = (bulkId: string, extra: Json) => ({
    method: 'POST',
    path: '/Users',
    bulkId,
    data: { schemas: [USER], userName: bulkId, ...extra },
  });
  const user = (bulkId: string) => userWith(bulkId, {});

  it('merges consecutive member PATCHes of one group; a single one runs alone', () => {
    expect(
      steps(
        patchGroup(G1, addMember(U1)),
        patchGroup(G1, addMember(U2)),
        patchGroup(G1, addMember(U2)),
        patchGroup(G2, addMember(U1)),
        patchGroup(G1, addMember(U1)),
      ),
    ).toEqual([
      { kind: 'memberRun', group: G1, indexes: [0, 1, 2] },
      { kind: 'one', index: 3 },
      { kind: 'one', index: 4 },
    ]);
  });

  it("a run carries each operation's body as read, or the error reading it gave", () => {
    const parsed = operations(patchGroup(G1, addMember(U1)), patchGroup(G1, { schemas: [PATCH] }));
    const [step] = bulkSteps(planBulk(parsed), parsed);
    expect(step.kind).toBe('memberRun');
    if (step.kind !== 'memberRun') return;
    expect(step.parsed[0]).toEqual({ operations: parsePatchRequest(addMember(U1)) });
    expect('error' in step.parsed[1] && step.parsed[1].error.status).toBe(400);
  });

  it('another operation in between ends a run (RFC 7644 §3.7: operations run in order)', () => {
    expect(
      steps(
        patchGroup(G1, addMember(U1)),
        patchGroup(G1, addMember(U2)),
        { method: 'DELETE', path: `/Users/${U1}` },
        patchGroup(G1, addMember(U1)),
        patchGroup(G1, patch({ op: 'replace', path: 'displayName', value: 'x' })),
        patchGroup(G1, addMember(U1)),
        patchGroup(G1, addMember(U2)),
      ),
    ).toEqual([
      { kind: 'memberRun', group: G1, indexes: [0, 1] },
      { kind: 'one', index: 2 },
      { kind: 'one', index: 3 },
      { kind: 'one', index: 4 },
      { kind: 'memberRun', group: G1, indexes: [5, 6] },
    ]);
  });

  it('an operation answered without running (unknown bulkId) ends a run', () => {
    expect(
      steps(
        patchGroup(G1, addMember(U1)),
        patchGroup(G1, addMember('bulkId:nowhere')),
        patchGroup(G1, addMember(U2)),
        patchGroup(G1, addMember(U1)),
      ),
    ).toEqual([
      { kind: 'one', index: 0 },
      { kind: 'one', index: 1 },
      { kind: 'memberRun', group: G1, indexes: [2, 3] },
    ]);
  });

  it("follows the plan's order: a POST the second PATCH waits for (§3.7.2) comes between them", () => {
    // Planned 2, 0, 3, 1: each PATCH right after the POST of the user it adds.
    expect(
      steps(
        patchGroup(G1, addMember('bulkId:a')),
        patchGroup(G1, addMember('bulkId:b')),
        user('a'),
        user('b'),
      ),
    ).toEqual([2, 0, 3, 1].map((index) => ({ kind: 'one', index })));
    expect(
      steps(
        user('a'),
        user('b'),
        patchGroup(G1, addMember('bulkId:a')),
        patchGroup(G1, addMember('bulkId:b')),
      ),
    ).toEqual([
      { kind: 'createRun', indexes: [0, 1] },
      { kind: 'memberRun', group: G1, indexes: [2, 3] },
    ]);
  });

  it.each<[string, Json[], unknown[]]>([
    [
      'consecutive user creates are one run; a single one runs alone',
      [user('a'), user('b'), user('c'), { method: 'DELETE', path: `/Users/${U1}` }, user('d')],
      [
        { kind: 'createRun', indexes: [0, 1, 2] },
        { kind: 'one', index: 3 },
        { kind: 'one', index: 4 },
      ],
    ],
    [
      'a create whose data names a bulkId waits for it and runs alone (§3.7.2)',
      [user('a'), userWith('b', { manager: { value: 'bulkId:a' } }), user('c'), user('d')],
      [
        { kind: 'one', index: 0 },
        { kind: 'one', index: 1 },
        { kind: 'createRun', indexes: [2, 3] },
      ],
    ],
    [
      'a create others name by its bulkId may be in a run',
      [user('a'), user('b'), patchGroup(G1, addMember('bulkId:a')), patchGroup(G1, addMember('bulkId:b'))],
      [
        { kind: 'createRun', indexes: [0, 1] },
        { kind: 'memberRun', group: G1, indexes: [2, 3] },
      ],
    ],
    [
      'a group create, a refused POST and a POST with a path end a run',
      [
        user('a'),
        user('b'),
        { method: 'POST', path: '/Groups', bulkId: 'grp', data: { displayName: 'g' } },
        user('c'),
        { method: 'POST', path: '/Users', bulkId: 'x' },
        user('d'),
        { method: 'POST', path: `/Users/${U1}`, data: { userName: 'e' } },
        user('f'),
        user('g'),
      ],
      [
        { kind: 'createRun', indexes: [0, 1] },
        { kind: 'one', index: 2 },
        { kind: 'one', index: 3 },
        { kind: 'one', index: 4 },
        { kind: 'one', index: 5 },
        { kind: 'one', index: 6 },
        { kind: 'createRun', indexes: [7, 8] },
      ],
    ],
    [
      'an invalid body (no userName) and a duplicate userName join the run: each fails in its turn',
      [
        user('a'),
        { method: 'POST', path: '/Users', bulkId: 'x', data: { schemas: [USER] } },
        userWith('b', { userName: 'A' }),
      ],
      [{ kind: 'createRun', indexes: [0, 1, 2] }],
    ],
    [
      'member PATCHes and creates in turn end each other',
      [
        patchGroup(G1, addMember(U1)),
        patchGroup(G1, addMember(U2)),
        user('a'),
        user('b'),
        patchGroup(G1, addMember(U1)),
      ],
      [
        { kind: 'memberRun', group: G1, indexes: [0, 1] },
        { kind: 'createRun', indexes: [2, 3] },
        { kind: 'one', index: 4 },
      ],
    ],
  ])('%s', (_name, ops, expected) => {
    expect(steps(...ops)).toEqual(expected);
  });

  it(`a run of creates holds at most ${MAX_CREATE_RUN} operations`, () => {
    const ops = Array.from({ length: MAX_CREATE_RUN + 3 }, (_, i) => user(`u${i}`));
    expect(steps(...ops).map((step) => (step.kind === 'one' ? 1 : step.indexes.length))).toEqual([
      MAX_CREATE_RUN,
      3,
    ]);
  });

  it('every operation is in exactly one step, in the order of the plan', () => {
    const opArb = fc.oneof(
      fc.constantFrom('a', 'b', 'c').map((name) => user(name)),
      fc.constant(userWith('m', { manager: { value: 'bulkId:a' } })),
      fc.constantFrom(G1, G2).map((g) => patchGroup(g, addMember(U1))),
      fc.constant({ method: 'DELETE', path: `/Users/${U1}` }),
      fc.constant(patchGroup(G1, patch({ op: 'replace', path: 'displayName', value: 'x' }))),
    );
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 20 }), (ops) => {
        const parsed = operations(...ops);
        const plan = planBulk(parsed);
        const cut = bulkSteps(plan, parsed);
        const flat = cut.flatMap((step) => (step.kind === 'one' ? [step.index] : step.indexes));
        expect(flat).toEqual(plan.order);
        for (const step of cut)
          if (step.kind === 'createRun') {
            expect(step.indexes.length).toBeGreaterThanOrEqual(2);
            for (const index of step.indexes) {
              expect(plan.errors.has(index)).toBe(false);
              expect(joinsCreateRun(parsed[index])).toBe(true);
            }
          }
      }),
    );
  });
});

describe('MemberRunReplay', () => {
  const add = (...values: string[]): MemberOp => ({
    kind: 'add',
    members: values.map((value) => ({ value })),
  });
  const remove = (...ids: string[]): MemberOp => ({ kind: 'remove', ids });

  it.each<
    [
      string,
      string[],
      MemberOp[][],
      { added: string[]; removed: string[] }[],
      { added: string[]; removed: string[] },
    ]
  >([
    [
      'adds, each once',
      [],
      [[add('b', 'a')], [add('a', 'c')]],
      [
        { added: ['a', 'b'], removed: [] },
        { added: ['c'], removed: [] },
      ],
      { added: ['a', 'b', 'c'], removed: [] },
    ],
    [
      'a member already there is no change',
      ['a'],
      [[add('a')]],
      [{ added: [], removed: [] }],
      { added: [], removed: [] },
    ],
    [
      'removing one that is not there is no change',
      [],
      [[remove('a')]],
      [{ added: [], removed: [] }],
      { added: [], removed: [] },
    ],
    [
      'add then remove: two changes, no row',
      [],
      [[add('a')], [remove('a')]],
      [
        { added: ['a'], removed: [] },
        { added: [], removed: ['a'] },
      ],
      { added: [], removed: [] },
    ],
    [
      'remove then add: two changes, no row',
      ['a'],
      [[remove('a')], [add('a')]],
      [
        { added: [], removed: ['a'] },
        { added: ['a'], removed: [] },
      ],
      { added: [], removed: [] },
    ],
    [
      'ids compared in lower case',
      ['ab'],
      [[remove('AB')], [add('aB')]],
      [
        { added: [], removed: ['ab'] },
        { added: ['ab'], removed: [] },
      ],
      { added: [], removed: [] },
    ],
    [
      'one operation adding and removing others',
      ['x'],
      [[add('y'), remove('x')]],
      [{ added: ['y'], removed: ['x'] }],
      { added: ['y'], removed: ['x'] },
    ],
  ])('%s', (_name, initial, runs, perOperation, net) => {
    const replay = new MemberRunReplay(initial);
    expect(runs.map((ops) => replay.apply(ops))).toEqual(perOperation);
    expect(replay.net()).toEqual(net);
  });

  it('refuses a removal of all members (it needs the whole member list)', () => {
    expect(() => new MemberRunReplay([]).apply([{ kind: 'removeAll' }])).toThrow();
  });

  it('ends where the operations applied one by one end, and changes what each would change alone', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const opArb = fc.oneof(
      fc.subarray(ids, { minLength: 1 }).map((values) => add(...values)),
      fc.subarray(ids, { minLength: 1 }).map((values) => remove(...values)),
    );
    fc.assert(
      fc.property(fc.subarray(ids), fc.array(opArb, { maxLength: 12 }), (initial, ops) => {
        const replay = new MemberRunReplay(initial);
        let members = new Map(initial.map((id) => [id, { value: id }]));
        for (const op of ops) {
          const before = new Set(members.keys());
          members = applyMemberOps(members, [op]);
          const after = new Set(members.keys());
          expect(replay.apply([op])).toEqual({
            added: [...after].filter((id) => !before.has(id)).sort(),
            removed: [...before].filter((id) => !after.has(id)).sort(),
          });
        }
        const net = replay.net();
        const final = new Set([...initial.filter((id) => !net.removed.includes(id)), ...net.added]);
        expect([...final].sort()).toEqual([...members.keys()].sort());
      }),
    );
  });
});
