import fc from 'fast-check';
import { registry } from '../registry.js';
import { applyPatch, memberValuesNamedBy, parsePatchRequest } from '../../../src/domain/patch/engine.js';
import { GROUP_ID, body, storedGroup } from './helpers.js';

const IDS = [
  '23a35c27-23d3-4c03-b4c5-6443c09e7173',
  '89bb1940-b905-4575-9e7f-6f887cfb368e',
  'c3f1a0e2-5b7d-4e8a-9f6c-1d2e3f4a5b6c',
];
const PATHS = ['members', 'Members', 'urn:ietf:params:scim:schemas:core:2.0:Group:members'];

const member = fc.record({ value: fc.constantFrom(...IDS) }, { requiredKeys: ['value'] });
const operation = fc.oneof(
  fc.record({
    op: fc.constantFrom('add', 'Add', 'replace'),
    path: fc.constantFrom(...PATHS),
    value: fc.oneof(fc.array(member, { minLength: 1, maxLength: 3 }), member),
  }),
  fc.record({
    op: fc.constantFrom('add', 'replace'),
    value: fc.record({ members: fc.array(member, { minLength: 1, maxLength: 3 }) }),
  }),
  fc.record({
    op: fc.constant('remove'),
    path: fc.constantFrom(...IDS).map((id) => `members[value eq "${id}"]`),
  }),
  fc.record({ op: fc.constant('replace'), path: fc.constant('displayName'), value: fc.constant('Renamed') }),
);

describe('memberValuesNamedBy: the members a PATCH may add, known before the group is read', () => {
  it.each([
    ['add with a path', [{ op: 'add', path: 'members', value: [{ value: IDS[0] }] }], [IDS[0]]],
    ['path-less add', [{ op: 'add', value: { members: [{ value: IDS[1] }] } }], [IDS[1]]],
    ['replace of all members', [{ op: 'replace', path: 'members', value: [{ value: IDS[2] }] }], [IDS[2]]],
    ['a removal adds nothing', [{ op: 'remove', path: `members[value eq "${IDS[0]}"]` }], []],
    ['another attribute', [{ op: 'replace', path: 'displayName', value: 'x' }], []],
  ])('%s', (_name, operations, expected) => {
    expect(memberValuesNamedBy(parsePatchRequest(body(...operations)))).toEqual(expected);
  });

  it('names every member the change set adds (property over random operation lists)', () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 5 }), (operations) => {
        const parsed = parsePatchRequest(body(...operations));
        const result = applyPatch(registry, 'Group', storedGroup(), parsed, { id: GROUP_ID });
        const named = new Set(memberValuesNamedBy(parsed));
        const added = result.memberOps.flatMap((op) => (op.kind === 'add' ? op.members : []));
        for (const ref of added) expect(named.has(ref.value)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
