import { registry } from '../registry.js';
import fc from 'fast-check';
import { ScimError } from '../../../src/domain/errors.js';
import { applyPatch, parsePatchRequest, type PatchResult } from '../../../src/domain/patch/engine.js';
import { applyMemberOps } from '../../../src/domain/patch/members.js';
import type { ResourceTypeName, ScimResource } from '../../../src/domain/schema/types.js';
import { validateResource } from '../../../src/domain/schema/validate.js';
import { ENTERPRISE, GROUP_ID, USER_ID, body, storedGroup, storedUser } from './helpers.js';

const PATHS = [
  'title',
  'TITLE',
  'active',
  'name',
  'name.givenName',
  'nickName',
  'userName',
  'userType',
  'externalId',
  'password',
  'emails',
  'emails[type eq "work"]',
  'emails[type eq "work"].value',
  'emails[type eq "work" and value ew ".example"]',
  'emails[value co "a"].display',
  'emails[primary eq "True"].primary',
  'emails.value',
  'phoneNumbers[type eq "mobile"].value',
  'addresses[type eq "work"].locality',
  'roles[primary eq "True"].value',
  'roles',
  'x509Certificates',
  'members',
  'members[value eq "a"]',
  'members[value eq "a" or value eq "b"]',
  'members[display eq "x"]',
  'members.value',
  'displayName',
  'id',
  'meta.created',
  'groups',
  'schemas',
  ENTERPRISE,
  `${ENTERPRISE}:manager`,
  `${ENTERPRISE}:manager.value`,
  `${ENTERPRISE}:employeeNumber`,
  'urn:ietf:params:scim:schemas:core:2.0:User:nickName',
  'urn:ietf:params:scim:schemas:core:2.0:Group:members',
  'unknownAttribute',
  'emails[',
  '',
];

const plausibleValue = fc.constantFrom<unknown>(
  'True',
  'False',
  'true',
  true,
  false,
  null,
  [],
  {},
  'Admin',
  'editor',
  'text',
  '',
  7,
  [{ value: 'a' }],
  [{ value: 'b', type: 'User' }],
  [{ value: 'a@work.example', type: 'work', primary: 'True' }],
  { value: 'x@home.example', type: 'home', primary: true },
  { givenName: 'G', familyName: null },
  { value: 'boss' },
  { active: false },
  { 'name.givenName': 'Kkom', [`${ENTERPRISE}:employeeNumber`]: 'Aklq' },
  { [ENTERPRISE]: { department: 'Tour', manager: 'boss' } },
  { id: GROUP_ID, displayName: 'Renamed' },
  { id: USER_ID },
  { members: [{ value: 'c' }] },
  { schemas: ['urn:x'], title: 'T' },
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__": {"polluted": true}, "title": "x"}'),
);
const value = fc.oneof(plausibleValue, fc.jsonValue({ maxDepth: 3 }));
const pathlessValue = fc.dictionary(fc.constantFrom(...PATHS.filter((p) => p !== '')), value, { maxKeys: 4 });
/** Path-less values whose keys carry no value filter (a filtered replace rewrites the elements it selects). */
const unfilteredPathlessValue = fc.dictionary(
  fc.constantFrom(...PATHS.filter((p) => p !== '' && !p.includes('['))),
  value,
  { maxKeys: 4 },
);
const opName = fc.oneof(fc.constantFrom('add', 'remove', 'replace', 'Add', 'REPLACE', 'Remove'), fc.string());
const operation = fc.oneof(
  fc.record(
    { op: opName, path: fc.oneof(fc.constantFrom(...PATHS), fc.string()), value },
    { requiredKeys: ['op'] },
  ),
  fc.record({ op: opName, value: pathlessValue }),
  fc.jsonValue({ maxDepth: 2 }),
);
const patchBody = fc.oneof(
  { weight: 6, arbitrary: fc.array(operation, { maxLength: 6 }).map((ops) => body(...ops)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  {
    weight: 1,
    arbitrary: fc.record({ schemas: fc.jsonValue({ maxDepth: 2 }), operations: fc.array(operation) }),
  },
);

function fixtures(): Record<ResourceTypeName, ScimResource> {
  return {
    User: storedUser({
      name: { givenName: 'B', familyName: 'J' },
      title: 'Guide',
      active: true,
      emails: [
        { value: 'b@work.example', type: 'work', primary: true },
        { value: 'a@home.example', type: 'home' },
      ],
      roles: [{ value: 'USER' }],
      [ENTERPRISE]: { department: 'Tour', manager: { value: 'boss' } },
    }),
    Group: storedGroup({ externalId: 'ext-1' }),
  };
}
const resourceType = fc.constantFrom<ResourceTypeName>('User', 'Group');
const contextOf = (type: ResourceTypeName) => ({ id: type === 'User' ? USER_ID : GROUP_ID });

/** parse + apply; returns the result or the ScimError, and fails on any other exception. */
function run(type: ResourceTypeName, resource: ScimResource, request: unknown): PatchResult | ScimError {
  try {
    return applyPatch(registry, type, resource, parsePatchRequest(request), contextOf(type));
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
}

describe('PATCH engine properties (fast-check)', () => {
  it('random JSON bodies and operations never throw anything but a ScimError, and never touch the input', () => {
    const resources = fixtures();
    fc.assert(
      fc.property(resourceType, patchBody, (type, request) => {
        const resource = resources[type];
        const snapshot = structuredClone(resource);
        const outcome = run(type, resource, request);
        expect(resource).toEqual(snapshot);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        if (outcome instanceof ScimError) {
          expect(outcome.status).toBe(400);
          expect(outcome.scimType).toBeDefined();
          return;
        }
        // The result is a stored form: validating it again changes nothing, and members never live in it.
        expect(
          validateResource(registry, type, outcome.resource, 'patchResult', outcome.resource).resource,
        ).toEqual(outcome.resource);
        expect(outcome.resource).not.toHaveProperty('members');
        if (type === 'User') expect(outcome.memberOps).toEqual([]);
        expect(outcome.changed).toBe(outcome.changedAttributes.some((name) => name !== 'members'));
      }),
      { numRuns: 3000 },
    );
  });

  it('RFC 7644 §3.5.2 is atomic: a failing last operation discards the earlier ones and leaves the input as it was', () => {
    const resources = fixtures();
    // Operations that fail whatever came before them.
    const failing = {
      User: [
        { op: 'remove', path: 'userName' },
        { op: 'replace', path: 'id', value: 'another-id' },
        { op: 'add', path: 'groups', value: [{ value: 'g' }] },
      ],
      Group: [
        { op: 'remove', path: 'displayName' },
        { op: 'replace', value: { id: 'another-id' } },
        { op: 'add', path: 'userName', value: 'x' },
      ],
    };
    fc.assert(
      fc.property(resourceType, fc.array(operation, { maxLength: 5 }), fc.nat(2), (type, ops, which) => {
        const resource = resources[type];
        const last = failing[type][which];
        const snapshot = structuredClone(resource);
        const outcome = run(type, resource, body(...ops, last));
        expect(outcome).toBeInstanceOf(ScimError);
        expect(resource).toEqual(snapshot);
      }),
    );
  });

  it('RFC 7644 §3.5.2 add then remove of a member is the identity on the member change set', () => {
    const group = storedGroup();
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.uniqueArray(fc.uuid(), { maxLength: 6 }),
        fc.boolean(),
        fc.option(fc.string(), { nil: undefined }),
        (member, others, entraForm, display) => {
          const initialIds = others.filter((id) => id !== member);
          const initial = new Map(initialIds.map((id) => [id, { value: id }]));
          const remove = entraForm
            ? { op: 'Remove', path: 'members', value: [{ $ref: null, value: member }] }
            : { op: 'remove', path: `members[value eq "${member}"]` };
          const result = run(
            'Group',
            group,
            body({ op: 'add', path: 'members', value: [{ value: member, display }] }, remove),
          );
          if (result instanceof ScimError) throw result;
          expect([...applyMemberOps(initial, result.memberOps).keys()].sort()).toEqual(
            [...initialIds].sort(),
          );
          // Whatever the initial list, the pair means exactly "remove this member".
          expect(result.memberOps).toEqual([{ kind: 'remove', ids: [member] }]);
          expect(result.resource).toEqual(group);
          expect(result.changed).toBe(false);
        },
      ),
    );
  });

  it('RFC 7644 §3.5.2.3 replace without a filter is idempotent: applied again it changes nothing', () => {
    const resources = fixtures();
    const replacePath = fc.constantFrom(
      'title',
      'active',
      'name',
      'name.familyName',
      'emails',
      'userType',
      'emails[type eq "work"].value',
      'phoneNumbers[type eq "mobile"].value',
      `${ENTERPRISE}:manager`,
      `${ENTERPRISE}:department`,
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('replace'), path: replacePath, value }),
            fc.record({ op: fc.constant('replace'), value: unfilteredPathlessValue }),
          ),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        (ops) => {
          const first = run('User', resources.User, body(...ops));
          if (first instanceof ScimError) return;
          const second = run('User', first.resource, body(...ops));
          if (second instanceof ScimError) throw second;
          expect(second.resource).toEqual(first.resource);
          expect(second.changed).toBe(false);
        },
      ),
    );
  });

  it('RFC 7644 §3.5.2.1 add of values already present changes nothing (no duplicates)', () => {
    const resources = fixtures();
    const email = fc.record(
      {
        value: fc.constantFrom('a@x.example', 'B@X.example'),
        type: fc.constantFrom('work', 'home', 'Work'),
        display: fc.string(),
      },
      { requiredKeys: ['value'] },
    );
    fc.assert(
      fc.property(fc.array(email, { minLength: 1, maxLength: 3 }), (emails) => {
        const first = run('User', resources.User, body({ op: 'add', path: 'emails', value: emails }));
        if (first instanceof ScimError) throw first;
        const second = run('User', first.resource, body({ op: 'add', path: 'emails', value: emails }));
        if (second instanceof ScimError) throw second;
        expect(second.changed).toBe(false);
      }),
    );
  });
});
