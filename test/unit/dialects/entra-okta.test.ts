import { registry } from '../registry.js';
import type { Filter } from '../../../src/domain/filter/ast.js';
import { parsePath } from '../../../src/domain/filter/parser.js';
import {
  coerceStringBooleans,
  memberValueFilter,
  normalizeOpName,
  removeMembersByValue,
  synthesiseFilteredElement,
  wrapManagerString,
} from '../../../src/domain/dialects/entra.js';
import { dropEchoedId } from '../../../src/domain/dialects/okta.js';
import type { PatchOperation } from '../../../src/domain/patch/engine.js';
import type { AttributeDefinition } from '../../../src/domain/schema/types.js';
import { ENTERPRISE, GROUP_ID } from '../patch/helpers.js';

const op = (name: PatchOperation['op'], path: string | undefined, value?: unknown): PatchOperation => ({
  op: name,
  ...(path === undefined ? {} : { path: parsePath(path) }),
  ...(value === undefined ? {} : { value }),
});

const attr = (name: string): AttributeDefinition => {
  const resolved = registry.resolve('User', { attribute: name });
  if (!resolved) throw new Error(name);
  return resolved.attribute;
};

function depth(filter: Filter): number {
  return filter.kind === 'or' || filter.kind === 'and'
    ? 1 + Math.max(depth(filter.left), depth(filter.right))
    : 1;
}

describe('Entra dialect: op names in any case (scim-clients.md §2.5, §4 row 1)', () => {
  it.each([
    ['Add', 'add'],
    ['Replace', 'replace'],
    ['Remove', 'remove'],
    ['rEmOvE', 'remove'],
    ['add', 'add'],
    ['move', undefined],
    ['', undefined],
    [1, undefined],
    [null, undefined],
  ])('Entra op %p → %p', (raw, expected) => {
    expect(normalizeOpName(raw)).toBe(expected);
  });
});

describe('Entra dialect: remove of members with a value array (scim-clients.md §2.7, §4 row 4)', () => {
  it('returns the same array when no operation is such a remove (nothing to log)', () => {
    const ops = [
      op('remove', 'members'),
      op('add', 'members', [{ value: 'a' }]),
      op('remove', 'members[value eq "a"]'),
    ];
    expect(removeMembersByValue(ops)).toBe(ops);
  });

  it('turns the value list into a filter and leaves other operations alone', () => {
    const keep = op('replace', 'displayName', 'x');
    const result = removeMembersByValue([keep, op('remove', 'members', [{ value: 'a' }])]);
    expect(result[0]).toBe(keep);
    expect(result[1]).toEqual({
      ...op('remove', 'members[value eq "a"]'),
      dialects: ['entra.removeMembersByValue'],
    });
  });

  it('keeps a balanced filter for thousands of ids (no deep recursion)', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `id-${i}`);
    expect(depth(memberValueFilter(ids))).toBeLessThanOrEqual(14);
  });
});

describe('Entra dialect: booleans as strings (scim-clients.md §2.6, §4 row 5)', () => {
  it.each<[name: string, input: PatchOperation, value: unknown]>([
    ['Entra "False" on active', op('replace', 'active', 'False'), false],
    ['Entra "TRUE" on active', op('replace', 'active', 'TRUE'), true],
    ['Entra "True" on a filtered primary', op('replace', 'emails[type eq "work"].primary', 'True'), true],
    [
      'Entra "true" in an element object',
      op('add', 'emails', [{ value: 'a', primary: 'true' }]),
      [{ value: 'a', primary: true }],
    ],
    [
      'Entra "false" in one element object',
      op('add', 'roles[value eq "x"]', { primary: 'false' }),
      { primary: false },
    ],
  ])('%s', (_name, input, value) => {
    const [result] = coerceStringBooleans(registry, 'User', [input]);
    expect(result.value).toEqual(value);
    expect(result.dialects).toEqual(['entra.stringBooleans']);
  });

  it('converts the value in a value filter: roles[primary eq "True"]', () => {
    const [result] = coerceStringBooleans(registry, 'User', [
      op('add', 'roles[primary eq "True"].value', 'ADMIN'),
    ]);
    expect(result.path?.filter).toEqual({
      kind: 'compare',
      path: { attribute: 'primary' },
      op: 'eq',
      value: true,
    });
    expect(result.value).toBe('ADMIN');
  });

  it.each<[name: string, input: PatchOperation]>([
    ['a string attribute keeps "True"', op('replace', 'title', 'True')],
    ['a word that is not a boolean stays (validation rejects it)', op('replace', 'active', 'yes')],
    ['a real boolean', op('replace', 'active', false)],
    ['a string filter value', op('remove', 'emails[type eq "True"]')],
    ['an unknown attribute (the engine reports it)', op('replace', 'favourite', 'True')],
  ])('leaves the request as it is when %s', (_name, input) => {
    const ops = [input];
    expect(coerceStringBooleans(registry, 'User', ops)).toBe(ops);
  });
});

describe('Entra dialect: manager as a bare id (scim-clients.md §2.5, §4 row 13)', () => {
  it('Entra manager "id" becomes {value: "id"}', () => {
    const [result] = wrapManagerString(registry, 'User', [op('add', `${ENTERPRISE}:manager`, 'boss-id')]);
    expect(result).toMatchObject({ value: { value: 'boss-id' }, dialects: ['entra.managerString'] });
  });

  it.each<[name: string, input: PatchOperation]>([
    ['an object manager', op('add', `${ENTERPRISE}:manager`, { value: 'boss-id' })],
    ['manager.value', op('replace', `${ENTERPRISE}:manager.value`, 'boss-id')],
    ['remove of manager', op('remove', `${ENTERPRISE}:manager`)],
    ['a string for a simple attribute', op('replace', 'title', 'boss')],
  ])('leaves %s alone', (_name, input) => {
    const ops = [input];
    expect(wrapManagerString(registry, 'User', ops)).toBe(ops);
  });
});

describe('Okta dialect: path-less replace echoing the id (scim-clients.md §1.7, §4 row 3)', () => {
  it('Okta echoed id equal to the resource id is dropped', () => {
    const keep = op('replace', 'displayName', 'Test SCIMv2');
    expect(dropEchoedId(registry, 'Group', [op('replace', 'id', GROUP_ID), keep], { id: GROUP_ID })).toEqual([
      keep,
    ]);
  });

  it.each<[name: string, input: PatchOperation]>([
    ['a different id (the engine answers mutability)', op('replace', 'id', 'other')],
    ['another attribute with the id as value', op('replace', 'externalId', GROUP_ID)],
  ])('Okta rule leaves %s', (_name, input) => {
    const ops = [input];
    expect(dropEchoedId(registry, 'Group', ops, { id: GROUP_ID })).toBe(ops);
  });
});

describe('Entra dialect: creating the element a value filter names (scim-clients.md §2.5, RFC 7644 erratum 8097)', () => {
  const filterOf = (path: string) => parsePath(path).filter as Filter;
  const sub = (parent: string, name: string) => registry.subAttribute(attr(parent), name);

  it.each<
    [
      name: string,
      parent: string,
      path: string,
      subName: string | undefined,
      value: unknown,
      element: unknown,
    ]
  >([
    [
      'Entra emails[type eq "work"].value',
      'emails',
      'emails[type eq "work"]',
      'value',
      'a@b',
      { type: 'work', value: 'a@b' },
    ],
    [
      'Entra phoneNumbers[type eq "mobile"].value',
      'phoneNumbers',
      'phoneNumbers[type eq "mobile"]',
      'value',
      '+1',
      { type: 'mobile', value: '+1' },
    ],
    [
      'Entra roles[primary eq "True"].value (boolean converted)',
      'roles',
      'roles[primary eq "True"]',
      'value',
      'ADMIN',
      { primary: true, value: 'ADMIN' },
    ],
    [
      'an "and" of equalities',
      'addresses',
      'addresses[type eq "work" and country eq "NL"]',
      'locality',
      'Delft',
      { type: 'work', country: 'NL', locality: 'Delft' },
    ],
    [
      'an element object without sub-attribute',
      'emails',
      'emails[type eq "work"]',
      undefined,
      { value: 'a@b', Display: 'A' },
      { type: 'work', value: 'a@b', display: 'A' },
    ],
    [
      'canonical sub-attribute names',
      'emails',
      'emails[TYPE eq "work"]',
      'value',
      'a@b',
      { type: 'work', value: 'a@b' },
    ],
  ])('%s', (_name, parent, path, subName, value, element) => {
    const subDef = subName ? sub(parent, subName) : undefined;
    expect(synthesiseFilteredElement(registry, attr(parent), filterOf(path), subDef, value)).toEqual(element);
  });

  it.each<[name: string, path: string]>([
    ['an "or" filter', 'emails[type eq "work" or type eq "home"]'],
    ['a "co" filter', 'emails[value co "@work"]'],
    ['a "not" filter', 'emails[not (type eq "work")]'],
    ['a "pr" filter', 'emails[type pr]'],
    ['contradicting equalities', 'emails[type eq "work" and type eq "home"]'],
    ['an equality with null', 'emails[type eq null]'],
    ['an unknown sub-attribute', 'emails[kind eq "work"]'],
  ])('creates nothing for %s (the engine answers noTarget)', (_name, path) => {
    expect(
      synthesiseFilteredElement(registry, attr('emails'), filterOf(path), sub('emails', 'value'), 'x'),
    ).toBeUndefined();
  });

  it('creates nothing when there is neither a sub-attribute nor an object value', () => {
    expect(
      synthesiseFilteredElement(registry, attr('emails'), filterOf('emails[type eq "work"]'), undefined, 'x'),
    ).toBeUndefined();
  });
});
