import { registry } from '../registry.js';
import { applyPatch, parsePatchRequest, type MemberOp } from '../../../src/domain/patch/engine.js';
import { GROUP_ID, expectScimError, fixture, patchGroup, storedGroup } from './helpers.js';

const A = '23a35c27-23d3-4c03-b4c5-6443c09e7173';
const B = '89bb1940-b905-4575-9e7f-6f887cfb368e';

describe('applyPatch on a Group: members become a change set (RFC 7644 §3.5.2, RFC 7643 §4.2)', () => {
  it.each<[name: string, operations: unknown[], memberOps: MemberOp[]]>([
    [
      'RFC 7644 §3.5.2.1 add members with a value array',
      [{ op: 'add', path: 'members', value: [{ value: A }, { value: B }] }],
      [{ kind: 'add', members: [{ value: A }, { value: B }] }],
    ],
    [
      'RFC 7644 §3.5.2.1 add of one member object',
      [{ op: 'add', path: 'members', value: { value: A, type: 'user' } }],
      [{ kind: 'add', members: [{ value: A, type: 'User' }] }],
    ],
    [
      'RFC 7644 §3.5.2.1 add without a path carrying members',
      [{ op: 'add', value: { members: [{ value: A }] } }],
      [{ kind: 'add', members: [{ value: A }] }],
    ],
    [
      'RFC 7644 §3.10 add by URN-qualified members path',
      [{ op: 'add', path: 'urn:ietf:params:scim:schemas:core:2.0:Group:members', value: [{ value: A }] }],
      [{ kind: 'add', members: [{ value: A }] }],
    ],
    [
      'RFC 7644 §3.5.2.2 remove members[value eq …]',
      [{ op: 'remove', path: `members[value eq "${A}"]` }],
      [{ kind: 'remove', ids: [A] }],
    ],
    [
      'RFC 7644 §3.5.2.2 remove members[value eq … or value eq …]',
      [{ op: 'remove', path: `members[value eq "${A}" or VALUE eq "${B}"]` }],
      [{ kind: 'remove', ids: [A, B] }],
    ],
    [
      'RFC 7644 §3.5.2.2 remove members without a filter removes all',
      [{ op: 'remove', path: 'members' }],
      [{ kind: 'removeAll' }],
    ],
    [
      'RFC 7644 §3.5.2.3 replace members replaces all',
      [{ op: 'replace', path: 'members', value: [{ value: A }] }],
      [{ kind: 'removeAll' }, { kind: 'add', members: [{ value: A }] }],
    ],
    [
      'RFC 7644 §3.5.2.3 replace members with [] removes all',
      [{ op: 'replace', path: 'members', value: [] }],
      [{ kind: 'removeAll' }],
    ],
    [
      'RFC 7644 §3.5.2.3 replace members with null removes all',
      [{ op: 'replace', path: 'members', value: null }],
      [{ kind: 'removeAll' }],
    ],
    [
      'RFC 7644 §3.5.2.3 path-less replace carrying members',
      [{ op: 'replace', value: { members: [{ value: B }] } }],
      [{ kind: 'removeAll' }, { kind: 'add', members: [{ value: B }] }],
    ],
    [
      'Entra remove of members with a value array removes only those (scim-clients.md §2.7)',
      [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: A }] }],
      [{ kind: 'remove', ids: [A] }],
    ],
    [
      'Okta/Entra add of the same member twice in one request adds it once',
      [
        { op: 'add', path: 'members', value: [{ value: A }, { value: A }] },
        { op: 'add', path: 'members', value: [{ value: A }] },
      ],
      [{ kind: 'add', members: [{ value: A }] }],
    ],
    [
      'RFC 7644 §3.5.2 add then remove of a member in one request is a removal',
      [
        { op: 'add', path: 'members', value: [{ value: A }] },
        { op: 'remove', path: `members[value eq "${A}"]` },
      ],
      [{ kind: 'remove', ids: [A] }],
    ],
    [
      'RFC 7644 §3.5.2 remove then add of a member in one request is an add',
      [
        { op: 'remove', path: `members[value eq "${A}"]` },
        { op: 'add', path: 'members', value: [{ value: A }] },
      ],
      [{ kind: 'add', members: [{ value: A }] }],
    ],
    [
      'RFC 7644 §3.5.2 operations before a remove-all are dropped',
      [
        { op: 'add', path: 'members', value: [{ value: A }] },
        { op: 'remove', path: 'members' },
        { op: 'add', path: 'members', value: [{ value: B }] },
      ],
      [{ kind: 'removeAll' }, { kind: 'add', members: [{ value: B }] }],
    ],
  ])('%s', (_name, operations, memberOps) => {
    const group = storedGroup();
    const result = patchGroup(group, ...operations);
    expect(result.memberOps).toEqual(memberOps);
    expect(result.resource).toEqual(group);
    expect(result.resource).not.toHaveProperty('members');
    expect(result.changed).toBe(false);
    expect(result.changedAttributes).toEqual(['members']);
  });

  it.each<[name: string, scimType: string, operations: unknown[]]>([
    ['member filter on display', 'invalidFilter', [{ op: 'remove', path: 'members[display eq "Babs"]' }]],
    ['member filter with ne', 'invalidFilter', [{ op: 'remove', path: `members[value ne "${A}"]` }]],
    [
      'member filter with and',
      'invalidFilter',
      [{ op: 'remove', path: `members[value eq "${A}" and type eq "User"]` }],
    ],
    ['member filter with not', 'invalidFilter', [{ op: 'remove', path: `members[not (value eq "${A}")]` }]],
    ['member filter on a number', 'invalidValue', [{ op: 'remove', path: 'members[value eq 42]' }]],
    [
      'member value that is a number',
      'invalidValue',
      [{ op: 'add', path: 'members', value: [{ value: 42 }] }],
    ],
    ['member value that is empty', 'invalidValue', [{ op: 'add', path: 'members', value: [{ value: ' ' }] }]],
    ['member given as a bare string', 'invalidValue', [{ op: 'add', path: 'members', value: [A] }]],
    [
      'member type that is neither User nor Group',
      'invalidValue',
      [{ op: 'add', path: 'members', value: [{ value: A, type: 'Robot' }] }],
    ],
    ['a members sub-attribute path', 'invalidPath', [{ op: 'replace', path: 'members.value', value: A }]],
    [
      'a filtered members sub-attribute path',
      'invalidPath',
      [{ op: 'replace', path: `members[value eq "${A}"].display`, value: 'x' }],
    ],
    [
      'replace of selected members',
      'invalidPath',
      [{ op: 'replace', path: `members[value eq "${A}"]`, value: { value: B } }],
    ],
    [
      'add with a members filter',
      'invalidPath',
      [{ op: 'add', path: `members[value eq "${A}"]`, value: { value: B } }],
    ],
    [
      'RFC 7644 §3.5.2.2 remove of required displayName',
      'mutability',
      [{ op: 'remove', path: 'displayName' }],
    ],
    ['User attributes on a Group', 'invalidPath', [{ op: 'replace', path: 'userName', value: 'x' }]],
  ])('RFC 7644 §3.5.2 rejects %s → 400 %s', (_name, scimType, operations) => {
    expectScimError(() => patchGroup(storedGroup(), ...operations), scimType as never);
  });
});

describe('applyPatch on a Group: Okta requests (scim-clients.md §1.7)', () => {
  const okta = (file: string, displayName = 'Test SCIMv2', id = GROUP_ID) =>
    applyPatch(registry, 'Group', storedGroup({ displayName }), parsePatchRequest(fixture('okta', file)), {
      id,
    });

  it('Okta rename echoing the group id: the id is dropped, displayName replaced', () => {
    const result = okta('okta-group-rename-with-id.json', 'Old name');
    expect(result.resource).toEqual(storedGroup({ displayName: 'Test SCIMv2' }));
    expect(result).toMatchObject({
      changed: true,
      changedAttributes: ['displayName'],
      dialects: ['okta.echoedId'],
    });
  });

  it('Okta sends the rename before every membership update: unchanged name keeps the version', () => {
    const result = okta('okta-group-rename-with-id.json', 'Test SCIMv2');
    expect(result).toMatchObject({ changed: false, changedAttributes: [], memberOps: [] });
  });

  it('Okta rename carrying a different id is 400 mutability (RFC 7644 §3.5.2 readOnly id)', () => {
    expectScimError(() => okta('okta-group-rename-with-id.json', 'Old', 'another-group-id'), 'mutability');
  });

  it('Okta membership update: remove by filter, add with display', () => {
    expect(okta('okta-group-membership-remove-and-add.json').memberOps).toEqual([
      { kind: 'add', members: [{ value: A }] },
      { kind: 'remove', ids: [B] },
    ]);
  });

  it('Okta full push: replace members', () => {
    expect(okta('okta-group-full-push.json').memberOps).toEqual([
      { kind: 'removeAll' },
      { kind: 'add', members: [{ value: A }, { value: B }] },
    ]);
  });
});

describe('applyPatch on a Group: Entra requests (scim-clients.md §2.7)', () => {
  const entra = (file: string, extra: Record<string, unknown> = {}) =>
    applyPatch(registry, 'Group', storedGroup(extra), parsePatchRequest(fixture('entra', file)), {
      id: GROUP_ID,
    });

  it('Entra rename with "Replace"', () => {
    expect(entra('entra-group-rename.json').resource).toEqual(storedGroup({ displayName: 'Sales EMEA' }));
  });

  it('Entra "Add" of externalId on an existing group (rancher#55776)', () => {
    expect(entra('entra-group-add-external-id.json').resource).toEqual(
      storedGroup({ externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159' }),
    );
  });

  it('Entra "Add" of externalId that is already set replaces it (RFC 7644 §3.5.2.1 single-valued)', () => {
    expect(entra('entra-group-add-external-id.json', { externalId: 'old' }).resource.externalId).toBe(
      '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
    );
  });

  it.each<[file: string, memberOps: MemberOp[]]>([
    [
      'entra-group-add-members.json',
      [
        {
          kind: 'add',
          members: [
            { value: 'f648f8d5-ea4e-4cd3-8e9c-1b2a3c4d5e6f' },
            { value: 'a1b2c3d4-0000-4000-8000-000000000001' },
          ],
        },
      ],
    ],
    [
      'entra-group-remove-members-by-value.json',
      [{ kind: 'remove', ids: ['f648f8d5-ea4e-4cd3-8e9c-1b2a3c4d5e6f'] }],
    ],
    [
      'entra-group-remove-member-filter-aadoptscim062020.json',
      [{ kind: 'remove', ids: ['7f4bc1a3-285e-48ae-8202-5accb43efb0e'] }],
    ],
  ])('Entra %s', (file, memberOps) => {
    const result = entra(file);
    expect(result.memberOps).toEqual(memberOps);
    expect(result.changed).toBe(false);
  });
});
