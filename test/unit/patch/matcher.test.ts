import { registry } from '../registry.js';
import type { Filter } from '../../../src/domain/filter/ast.js';
import { parsePath } from '../../../src/domain/filter/parser.js';
import { checkValueFilter, matchesValueFilter } from '../../../src/domain/patch/matcher.js';
import { attribute, complex } from '../../../src/domain/schema/define.js';
import type { AttributeDefinition } from '../../../src/domain/schema/types.js';
import { expectScimError } from './helpers.js';

const emails = registry.resolve('User', { attribute: 'emails' })?.attribute as AttributeDefinition;
/** A made-up attribute with the types the core schemas do not put in multi-valued attributes. */
const things = complex(
  'things',
  'test',
  [
    attribute('code', 'string', 'caseExact', { caseExact: true }),
    attribute('n', 'integer', 'integer'),
    attribute('when', 'dateTime', 'dateTime'),
    attribute('on', 'boolean', 'boolean'),
  ],
  { multiValued: true },
);
const tags = attribute('tags', 'string', 'simple multi-valued', { multiValued: true });

const filterOf = (text: string): Filter => parsePath(`x[${text}]`).filter as Filter;

describe('value filter matching (RFC 7644 §3.4.2.2 operators, RFC 7643 §2.2 caseExact)', () => {
  it.each<[name: string, parent: AttributeDefinition, element: unknown, filter: string, expected: boolean]>([
    ['eq ignores case when caseExact is false', emails, { type: 'Work' }, 'type eq "work"', true],
    ['eq respects case when caseExact is true', things, { code: 'AbC' }, 'code eq "abc"', false],
    ['eq with caseExact true and same case', things, { code: 'AbC' }, 'code eq "AbC"', true],
    ['ne on a different value', emails, { type: 'home' }, 'type ne "work"', true],
    ['ne on a missing value', emails, { value: 'a' }, 'type ne "work"', true],
    ['eq on a missing value', emails, { value: 'a' }, 'type eq "work"', false],
    ['co', emails, { value: 'Babs@Example.com' }, 'value co "example"', true],
    ['sw', emails, { value: 'babs@example.com' }, 'value sw "BABS"', true],
    ['ew', emails, { value: 'babs@example.com' }, 'value ew ".org"', false],
    ['gt on strings is lexical', emails, { value: 'b' }, 'value gt "a"', true],
    ['pr on an assigned value', emails, { display: 'x' }, 'display pr', true],
    ['pr on an empty string', emails, { display: '' }, 'display pr', false],
    ['eq null on a missing value (RFC 7643 §2.5)', emails, { value: 'a' }, 'display eq null', true],
    ['boolean eq true', emails, { primary: true }, 'primary eq true', true],
    ['Entra boolean "True" in the filter', emails, { primary: true }, 'primary eq "True"', true],
    ['Entra boolean "False" in the element', emails, { primary: 'False' }, 'primary eq false', true],
    ['boolean ne', emails, { primary: false }, 'primary ne true', true],
    ['integer ge', things, { n: 3 }, 'n ge 3', true],
    ['integer lt', things, { n: 3 }, 'n lt 3', false],
    ['integer eq against a string', things, { n: 3 }, 'n eq "3"', false],
    [
      'dateTime eq compares instants',
      things,
      { when: '2024-01-01T00:00:00Z' },
      'when eq "2024-01-01T01:00:00+01:00"',
      true,
    ],
    ['dateTime gt', things, { when: '2024-01-02T00:00:00Z' }, 'when gt "2024-01-01T23:59:59Z"', true],
    ['and', emails, { type: 'work', primary: true }, 'type eq "work" and primary eq true', true],
    ['or', emails, { type: 'home' }, 'type eq "work" or type eq "home"', true],
    ['not', emails, { type: 'home' }, 'not (type eq "work")', true],
    ['simple multi-valued attribute, its elements are "value"', tags, 'Red', 'value eq "red"', true],
    ['an element that is not an object', emails, 'a@b', 'value eq "a@b"', false],
  ])('%s', (_name, parent, element, filter, expected) => {
    expect(matchesValueFilter(registry, parent, element, filterOf(filter), 'x')).toBe(expected);
  });

  it.each<[name: string, parent: AttributeDefinition, filter: string, scimType: string]>([
    ['gt on a boolean (RFC 7644 §3.4.2.2)', emails, 'primary gt true', 'invalidFilter'],
    ['co on an integer', things, 'n co 1', 'invalidFilter'],
    [
      'a URN-qualified attribute inside brackets',
      emails,
      'urn:ietf:params:scim:schemas:core:2.0:User:type eq "work"',
      'invalidFilter',
    ],
    ['an unknown sub-attribute', emails, 'kind eq "work"', 'invalidPath'],
    ['a sub-attribute of a sub-attribute', emails, 'type.x eq "work"', 'invalidFilter'],
    ['a simple attribute filtered on anything but value', tags, 'name eq "x"', 'invalidPath'],
  ])('rejects %s → 400 %s', (_name, parent, filter, scimType) => {
    expectScimError(() => checkValueFilter(registry, parent, filterOf(filter), 'x'), scimType as never);
    expectScimError(() => matchesValueFilter(registry, parent, {}, filterOf(filter), 'x'), scimType as never);
  });

  it('rejects a nested value filter (RFC 7644 erratum 4690)', () => {
    const nested: Filter = {
      kind: 'valuePath',
      path: { attribute: 'type' },
      filter: filterOf('value eq "x"'),
    };
    expectScimError(() => matchesValueFilter(registry, emails, {}, nested, 'x'), 'invalidFilter');
    expectScimError(() => checkValueFilter(registry, emails, nested, 'x'), 'invalidFilter');
  });
});
