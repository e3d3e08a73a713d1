import { jest } from '@jest/globals';
import { registry } from '../registry.js';
import { applyPatch, parsePatchRequest } from '../../../src/domain/patch/engine.js';
import type { ScimResource } from '../../../src/domain/schema/types.js';
import { ENTERPRISE, USER_ID, expectScimError, fixture, patchUser, storedUser } from './helpers.js';

type Row = [
  name: string,
  before: Record<string, unknown>,
  operations: unknown[],
  after: Record<string, unknown>,
];

const work = { value: 'bjensen@work.example', type: 'work' };
const home = { value: 'babs@home.example', type: 'home' };

describe('applyPatch on a User: RFC 7644 §3.5.2.1 add', () => {
  it.each<Row>([
    [
      'RFC 7644 §3.5.2.1 add sets an unassigned single-valued attribute',
      {},
      [{ op: 'add', path: 'nickName', value: 'Babs' }],
      { nickName: 'Babs' },
    ],
    [
      'RFC 7644 §3.5.2.1 add to a single-valued attribute replaces it',
      { nickName: 'B' },
      [{ op: 'add', path: 'nickName', value: 'Babs' }],
      { nickName: 'Babs' },
    ],
    [
      'RFC 7644 §3.5.2.1 add to a complex attribute merges its sub-attributes',
      { name: { givenName: 'B', familyName: 'Jensen' } },
      [{ op: 'add', path: 'name', value: { givenName: 'Barbara' } }],
      { name: { givenName: 'Barbara', familyName: 'Jensen' } },
    ],
    [
      'RFC 7644 §3.5.2.1 add appends to a multi-valued attribute',
      { emails: [home] },
      [{ op: 'add', path: 'emails', value: [work] }],
      { emails: [home, work] },
    ],
    [
      'RFC 7644 §3.5.2.1 add does not duplicate an equal value (caseExact false, RFC 7643 §2.2)',
      { emails: [work] },
      [{ op: 'add', path: 'emails', value: [{ value: 'BJENSEN@WORK.EXAMPLE', type: 'Work' }] }],
      { emails: [work] },
    ],
    [
      'RFC 7644 §3.5.2.1 add does not duplicate a value that differs only in attributes the server drops',
      { emails: [work] },
      [{ op: 'add', path: 'emails', value: [{ ...work, colour: 'blue' }] }],
      { emails: [work] },
    ],
    [
      'RFC 7644 §3.5.2.1 add of the same value twice in one request adds it once',
      {},
      [
        { op: 'add', path: 'emails', value: [work, { ...work }] },
        { op: 'add', path: 'emails', value: work },
      ],
      { emails: [work] },
    ],
    [
      'RFC 7644 §3.5.2.1 add of one object to a multi-valued attribute appends it',
      {},
      [{ op: 'add', path: 'emails', value: work }],
      { emails: [work] },
    ],
    [
      'RFC 7644 §3.5.2.1 add with a sub-attribute path',
      { name: { familyName: 'Jensen' } },
      [{ op: 'add', path: 'name.givenName', value: 'B' }],
      { name: { familyName: 'Jensen', givenName: 'B' } },
    ],
    [
      'RFC 7644 §3.5.2.1 add of an extension attribute by URN path (RFC 7644 §3.10)',
      {},
      [{ op: 'add', path: `${ENTERPRISE}:employeeNumber`, value: '701984' }],
      { [ENTERPRISE]: { employeeNumber: '701984' } },
    ],
    [
      'RFC 7644 §3.5.2.1 add of an extension sub-attribute by URN path',
      {},
      [{ op: 'add', path: `${ENTERPRISE}:manager.value`, value: 'm-1' }],
      { [ENTERPRISE]: { manager: { value: 'm-1' } } },
    ],
    [
      'RFC 7644 §3.5.2.1 add without a path merges the value into the resource',
      { emails: [home] },
      [{ op: 'add', value: { nickName: 'Babs', emails: [work], name: { givenName: 'B' } } }],
      { nickName: 'Babs', emails: [home, work], name: { givenName: 'B' } },
    ],
    [
      'RFC 7644 §3.5.2.1 add without a path, extension under its URN key (RFC 7643 §3.3)',
      { [ENTERPRISE]: { department: 'Tour' } },
      [{ op: 'add', value: { [ENTERPRISE]: { division: 'Ops' } } }],
      { [ENTERPRISE]: { department: 'Tour', division: 'Ops' } },
    ],
    [
      'RFC 7644 §3.5.2.1 add with a value filter and sub-attribute sets it on matching values',
      { emails: [home, work] },
      [{ op: 'add', path: 'emails[type eq "work"].display', value: 'Work' }],
      { emails: [home, { ...work, display: 'Work' }] },
    ],
    [
      'RFC 7644 §3.5.2.1 add with a value filter merges into matching values',
      { emails: [home, work] },
      [{ op: 'add', path: 'emails[type eq "home"]', value: { display: 'Home' } }],
      { emails: [{ ...home, display: 'Home' }, work] },
    ],
    [
      'RFC 7644 §3.5.2.1 add of null adds nothing (RFC 7643 §2.5)',
      { nickName: 'B' },
      [{ op: 'add', path: 'nickName', value: null }],
      { nickName: 'B' },
    ],
    [
      'RFC 7643 §2.4 adding a primary value demotes the previous primary',
      { emails: [{ ...home, primary: true }] },
      [{ op: 'add', path: 'emails', value: [{ ...work, primary: true }] }],
      {
        emails: [
          { ...home, primary: false },
          { ...work, primary: true },
        ],
      },
    ],
  ])('%s', (_name, before, operations, after) => {
    expect(patchUser(storedUser(before), ...operations).resource).toEqual(storedUser(after));
  });
});

describe('applyPatch on a User: RFC 7644 §3.5.2.3 replace', () => {
  it.each<Row>([
    [
      'RFC 7644 §3.5.2.3 replace of a single-valued attribute',
      { title: 'Tour Guide' },
      [{ op: 'replace', path: 'title', value: 'Lead' }],
      { title: 'Lead' },
    ],
    [
      'RFC 7644 §3.5.2.3 replace of an attribute that does not exist adds it',
      {},
      [{ op: 'replace', path: 'title', value: 'Lead' }],
      { title: 'Lead' },
    ],
    [
      'RFC 7644 §3.5.2.3 replace of a complex attribute leaves unspecified sub-attributes unchanged',
      { name: { givenName: 'B', familyName: 'Jensen' } },
      [{ op: 'replace', path: 'name', value: { givenName: 'Barbara' } }],
      { name: { givenName: 'Barbara', familyName: 'Jensen' } },
    ],
    [
      'RFC 7644 §3.5.2.3 replace of a multi-valued attribute replaces all values',
      { emails: [home, work] },
      [{ op: 'replace', path: 'emails', value: [work] }],
      { emails: [work] },
    ],
    [
      'RFC 7644 §3.5.2.3 replace with a value filter replaces the matching values',
      { emails: [home, work] },
      [{ op: 'replace', path: 'emails[type eq "work"]', value: { value: 'new@work.example', type: 'work' } }],
      { emails: [home, { value: 'new@work.example', type: 'work' }] },
    ],
    [
      'RFC 7644 §3.5.2.3 replace with a value filter and sub-attribute replaces it in every match',
      { emails: [home, work, { value: 'second@work.example', type: 'work' }] },
      [{ op: 'replace', path: 'emails[type eq "work"].display', value: 'W' }],
      {
        emails: [
          home,
          { ...work, display: 'W' },
          { value: 'second@work.example', type: 'work', display: 'W' },
        ],
      },
    ],
    [
      'RFC 7644 §3.5.2.3 replace with null unassigns (RFC 7643 §2.5)',
      { title: 'Lead' },
      [{ op: 'replace', path: 'title', value: null }],
      {},
    ],
    [
      'RFC 7644 §3.5.2.3 replace of a multi-valued attribute with [] unassigns it',
      { emails: [home] },
      [{ op: 'replace', path: 'emails', value: [] }],
      {},
    ],
    [
      'RFC 7644 §3.5.2.3 replace without a path replaces each attribute given',
      { title: 'Guide', emails: [home], name: { familyName: 'Jensen' } },
      [{ op: 'replace', value: { title: 'Lead', emails: [work], name: { givenName: 'B' } } }],
      { title: 'Lead', emails: [work], name: { familyName: 'Jensen', givenName: 'B' } },
    ],
    [
      'RFC 7644 §3.5.2.3 replace without a path, null unassigns an attribute',
      { title: 'Guide', nickName: 'B' },
      [{ op: 'replace', value: { title: null } }],
      { nickName: 'B' },
    ],
    [
      'RFC 7644 §3.10 replace by URN-qualified core attribute',
      {},
      [{ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:userName', value: 'babs' }],
      { userName: 'babs' },
    ],
    [
      'RFC 7643 §2.1 attribute names in paths are case-insensitive',
      { name: { givenName: 'B' } },
      [{ op: 'replace', path: 'NAME.GIVENNAME', value: 'Barbara' }],
      { name: { givenName: 'Barbara' } },
    ],
    [
      'RFC 7643 §2.1 filter attribute names and values follow caseExact',
      { emails: [home, work] },
      [{ op: 'replace', path: 'Emails[TYPE eq "WORK"].Value', value: 'w@work.example' }],
      { emails: [home, { value: 'w@work.example', type: 'work' }] },
    ],
    [
      'RFC 7644 §3.5.2.3 replace of a whole extension by its URN path merges its attributes',
      { [ENTERPRISE]: { department: 'Tour', division: 'Ops' } },
      [{ op: 'replace', path: ENTERPRISE, value: { department: 'Sales' } }],
      { [ENTERPRISE]: { department: 'Sales', division: 'Ops' } },
    ],
    [
      'Python SCIM clients: an extension URN path whose value carries its own "schemas" ignores them',
      { [ENTERPRISE]: { department: 'Tour' } },
      [{ op: 'replace', path: ENTERPRISE, value: { schemas: [ENTERPRISE], employeeNumber: '42' } }],
      { [ENTERPRISE]: { department: 'Tour', employeeNumber: '42' } },
    ],
    [
      'RFC 7643 §2.4 replacing the primary flag demotes the other primary',
      { emails: [{ ...home, primary: true }, work] },
      [{ op: 'replace', path: 'emails[type eq "work"].primary', value: true }],
      {
        emails: [
          { ...home, primary: false },
          { ...work, primary: true },
        ],
      },
    ],
    [
      'RFC 7644 §3.5.2 operations apply in order',
      {},
      [
        { op: 'add', path: 'emails', value: [work] },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'second@work.example' },
        { op: 'add', path: 'title', value: 'a' },
        { op: 'remove', path: 'title' },
      ],
      { emails: [{ value: 'second@work.example', type: 'work' }] },
    ],
  ])('%s', (_name, before, operations, after) => {
    expect(patchUser(storedUser(before), ...operations).resource).toEqual(storedUser(after));
  });
});

describe('applyPatch on a User: RFC 7644 §3.5.2.2 remove', () => {
  it.each<Row>([
    [
      'RFC 7644 §3.5.2.2 remove of a single-valued attribute',
      { title: 'Lead' },
      [{ op: 'remove', path: 'title' }],
      {},
    ],
    [
      'RFC 7644 §3.5.2.2 remove of a sub-attribute keeps the others',
      { name: { givenName: 'B', familyName: 'J' } },
      [{ op: 'remove', path: 'name.givenName' }],
      { name: { familyName: 'J' } },
    ],
    [
      'RFC 7644 §3.5.2.2 remove of the last sub-attribute unassigns the attribute',
      { name: { givenName: 'B' } },
      [{ op: 'remove', path: 'name.givenName' }],
      {},
    ],
    [
      'RFC 7644 §3.5.2.2 remove of a multi-valued attribute without filter removes all values',
      { emails: [home, work] },
      [{ op: 'remove', path: 'emails' }],
      {},
    ],
    [
      'RFC 7644 §3.5.2.2 remove with a value filter removes the matching values',
      { emails: [home, work] },
      [{ op: 'remove', path: 'emails[type eq "work"]' }],
      { emails: [home] },
    ],
    [
      'RFC 7644 §3.5.2.2 remove of the last matching value unassigns the attribute',
      { emails: [work] },
      [{ op: 'remove', path: 'emails[type eq "work"]' }],
      {},
    ],
    [
      'RFC 7644 §3.5.2.2 remove with a value filter and sub-attribute removes it from the matches',
      { emails: [home, { ...work, display: 'W' }] },
      [{ op: 'remove', path: 'emails[type eq "work"].display' }],
      { emails: [home, work] },
    ],
    [
      'RFC 7644 §3.5.2.2 remove with a complex filter (and, or, not, pr)',
      { emails: [home, work, { value: 'x@other.example', type: 'other', display: 'X' }] },
      [{ op: 'remove', path: 'emails[(type eq "work" or display pr) and not (value ew "@home.example")]' }],
      { emails: [home] },
    ],
    [
      'RFC 7644 §3.5.2.2 remove of an unassigned attribute changes nothing',
      {},
      [{ op: 'remove', path: 'title' }],
      {},
    ],
    [
      'RFC 7644 §3.5.2.2 remove of an extension attribute; the empty extension goes (RFC 7643 §3.3)',
      { [ENTERPRISE]: { department: 'Tour' } },
      [{ op: 'remove', path: `${ENTERPRISE}:department` }],
      {},
    ],
    [
      'RFC 7644 §3.5.2.2 remove of a whole extension by its URN path',
      { [ENTERPRISE]: { department: 'Tour', division: 'Ops' }, title: 'Lead' },
      [{ op: 'remove', path: ENTERPRISE }],
      { title: 'Lead' },
    ],
    [
      'RFC 7644 §3.5.2.2 remove of writeOnly password',
      { password: 's3cret!' },
      [{ op: 'remove', path: 'password' }],
      {},
    ],
  ])('%s', (_name, before, operations, after) => {
    expect(patchUser(storedUser(before), ...operations).resource).toEqual(storedUser(after));
  });
});

describe('applyPatch on a User: errors (RFC 7644 §3.5.2, §3.12)', () => {
  it.each<[name: string, scimType: string, before: Record<string, unknown>, operations: unknown[]]>([
    [
      'RFC 7644 §3.5.2 readOnly id cannot be replaced with another value',
      'mutability',
      {},
      [{ op: 'replace', path: 'id', value: 'other' }],
    ],
    [
      'RFC 7644 §3.5.2 readOnly meta cannot be changed',
      'mutability',
      {},
      [{ op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }],
    ],
    [
      'RFC 7644 §3.5.2 readOnly groups cannot be added to',
      'mutability',
      {},
      [{ op: 'add', path: 'groups', value: [{ value: 'g' }] }],
    ],
    [
      'RFC 7644 §3.5.2 readOnly sub-attribute manager.displayName',
      'mutability',
      {},
      [{ op: 'add', path: `${ENTERPRISE}:manager.displayName`, value: 'Boss' }],
    ],
    ['RFC 7644 §3.5.2.2 remove of required userName', 'mutability', {}, [{ op: 'remove', path: 'userName' }]],
    [
      'RFC 7644 §3.5.2.2 replace of required userName with null',
      'mutability',
      {},
      [{ op: 'replace', path: 'userName', value: null }],
    ],
    [
      'RFC 7644 §3.5.2.2 path-less replace unassigning required userName',
      'mutability',
      {},
      [{ op: 'replace', value: { userName: null } }],
    ],
    [
      'RFC 7644 §3.5.2 unknown attribute',
      'invalidPath',
      {},
      [{ op: 'add', path: 'favouriteColour', value: 'red' }],
    ],
    [
      'RFC 7644 §3.5.2 unknown sub-attribute',
      'invalidPath',
      {},
      [{ op: 'add', path: 'name.nickname', value: 'x' }],
    ],
    [
      'RFC 7644 §3.5.2 unknown attribute in a path-less value',
      'invalidPath',
      {},
      [{ op: 'replace', value: { favouriteColour: 'red' } }],
    ],
    [
      'RFC 7644 §3.10 extension attribute without its URN',
      'invalidPath',
      {},
      [{ op: 'add', path: 'employeeNumber', value: '1' }],
    ],
    [
      'RFC 7644 §3.5.2 value filter on a single-valued attribute',
      'invalidPath',
      {},
      [{ op: 'replace', path: 'name[givenName eq "B"].familyName', value: 'J' }],
    ],
    [
      'RFC 7644 §3.5.2 unknown attribute inside a value filter',
      'invalidPath',
      { emails: [work] },
      [{ op: 'remove', path: 'emails[kind eq "work"]' }],
    ],
    [
      'RFC 7644 §3.5.2 unknown sub-attribute after a value filter',
      'invalidPath',
      { emails: [work] },
      [{ op: 'replace', path: 'emails[type eq "work"].address', value: 'x' }],
    ],
    [
      'RFC 7644 §3.5.2 members on a User',
      'invalidPath',
      {},
      [{ op: 'add', path: 'members', value: [{ value: 'x' }] }],
    ],
    [
      'RFC 7644 §3.5.2.2 remove with a filter that matches nothing',
      'noTarget',
      { emails: [home] },
      [{ op: 'remove', path: 'emails[type eq "work"]' }],
    ],
    [
      'RFC 7644 §3.5.2.3 replace with a non-equality filter that matches nothing',
      'noTarget',
      { emails: [home] },
      [{ op: 'replace', path: 'emails[value co "@work"].value', value: 'x' }],
    ],
    [
      'RFC 7644 §3.5.2.3 replace with an "or" filter that matches nothing',
      'noTarget',
      {},
      [{ op: 'replace', path: 'emails[type eq "work" or type eq "home"].value', value: 'x' }],
    ],
    [
      'RFC 7644 §3.5.2.1 add with a "not" filter that matches nothing',
      'noTarget',
      {},
      [{ op: 'add', path: 'emails[not (type eq "home")].value', value: 'x' }],
    ],
    [
      'RFC 7643 §2.3.2 a boolean attribute given a word',
      'invalidValue',
      {},
      [{ op: 'replace', path: 'active', value: 'maybe' }],
    ],
    [
      'RFC 7643 §2.3.8 a complex attribute given a string',
      'invalidValue',
      {},
      [{ op: 'replace', path: 'name', value: 'Barbara' }],
    ],
    [
      'RFC 7643 §2.3.8 a multi-valued complex attribute given numbers',
      'invalidValue',
      {},
      [{ op: 'add', path: 'emails', value: [1, 2] }],
    ],
    [
      'RFC 7643 §2.4 two primary values in one add',
      'invalidValue',
      {},
      [
        {
          op: 'add',
          path: 'emails',
          value: [
            { ...home, primary: true },
            { ...work, primary: true },
          ],
        },
      ],
    ],
    [
      'userType outside Admin/Editor/Viewer',
      'invalidValue',
      {},
      [{ op: 'replace', path: 'userType', value: 'Boss' }],
    ],
    [
      'RFC 7644 §3.5.2.2 remove with a value on a multi-valued attribute (would remove everything)',
      'invalidValue',
      { emails: [home, work] },
      [{ op: 'remove', path: 'emails', value: [work] }],
    ],
    [
      'RFC 7644 §3.4.2.2 gt on a boolean in a value filter',
      'invalidFilter',
      { emails: [work] },
      [{ op: 'remove', path: 'emails[primary gt true]' }],
    ],
  ])('%s → 400 %s', (_name, scimType, before, operations) => {
    expectScimError(() => patchUser(storedUser(before), ...operations), scimType as never);
  });
});

describe('applyPatch on a User: atomicity and change detection (RFC 7644 §3.5.2)', () => {
  it('RFC 7644 §3.5.2 fails as a whole when a later operation fails, leaving the input as it was', () => {
    const before = storedUser({ title: 'Lead', emails: [work] });
    const snapshot = structuredClone(before);
    expectScimError(
      () =>
        patchUser(
          before,
          { op: 'replace', path: 'title', value: 'Changed' },
          { op: 'remove', path: 'emails[type eq "work"]' },
          { op: 'remove', path: 'userName' },
        ),
      'mutability',
    );
    expect(before).toEqual(snapshot);
  });

  it('never writes to the input resource, even on success', () => {
    const before = storedUser({
      name: { givenName: 'B' },
      emails: [home, work],
      [ENTERPRISE]: { department: 'Tour' },
    });
    const snapshot = structuredClone(before);
    const result = patchUser(
      before,
      { op: 'replace', path: 'name.givenName', value: 'Barbara' },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'n@work.example' },
      { op: 'add', path: `${ENTERPRISE}:division`, value: 'Ops' },
    );
    expect(before).toEqual(snapshot);
    expect(result.resource).not.toBe(before);
  });

  it('does not keep references to operation values (later operations cannot alter the request)', () => {
    const value = [{ value: 'a@work.example', type: 'work' }];
    const ops = parsePatchRequest({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'add', path: 'emails', value },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'b@work.example' },
      ],
    });
    applyPatch(registry, 'User', storedUser(), ops, { id: USER_ID });
    expect(value).toEqual([{ value: 'a@work.example', type: 'work' }]);
  });

  it.each<[name: string, before: Record<string, unknown>, operations: unknown[], changed: string[]]>([
    [
      'a changed simple attribute',
      { title: 'Guide' },
      [{ op: 'replace', path: 'title', value: 'Lead' }],
      ['title'],
    ],
    ['an added complex attribute', {}, [{ op: 'add', path: 'name.givenName', value: 'B' }], ['name']],
    ['a removed multi-valued attribute', { emails: [work] }, [{ op: 'remove', path: 'emails' }], ['emails']],
    [
      'an extension attribute is named with its URN',
      {},
      [{ op: 'add', path: `${ENTERPRISE}:costCenter`, value: '4130' }],
      [`${ENTERPRISE}:costCenter`],
    ],
    [
      'several at once, in canonical case',
      { title: 'Guide' },
      [{ op: 'replace', value: { TITLE: 'Lead', NickName: 'B', active: false } }],
      ['active', 'nickName', 'title'],
    ],
  ])('reports changedAttributes for the audit trail: %s', (_name, before, operations, names) => {
    const result = patchUser(storedUser(before), ...operations);
    expect(result.changed).toBe(true);
    expect(result.changedAttributes.sort()).toEqual(names.sort());
  });

  it.each<[name: string, before: Record<string, unknown>, operations: unknown[]]>([
    ['replace with the same value', { title: 'Lead' }, [{ op: 'replace', path: 'title', value: 'Lead' }]],
    [
      'add of a value already present (RFC 7644 §3.5.2.1)',
      { emails: [work] },
      [{ op: 'add', path: 'emails', value: [work] }],
    ],
    [
      'Okta deactivation of an inactive user',
      { active: false },
      [{ op: 'replace', value: { active: false } }],
    ],
    [
      'Entra "False" on an inactive user',
      { active: false },
      [{ op: 'Replace', path: 'active', value: 'False' }],
    ],
    [
      'userType in another case is stored canonical',
      { userType: 'Admin' },
      [{ op: 'replace', path: 'userType', value: 'admin' }],
    ],
    ['remove of an unassigned attribute', {}, [{ op: 'remove', path: 'nickName' }]],
  ])('reports changed=false (version kept) for %s', (_name, before, operations) => {
    const resource = storedUser(before);
    const result = patchUser(resource, ...operations);
    expect(result).toMatchObject({ changed: false, changedAttributes: [], memberOps: [] });
    expect(result.resource).toEqual(resource);
  });
});

describe('applyPatch on a User: large values', () => {
  // Counted work, not time (shared machines are noisy): every comparison of two complex values lists
  // their keys (Object.entries in the duplicate key, Object.keys in jsonEqual), so comparing each new
  // value with each present one would make n² of these calls where a linear pass makes a few per value.
  it('RFC 7644 §3.5.2.1 duplicate detection stays linear (5 000 e-mail values added twice)', () => {
    const count = 5_000;
    const emails = Array.from({ length: count }, (_, i) => ({ value: `u${i}@example.com`, type: 'work' }));
    const first = patchUser(storedUser(), { op: 'add', path: 'emails', value: emails });
    expect(first.resource.emails).toHaveLength(count);

    const entries = jest.spyOn(Object, 'entries');
    const keys = jest.spyOn(Object, 'keys');
    let listings: number;
    let second: ReturnType<typeof patchUser>;
    try {
      second = patchUser(first.resource, {
        op: 'add',
        path: 'emails',
        value: emails.map((email) => ({ ...email, value: email.value.toUpperCase() })),
      });
      listings = entries.mock.calls.length + keys.mock.calls.length;
    } finally {
      entries.mockRestore();
      keys.mockRestore();
    }
    expect(second.changed).toBe(false);
    expect(second.resource).toEqual(first.resource);
    expect(listings).toBeGreaterThan(count); // the spies see the engine's work at all
    expect(listings).toBeLessThan(40 * count);
  });
});

describe('applyPatch on a User: Okta requests (scim-clients.md §1.6)', () => {
  it.each<[file: string, before: Record<string, unknown>, after: Record<string, unknown>]>([
    ['okta-deactivate-user.json', { active: true }, { active: false }],
    ['okta-reactivate-user.json', { active: false }, { active: true }],
    ['okta-password-sync.json', { password: 'old' }, { password: 't1meMa$heen' }],
  ])('Okta %s', (file, before, after) => {
    const ops = parsePatchRequest(fixture('okta', file));
    const result = applyPatch(registry, 'User', storedUser(before), ops, { id: USER_ID });
    expect(result.resource).toEqual(storedUser(after));
    expect(result.changed).toBe(true);
  });
});

describe('applyPatch on a User: Entra requests (scim-clients.md §2.4–2.6)', () => {
  const entra = (file: string, before: ScimResource) =>
    applyPatch(registry, 'User', before, parsePatchRequest(fixture('entra', file)), { id: USER_ID });

  it('Entra default job update: capitalised ops, filtered email created, URN extension path', () => {
    const result = entra(
      'entra-update-user-default-job.json',
      storedUser({ name: { givenName: 'B', familyName: 'J' }, emails: [home] }),
    );
    expect(result.resource).toEqual(
      storedUser({
        name: { givenName: 'B', familyName: 'updatedFamilyName' },
        emails: [home, { type: 'work', value: 'updatedEmail@microsoft.com' }],
        externalId: 'Eqpj',
        nickName: 'Babs',
        [ENTERPRISE]: { employeeNumber: 'Eqpj' },
      }),
    );
    expect(result.dialects).toEqual(['entra.createFilteredElement', 'entra.opNameCase']);
  });

  it('Entra default job update replaces the work email when there is one', () => {
    const result = entra('entra-update-user-default-job.json', storedUser({ emails: [home, work] }));
    expect(result.resource.emails).toEqual([home, { ...work, value: 'updatedEmail@microsoft.com' }]);
    expect(result.dialects).not.toContain('entra.createFilteredElement');
  });

  it('Entra aadOptscim062020 update: path-less replace with dotted and URN-qualified keys', () => {
    const result = entra('entra-update-user-aadoptscim062020.json', storedUser({ emails: [work] }));
    expect(result.resource).toEqual(
      storedUser({
        emails: [{ ...work, value: 'TestMhvaes@test.microsoft.com' }],
        displayName: 'Bjfe',
        name: { givenName: 'Kkom', familyName: 'Unua' },
        [ENTERPRISE]: { employeeNumber: 'Aklq' },
      }),
    );
    expect(result.dialects).toEqual(['entra.pathlessAttributePaths']);
  });

  it.each<[file: string, before: boolean, after: boolean]>([
    ['entra-disable-user-string-boolean.json', true, false],
    ['entra-enable-user-string-boolean.json', false, true],
    ['entra-disable-user-aadoptscim062020.json', true, false],
  ])('Entra %s sets active from %s to %s', (file, before, after) => {
    expect(entra(file, storedUser({ active: before })).resource.active).toBe(after);
  });

  it('Entra bare manager id becomes {value} (SCIM-SDK#686)', () => {
    const result = entra('entra-add-manager-bare-id.json', storedUser());
    expect(result.resource[ENTERPRISE]).toEqual({
      manager: { value: '2c2f46d1-5c56-4dd7-9c8a-0f4a2f6d7f10' },
    });
    expect(result.dialects).toContain('entra.managerString');
  });

  it('Entra app role roles[primary eq "True"].value creates a primary role', () => {
    const result = entra('entra-add-app-role-primary.json', storedUser());
    expect(result.resource.roles).toEqual([{ primary: true, value: 'ADMIN' }]);
  });

  it('Entra app role roles[primary eq "True"].value replaces the value of the primary role', () => {
    const result = entra(
      'entra-add-app-role-primary.json',
      storedUser({ roles: [{ value: 'USER', primary: true }, { value: 'X' }] }),
    );
    expect(result.resource.roles).toEqual([{ value: 'ADMIN', primary: true }, { value: 'X' }]);
  });

  it('Entra phoneNumbers[type eq "work"].value creates the work phone', () => {
    const result = entra(
      'entra-add-work-phone.json',
      storedUser({ phoneNumbers: [{ value: '+1 1', type: 'mobile' }] }),
    );
    expect(result.resource.phoneNumbers).toEqual([
      { value: '+1 1', type: 'mobile' },
      { type: 'work', value: '+1 425 555 0100' },
    ]);
  });

  it('Entra string booleans inside path-less values and element objects', () => {
    const result = patchUser(storedUser({ active: true }), {
      op: 'Replace',
      value: { active: 'FALSE', emails: [{ value: 'a@b.example', primary: 'True' }] },
    });
    expect(result.resource).toEqual(
      storedUser({ active: false, emails: [{ value: 'a@b.example', primary: true }] }),
    );
  });
});
