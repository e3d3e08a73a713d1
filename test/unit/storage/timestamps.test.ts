import fc from 'fast-check';
import { isoTimestamp } from '../../../src/storage/timestamps.js';

/** What the general path gives: the text parsed as a Date, then written out (the reference). */
function viaDate(text: string): string {
  return new Date(text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')).toISOString();
}

describe('isoTimestamp: PostgreSQL timestamptz text as RFC 7643 dateTime', () => {
  it.each([
    ['2026-11-28 14:30:00.123456+00', '2026-11-28T14:30:00.123Z'],
    ['2026-11-28 14:30:00+00', '2026-11-28T14:30:00.000Z'],
    ['2026-11-28 14:30:00.5+00', '2026-11-28T14:30:00.500Z'],
    ['2026-11-28 14:30:00.999999+00', '2026-11-28T14:30:00.999Z'],
    ['2026-11-28 16:30:00.25+02', '2026-11-28T14:30:00.250Z'],
    ['2026-11-28 14:00:00+05:30', '2026-11-28T08:30:00.000Z'],
  ])('%s → %s', (text, expected) => {
    expect(isoTimestamp(text)).toBe(expected);
  });

  it('the UTC text shortcut equals parsing through Date (property)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 0, max: 6 }),
        (date, micros, digits) => {
          const [day, time] = date.toISOString().slice(0, 19).split('T');
          const fraction =
            `${String(date.getUTCMilliseconds()).padStart(3, '0')}${String(micros).padStart(3, '0')}`.slice(
              0,
              digits,
            );
          const text = `${day} ${time}${digits > 0 ? `.${fraction}` : ''}+00`;
          expect(isoTimestamp(text)).toBe(viaDate(text));
        },
      ),
      { numRuns: 500 },
    );
  });
});
