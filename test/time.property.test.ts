// Times become UTC ISO 8601 as Date.parse and toISOString make them, whatever shortcut the reading takes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseClfTime, parseIsoTime } from '../src/extract/context.js';

/** toISOString of what Date.parse makes of a text, or undefined: the rule the readers keep. */
function viaDate(text: string): string | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Components in and just out of range: day 0 and 29 to 32 of every month, hour 24, second 60, leap years and
// their century exceptions.
const parts = fc.record({
  year: fc.oneof(
    fc.constantFrom(1900, 2000, 2023, 2024, 2100, 2400, 0, 9999),
    fc.integer({ min: 0, max: 9999 }),
  ),
  month: fc.integer({ min: 0, max: 13 }),
  day: fc.oneof(fc.constantFrom(0, 28, 29, 30, 31, 32), fc.integer({ min: 1, max: 31 })),
  hour: fc.oneof(fc.constantFrom(0, 23, 24, 25), fc.integer({ min: 0, max: 23 })),
  minute: fc.oneof(fc.constantFrom(59, 60), fc.integer({ min: 0, max: 59 })),
  second: fc.oneof(fc.constantFrom(59, 60, 61), fc.integer({ min: 0, max: 59 })),
});

describe('times as UTC ISO 8601', () => {
  it('an ISO-like time, as Date.parse and toISOString make it', () => {
    fc.assert(
      fc.property(
        parts,
        fc.constantFrom('', '.5', '.123', '.123456789', ',25'),
        fc.constantFrom('Z', '', '+00:00', '-00:00', '+0530', '-08:00'),
        fc.constantFrom('T', ' '),
        (p, fraction, zone, sep) => {
          const date = `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}`;
          const time = `${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}`;
          const digits = fraction.slice(1);
          const ms = `.${digits.slice(0, 3).padEnd(3, '0')}`;
          const z = zone === '' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
          expect(parseIsoTime(`at ${date}${sep}${time}${fraction}${zone} x`)).toBe(
            viaDate(`${date}T${time}${ms}${z}`),
          );
        },
      ),
      { numRuns: 3000, seed: 29 },
    );
  });

  it('an access-log (CLF) time, as Date.parse and toISOString make it', () => {
    fc.assert(
      fc.property(parts, fc.constantFrom('+0000', '-0000', '+0200', '-0530'), (p, offset) => {
        if (p.month < 1 || p.month > 12) return;
        const text = `${pad(p.day, 2)}/${MONTHS[p.month - 1]}/${pad(p.year, 4)}:${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)} ${offset}`;
        const iso = `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}T${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}${offset.slice(0, 3)}:${offset.slice(3)}`;
        expect(parseClfTime(text)).toBe(viaDate(iso));
      }),
      { numRuns: 3000, seed: 31 },
    );
  });

  it.each([
    ['a JSON log time', '2026-11-24T10:00:00.123Z', '2026-11-24T10:00:00.123Z'],
    ['February 29 of a leap year', '2024-02-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z'],
    ['February 30, moved on as Date.parse does', '2026-02-30T00:00:00.000Z', '2026-03-02T00:00:00.000Z'],
    ['hour 24, the next midnight', '2026-11-24T24:00:00.000Z', '2026-11-25T00:00:00.000Z'],
    ['February 29 of 2100 (not a leap year)', '2100-02-29T12:00:00.000Z', '2100-03-01T12:00:00.000Z'],
  ])('%s', (_name, text, iso) => {
    expect(parseIsoTime(text)).toBe(iso);
  });
});
