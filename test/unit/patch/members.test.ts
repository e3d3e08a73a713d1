import fc from 'fast-check';
import {
  applyMemberOps,
  compactMemberOps,
  memberIdsFromFilter,
  parseMemberRefs,
} from '../../../src/domain/patch/members.js';
import type { MemberOp, MemberRef } from '../../../src/domain/patch/engine.js';
import { parsePath } from '../../../src/domain/filter/parser.js';
import type { Filter } from '../../../src/domain/filter/ast.js';
import { expectScimError } from './helpers.js';

const ref = (value: string): MemberRef => ({ value });
const ids = (members: Map<string, MemberRef>) => [...members.keys()].sort();

describe('member change set: canonical form', () => {
  it.each<[name: string, ops: MemberOp[], compact: MemberOp[]]>([
    ['empty', [], []],
    [
      'consecutive adds merge',
      [
        { kind: 'add', members: [ref('a')] },
        { kind: 'add', members: [ref('b')] },
      ],
      [{ kind: 'add', members: [ref('a'), ref('b')] }],
    ],
    [
      'duplicate adds collapse (idempotent add)',
      [{ kind: 'add', members: [ref('a'), ref('a')] }],
      [{ kind: 'add', members: [ref('a')] }],
    ],
    [
      'add then remove is a remove',
      [
        { kind: 'add', members: [ref('a')] },
        { kind: 'remove', ids: ['a'] },
      ],
      [{ kind: 'remove', ids: ['a'] }],
    ],
    [
      'remove then add is an add',
      [
        { kind: 'remove', ids: ['a'] },
        { kind: 'add', members: [ref('a')] },
      ],
      [{ kind: 'add', members: [ref('a')] }],
    ],
    [
      'remove after removeAll is dropped',
      [{ kind: 'removeAll' }, { kind: 'remove', ids: ['a'] }],
      [{ kind: 'removeAll' }],
    ],
    [
      'everything before removeAll is dropped',
      [{ kind: 'add', members: [ref('a')] }, { kind: 'removeAll' }, { kind: 'add', members: [ref('b')] }],
      [{ kind: 'removeAll' }, { kind: 'add', members: [ref('b')] }],
    ],
    [
      'add and remove of different ids',
      [
        { kind: 'remove', ids: ['b'] },
        { kind: 'add', members: [ref('a')] },
      ],
      [
        { kind: 'add', members: [ref('a')] },
        { kind: 'remove', ids: ['b'] },
      ],
    ],
  ])('RFC 7644 §3.5.2 %s', (_name, ops, compact) => {
    expect(compactMemberOps(ops)).toEqual(compact);
  });

  const id = fc.constantFrom('a', 'b', 'c', 'd', 'e');
  const memberOp: fc.Arbitrary<MemberOp> = fc.oneof(
    fc.array(id, { maxLength: 4 }).map((list): MemberOp => ({ kind: 'add', members: list.map(ref) })),
    fc.array(id, { maxLength: 4 }).map((list): MemberOp => ({ kind: 'remove', ids: list })),
    fc.constant<MemberOp>({ kind: 'removeAll' }),
  );

  it('compaction keeps the meaning for every initial member list (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(id), fc.array(memberOp, { maxLength: 8 }), (initial, ops) => {
        const start = new Map(initial.map((v) => [v, ref(v)]));
        expect(ids(applyMemberOps(start, compactMemberOps(ops)))).toEqual(ids(applyMemberOps(start, ops)));
      }),
    );
  });

  it('compaction names every id at most once (property)', () => {
    fc.assert(
      fc.property(fc.array(memberOp, { maxLength: 8 }), (ops) => {
        const named = compactMemberOps(ops).flatMap((op) =>
          op.kind === 'add' ? op.members.map((m) => m.value) : op.kind === 'remove' ? op.ids : [],
        );
        expect(new Set(named).size).toBe(named.length);
      }),
    );
  });
});

describe('member references (RFC 7643 §4.2 members)', () => {
  it.each<[name: string, value: unknown, refs: MemberRef[]]>([
    ['an array of objects', [{ value: 'a' }, { value: 'b', display: 'B', $ref: null }], [ref('a'), ref('b')]],
    ['one object', { value: 'a' }, [ref('a')]],
    ['type in any case', [{ value: 'a', type: 'GROUP' }], [{ value: 'a', type: 'Group' }]],
    ['a Value key in another case (RFC 7643 §2.1)', [{ Value: 'a' }], [ref('a')]],
    ['null', null, []],
  ])('RFC 7643 §4.2 reads %s', (_name, value, refs) => {
    expect(parseMemberRefs(value, 'members')).toEqual(refs);
  });

  it('reads ids from an "or" of value eq in request order', () => {
    const filter = parsePath('members[value eq "a" or value eq "b" or value eq "c"]').filter as Filter;
    expect(memberIdsFromFilter(filter)).toEqual(['a', 'b', 'c']);
  });

  it('rejects a filter on anything but value with 400 invalidFilter', () => {
    const filter = parsePath('members[type eq "User"]').filter as Filter;
    expectScimError(() => memberIdsFromFilter(filter), 'invalidFilter');
  });
});
