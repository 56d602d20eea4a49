import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderCsvLine, renderCsvLines } from '../../src/cli/render.js';

describe('renderCsvLines', () => {
  it('writes each row exactly as renderCsvLine does (property)', () => {
    const value = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.string(),
      fc.constantFrom('a,b', 'say "hi"', 'two\nlines', 'cr\r', '', ' '),
      fc.integer(),
      fc.double(),
      fc.bigInt(),
      fc.boolean(),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(value, { minLength: 1, maxLength: 6 }), { maxLength: 20 }), (rows) => {
        expect(renderCsvLines(rows)).toBe(rows.map((row) => renderCsvLine(row)).join(''));
      }),
      { numRuns: 300 },
    );
  });
});
