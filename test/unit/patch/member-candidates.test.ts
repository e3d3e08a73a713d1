import fc from 'fast-check';
import { registry } from '../registry.js';
import { ScimError } from '../../../src/domain/errors.js';
import {
  applyPatch,
  memberValuesNamedBy,
  memberValuesOfBody,
  parsePatchRequest,
} from '../../../src/domain/patch/engine.js';
import { GROUP_SCHEMA } from '../../../src/domain/schema/urns.js';
import { validateResource } from '../../../src/domain/schema/validate.js';
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

describe('memberValuesOfBody: the members a PUT names, known before the body is validated', () => {
  const group = (members: unknown) => ({
    schemas: [GROUP_SCHEMA],
    displayName: 'Admins',
    ...(members === undefined ? {} : { members }),
  });

  it.each([
    ['members', group([{ value: IDS[0] }, { value: IDS[1] }]), [IDS[0], IDS[1]]],
    ['any case of the names', { ...group(undefined), Members: [{ Value: IDS[2] }] }, [IDS[2]]],
    ['a value twice, once', group([{ value: IDS[0] }, { value: IDS[0], display: 'x' }]), [IDS[0]]],
    ['no members', group(undefined), []],
    ['members that are not a list', group({ value: IDS[0] }), []],
    ['values that are not strings', group([{ value: 7 }, 'x', null]), []],
    ['a body that is not an object', [group([{ value: IDS[0] }])], []],
  ])('%s', (_name, sent, expected) => {
    expect(memberValuesOfBody(sent)).toEqual(expected);
  });

  it('names every member a valid body gives the group (property over random bodies)', () => {
    const sentMember = fc.record(
      {
        value: fc.oneof(fc.constantFrom(...IDS), fc.string(), fc.integer()),
        display: fc.string(),
        type: fc.constantFrom('User', 'Group'),
      },
      { requiredKeys: [] },
    );
    const key = fc.constantFrom('members', 'Members', 'MEMBERS');
    fc.assert(
      fc.property(key, fc.array(sentMember, { maxLength: 4 }), (name, members) => {
        const sent = { schemas: [GROUP_SCHEMA], displayName: 'Admins', [name]: members };
        let valid: ReturnType<typeof validateResource>;
        try {
          valid = validateResource(registry, 'Group', sent, 'replace', storedGroup());
        } catch (error) {
          if (error instanceof ScimError) return;
          throw error;
        }
        const named = new Set(memberValuesOfBody(sent));
        const given = (valid.resource.members ?? []) as { value: string }[];
        for (const member of given) expect(named.has(member.value)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
