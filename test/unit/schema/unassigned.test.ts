import { isPresent, isUnassigned } from '../../../src/domain/schema/json.js';
import { validateResource } from '../../../src/domain/schema/validate.js';
import { USER_SCHEMA } from '../../../src/domain/schema/urns.js';
import { expectScimError, patchUser, storedUser } from '../patch/helpers.js';
import { registry } from '../registry.js';

/**
 * One "unassigned" (RFC 7643 §2.5: unassigned, null and the empty array are the same state). The PATCH
 * engine used to count "" as unassigned while the validator stored it as a value.
 */
describe('isUnassigned (RFC 7643 §2.5)', () => {
  it.each<[unknown, boolean]>([
    [undefined, true],
    [null, true],
    [[], true],
    [{}, true],
    [[null, []], true],
    [{ givenName: null }, true],
    [[{ value: null }], true],
    ['', false],
    [[''], false],
    [{ givenName: '' }, false],
    [false, false],
    [0, false],
    ['x', false],
  ])('isUnassigned(%j) is %s', (value, expected) => {
    expect(isUnassigned(value)).toBe(expected);
  });

  it('"" is stored as a value, and a PATCH reads it as one', () => {
    const { resource } = validateResource(
      registry,
      'User',
      { schemas: [USER_SCHEMA], userName: 'b', title: '' },
      'create',
    );
    expect(resource.title).toBe('');
  });

  it('remove with the value "" on a multi-valued attribute is refused, not a removal of every value', () => {
    const before = storedUser({ emails: [{ value: 'a@example.com' }, { value: 'b@example.com' }] });
    // Before: "" counted as no value, so this removed both e-mail addresses.
    expectScimError(() => patchUser(before, { op: 'remove', path: 'emails', value: '' }), 'invalidValue');
  });
});

describe('isPresent (the filter operator pr, RFC 7644 §3.4.2.2: "non-empty value")', () => {
  it.each<[unknown, boolean]>([
    ['', false],
    [null, false],
    [[], false],
    ['x', true],
    [false, true],
  ])('isPresent(%j) is %s', (value, expected) => {
    expect(isPresent(value)).toBe(expected);
  });

  it('a PATCH value filter reads "" as the SQL compiler does: not present, equal to ""', () => {
    const before = storedUser({ emails: [{ value: 'a@example.com', type: '' }] });
    const patched = (path: string) =>
      patchUser(before, { op: 'replace', path, value: 'b@example.com' }).resource.emails;
    expect(patched('emails[type eq ""].value')).toEqual([{ value: 'b@example.com', type: '' }]);
    expectScimError(() => patched('emails[type pr].value'), 'noTarget');
  });
});
