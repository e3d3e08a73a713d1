import fc from 'fast-check';
import { parseFilter } from '../../../src/domain/filter/parser.js';
import { compileFilter } from '../../../src/domain/filter/to-sql.js';
import { validateResource } from '../../../src/domain/schema/validate.js';
import { USER_SCHEMA } from '../../../src/domain/schema/urns.js';
import { isDateTime } from '../../../src/domain/schema/values.js';
import { USER_COLUMN_MAP } from '../../../src/storage/user-columns.js';
import { TEST_EXTENSION, testRegistry } from '../filter/test-registry.js';

/**
 * One xsd:dateTime (RFC 7643 §2.3.5) for storing and for filtering. The validator used Date.parse, which
 * takes February 30 and hour 24, so such a value could be stored and then not be compared in a filter.
 */
const store = (hiredAt: string) =>
  validateResource(
    testRegistry,
    'User',
    { schemas: [USER_SCHEMA, TEST_EXTENSION], userName: 'b', [TEST_EXTENSION]: { hiredAt } },
    'create',
  );
const filter = (value: string) =>
  compileFilter(parseFilter(`${TEST_EXTENSION}:hiredAt gt "${value}"`), 'User', {
    columns: USER_COLUMN_MAP,
    registry: testRegistry,
  });

describe('xsd:dateTime: what can be stored can be filtered', () => {
  it.each(['2024-02-30T00:00:00Z', '2024-01-01T24:00:00Z', '0000-01-01T00:00:00Z'])(
    'refuses %s when storing, as the filter does',
    (value) => {
      expect(() => store(value)).toThrow(/must be an xsd:dateTime string/);
      expect(() => filter(value)).toThrow(/not a valid dateTime/);
    },
  );

  it.each(['2024-02-29T23:59:59Z', '2008-01-23T04:56:22', '2015-09-01T12:00:00.123456789+02:00'])(
    'accepts %s in both',
    (value) => {
      expect(store(value).resource[TEST_EXTENSION]).toEqual({ hiredAt: value });
      expect(() => filter(value)).not.toThrow();
    },
  );

  it('for any generated value, storing succeeds exactly when filtering does', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const candidate = fc
      .tuple(
        fc.integer({ min: 0, max: 10_000 }).map((n) => String(n).padStart(4, '0')),
        two(13),
        two(32),
        two(25),
        two(60),
        two(60),
        fc.constantFrom('', '.5', '.123456789', '.1234567890'),
        fc.constantFrom('', 'Z', '+02:00', '-24:00', '+23:59'),
      )
      .map(([y, mo, d, h, mi, s, f, z]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${f}${z}`);
    fc.assert(
      fc.property(candidate, (value) => {
        const stored = (() => {
          try {
            store(value);
            return true;
          } catch {
            return false;
          }
        })();
        const filtered = (() => {
          try {
            filter(value);
            return true;
          } catch {
            return false;
          }
        })();
        expect([value, stored]).toEqual([value, filtered]);
        expect(isDateTime(value)).toBe(stored);
      }),
      { numRuns: 300 },
    );
  });
});
