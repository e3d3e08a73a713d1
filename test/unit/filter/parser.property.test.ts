import fc from 'fast-check';
import type { AttrPath, CompareOp, Filter, FilterValue, PatchPath } from '../../../src/domain/filter/ast.js';
import { ScimError } from '../../../src/domain/errors.js';
import { parseFilter, parsePath, printFilter, printPath } from '../../../src/domain/filter/parser.js';

const URIS = [
  'urn:ietf:params:scim:schemas:core:2.0:User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:ietf:params:scim:schemas:core:2.0:Group',
];

const nameArb = fc.oneof(
  { weight: 9, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/) },
  { weight: 1, arbitrary: fc.constantFrom('$ref', '$Ref', 'and', 'or', 'not', 'pr', 'eq', 'true', 'null') },
);
const uriArb = fc.oneof(
  fc.constantFrom(...URIS),
  fc.stringMatching(/^urn:[a-z0-9.-]{1,6}(:[A-Za-z0-9.%-]{1,6}){0,3}$/),
);

const attrPathArb: fc.Arbitrary<AttrPath> = fc.record(
  { uri: uriArb, attribute: nameArb, subAttribute: nameArb },
  { requiredKeys: ['attribute'] },
);

/**
 * Every UTF-16 code unit but U+0000, lone surrogates included: JSON escapes must carry them all. U+0000
 * is refused (no stored value can hold it; see the invalid filters in parser.test.ts).
 */
const anyString = fc.string({ unit: fc.integer({ min: 1, max: 0xffff }).map((c) => String.fromCharCode(c)) });
const valueArb: fc.Arbitrary<FilterValue> = fc.oneof(
  anyString,
  fc.string().map((s) => s.replaceAll('\u0000', '')),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
  fc.boolean(),
  fc.constant(null),
);
const opArb = fc.constantFrom<CompareOp>('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le');

const leafArb: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ kind: fc.constant('compare' as const), path: attrPathArb, op: opArb, value: valueArb }),
  fc.record({ kind: fc.constant('present' as const), path: attrPathArb }),
);

/** Trees the parser can produce: value filters hold no value paths (RFC 7644 erratum 4690). */
const trees = fc.letrec<{ filter: Filter; inner: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({ kind: fc.constant('and' as const), left: tie('filter'), right: tie('filter') }),
    fc.record({ kind: fc.constant('or' as const), left: tie('filter'), right: tie('filter') }),
    fc.record({ kind: fc.constant('not' as const), filter: tie('filter') }),
    fc.record({ kind: fc.constant('valuePath' as const), path: attrPathArb, filter: tie('inner') }),
  ),
  inner: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({ kind: fc.constant('and' as const), left: tie('inner'), right: tie('inner') }),
    fc.record({ kind: fc.constant('or' as const), left: tie('inner'), right: tie('inner') }),
    fc.record({ kind: fc.constant('not' as const), filter: tie('inner') }),
  ),
}));

/** fast-check builds null-prototype records; toStrictEqual compares prototypes, so copy into plain objects. */
const plain = <T>(value: T): T => structuredClone(value);

const generous = { maxLength: 1_000_000, maxDepth: 1000, maxNodes: 100_000 };

describe('printFilter/parseFilter round trip (RFC 7644 §3.4.2.2)', () => {
  it('parseFilter(printFilter(f)) deep-equals f for random trees', () => {
    fc.assert(
      fc.property(trees.filter.map(plain), (filter) => {
        expect(parseFilter(printFilter(filter), generous)).toStrictEqual(filter);
      }),
      { numRuns: 1000 },
    );
  });

  it('printing is a fixed point: print(parse(print(f))) === print(f)', () => {
    fc.assert(
      fc.property(trees.filter, (filter) => {
        const text = printFilter(filter);
        expect(printFilter(parseFilter(text, generous))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('parsePath(printPath(p)) deep-equals p for random PATCH paths (RFC 7644 §3.5.2)', () => {
    const patchPathArb: fc.Arbitrary<PatchPath> = fc.oneof(
      fc.record({ path: attrPathArb }),
      fc.record(
        {
          path: fc.record({ uri: uriArb, attribute: nameArb }, { requiredKeys: ['attribute'] }),
          filter: trees.inner,
          subAttribute: nameArb,
        },
        { requiredKeys: ['path', 'filter'] },
      ),
    );
    fc.assert(
      fc.property(patchPathArb.map(plain), (patchPath) => {
        expect(parsePath(printPath(patchPath))).toStrictEqual(patchPath);
      }),
      { numRuns: 500 },
    );
  });
});

/** Accepts a result, or a 400 ScimError of the given type whose detail ends with a position. */
function onlyScimErrors(fn: () => unknown, scimType: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    const scimError = error as ScimError;
    expect(scimError.status).toBe(400);
    expect(scimError.scimType).toBe(scimType);
    expect(scimError.detail).toMatch(/ at position \d+$/);
  }
}

/** Strings made of filter fragments reach deep into the parser far more often than random bytes. */
const fragments = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ' ',
        '(',
        ')',
        '[',
        ']',
        '"',
        '\\',
        '.',
        ':',
        'and',
        'or',
        'not',
        'pr',
        'eq',
        'co',
        'gt',
        'true',
        'null',
        '1',
        '-',
        'e',
        'emails',
        'type',
        'urn:ietf:params:scim:schemas:core:2.0:User:',
        '"x"',
        '\\u00',
        '$ref',
        '\t',
      ),
      fc.string({ maxLength: 3 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('robustness: random input only ever yields 400 ScimError (RFC 7644 §3.12)', () => {
  it('parseFilter on random UTF-16 strings', () => {
    fc.assert(
      fc.property(anyString, (text) => onlyScimErrors(() => parseFilter(text), 'invalidFilter')),
      { numRuns: 2000 },
    );
  });

  it('parseFilter on random filter-like fragments', () => {
    fc.assert(
      fc.property(fragments, (text) => onlyScimErrors(() => parseFilter(text), 'invalidFilter')),
      { numRuns: 5000 },
    );
  });

  it('parseFilter on random bytes decoded as latin1', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) =>
        onlyScimErrors(() => parseFilter(Buffer.from(bytes).toString('latin1')), 'invalidFilter'),
      ),
      { numRuns: 2000 },
    );
  });

  it('parseFilter with tight random limits', () => {
    fc.assert(
      fc.property(
        fragments,
        fc.record({ maxLength: fc.nat(60), maxDepth: fc.nat(4), maxNodes: fc.nat(6) }),
        (text, limits) => onlyScimErrors(() => parseFilter(text, limits), 'invalidFilter'),
      ),
      { numRuns: 2000 },
    );
  });

  it('parsePath on random strings and fragments', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fragments), (text) =>
        onlyScimErrors(() => parsePath(text), 'invalidPath'),
      ),
      { numRuns: 3000 },
    );
  });
});
