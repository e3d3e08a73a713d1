import { ScimError } from '../../../src/domain/errors.js';
import { attribute } from '../../../src/domain/schema/define.js';
import type { AttributeType } from '../../../src/domain/schema/types.js';
import { coerceSimpleValue, isBase64, isDateTime } from '../../../src/domain/schema/values.js';

const coerce = (type: AttributeType, value: unknown) =>
  coerceSimpleValue(attribute('x', type, 'test'), value, 'x');

describe('coerceSimpleValue (RFC 7643 §2.3)', () => {
  it.each<[AttributeType, unknown, unknown]>([
    ['string', 'abc', 'abc'],
    ['string', '', ''],
    ['reference', 'https://example.com/u/1', 'https://example.com/u/1'],
    ['reference', '../Users/1', '../Users/1'],
    ['boolean', true, true],
    ['boolean', false, false],
    ['integer', 42, 42],
    ['integer', -7, -7],
    ['decimal', 1.5, 1.5],
    ['decimal', 3, 3],
    ['dateTime', '2008-01-23T04:56:22Z', '2008-01-23T04:56:22Z'],
    ['dateTime', '2015-09-01T12:00:00.123+02:00', '2015-09-01T12:00:00.123+02:00'],
    ['binary', 'TWFu', 'TWFu'],
    ['binary', 'TWE=', 'TWE='],
    ['binary', 'TQ==', 'TQ=='],
  ])('accepts %s %j and stores %j', (type, value, stored) => {
    expect(coerce(type, value)).toEqual(stored);
  });

  it.each<[AttributeType, unknown]>([
    ['string', 1],
    ['string', true],
    ['string', {}],
    ['reference', 5],
    ['boolean', 'yes'],
    ['boolean', 1],
    ['boolean', 'T'],
    // Strings are the entra.stringBooleans rule's to convert (test/unit/dialects), before this check.
    ['boolean', 'True'],
    ['integer', 1.5],
    ['integer', '1'],
    ['integer', Number.MAX_SAFE_INTEGER + 2],
    ['decimal', '1.5'],
    ['decimal', Number.NaN],
    ['decimal', Infinity],
    ['dateTime', '2008-01-23'],
    ['dateTime', '2008-13-01T00:00:00Z'],
    ['dateTime', 'yesterday'],
    ['dateTime', 1234567890],
    ['binary', 'not base64!'],
    ['binary', 'TWF'],
    ['binary', 42],
  ])('rejects %s %j with 400 invalidValue naming the attribute (RFC 7643 §2.3)', (type, value) => {
    let error: unknown;
    try {
      coerce(type, value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScimError);
    expect(error).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: expect.stringContaining("'x'"),
    });
  });

  it('refuses complex attributes, which are not simple values', () => {
    expect(() => coerce('complex', {})).toThrow(/not a simple value/);
  });
});

describe('format checks', () => {
  it.each([
    ['2008-01-23T04:56:22Z', true],
    ['2008-01-23T04:56:22', true],
    ['2008-01-23T04:56:22.5-05:00', true],
    ['2008-01-23 04:56:22Z', false],
    ['2008-01-23T04:56Z', false],
    ['2008-02-30T25:00:00Z', false],
    // Stricter than before: Date.parse accepted these, the filter compiler did not. One definition now.
    ['2024-02-30T00:00:00Z', false],
    ['2024-01-01T24:00:00Z', false],
    ['0000-01-01T00:00:00Z', false],
    ['-0001-01-01T00:00:00Z', false],
    ['2020-01-01T00:00:00+24:00', false],
    ['2024-01-01T00:00:00.123456789Z', true],
  ])('isDateTime(%j) is %s (xsd:dateTime, RFC 7643 §2.3.5)', (value, expected) => {
    expect(isDateTime(value)).toBe(expected);
  });

  it.each([
    ['', true],
    ['TWFu\nTWFu', true],
    ['TWFu TWFu', false],
    ['TWFu=', false],
    ['TW-_', false],
  ])('isBase64(%j) is %s (RFC 4648 §4, RFC 7643 §2.3.6)', (value, expected) => {
    expect(isBase64(value)).toBe(expected);
  });
});
