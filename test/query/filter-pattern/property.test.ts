import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileFlowSql,
  compileLineMatcher,
  flowEventTextSql,
} from '../../../src/query/filter-pattern/index.js';
import { Store } from '../../../src/store/index.js';
import { ingestFlowLines } from './flow-rows.js';

// Small value pools, so that random patterns and random records meet often.
const orMissing = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { freq: 5, nil: null });
const port = fc.oneof(fc.constantFrom(0, 22, 80, 443, 3389, 65535), fc.integer({ min: 0, max: 65535 }));
const counter = fc.oneof(fc.constantFrom(0, 1, 6, 22, 1000, 1001), fc.integer({ min: 0, max: 2 ** 40 }));
const address = fc.oneof(
  fc.ipV4(),
  fc.constantFrom('10.0.0.1', '172.31.16.139', '2001:db8::1', '2001:db8:1234:a100:8d6e:3477:df66:f105'),
);

/** A default-format (v2) record as its 14 field texts, `-` for missing values. */
const recordLine = fc
  .tuple(
    fc.integer({ min: 2, max: 5 }),
    orMissing(fc.constantFrom('086112738802', '123456789010', '000000000017')),
    fc.constantFrom('eni-0d5d75b41f9befe9e', 'eni-1235b8ca123456789', 'eni-22'),
    orMissing(address),
    orMissing(address),
    orMissing(port),
    orMissing(port),
    orMissing(fc.constantFrom(1, 6, 17)),
    orMissing(counter),
    orMissing(counter),
    fc.integer({ min: 1_400_000_000, max: 1_800_000_000 }),
    fc.integer({ min: 0, max: 600 }),
    orMissing(fc.constantFrom('ACCEPT', 'REJECT')),
    fc.constantFrom('OK', 'NODATA', 'SKIPDATA'),
  )
  .map(
    ([
      version,
      account,
      eni,
      src,
      dst,
      sport,
      dport,
      proto,
      packets,
      bytes,
      start,
      duration,
      action,
      status,
    ]) =>
      [
        version,
        account,
        eni,
        src,
        dst,
        sport,
        dport,
        proto,
        packets,
        bytes,
        start,
        start + duration,
        action,
        status,
      ]
        .map((v) => (v === null ? '-' : String(v)))
        .join(' '),
  );

/** Values of field `index` (0-based) in the records, or a fixed value when there are none. */
const fieldValues = (lines: readonly string[], index: number): string[] =>
  lines.map((l) => l.split(' ')[index % 14] ?? '-');

/** A term pattern: words and "phrases", some cut from the records themselves. */
const termsPattern = (lines: readonly string[]): fc.Arbitrary<string> => {
  const piece = fc
    .tuple(fc.constantFrom(...lines), fc.nat(), fc.integer({ min: 1, max: 12 }))
    .map(([line, at, length]) => {
      const start = at % line.length;
      return `"${line.slice(start, start + length)}"`;
    });
  const word = fc.constantFrom(
    'REJECT',
    'ACCEPT',
    'OK',
    'NODATA',
    'eni',
    '22',
    '6',
    '2',
    '10',
    '086112738802',
    'SKIPDATA',
    '_',
    '"- -"',
    '" "',
  );
  const term = fc.oneof(piece, word);
  return fc
    .array(fc.tuple(fc.constantFrom('', '', '?', '-'), term), { minLength: 1, maxLength: 4 })
    .map((terms) => terms.map(([p, t]) => p + t).join(' '));
};
const regexPattern = fc.constantFrom(
  '%^2 %',
  '%REJECT OK$%',
  '%\\s22\\s%',
  '%^\\d+ \\d{12} eni-[0-9a-f]+ 10\\.%',
  '%- -%',
  '%[0-9]{5}%',
  '%:[0-9a-f]{1,4}:%',
);

/** A comparison for field `index`, mostly with a value some record has there, as number, text, glob or regex. */
const comparison = (lines: readonly string[], index: number): fc.Arbitrary<string> => {
  const values = fieldValues(lines, index);
  const seen = fc.constantFrom(...values);
  const numbers = values.filter((v) => /^\d+$/.test(v));
  const fixed = fc.constantFrom('0', '1.5', '-1', '1e3', '22', '6');
  const numeric = numbers.length > 0 ? fc.oneof(fc.constantFrom(...numbers), fixed) : fixed;
  const text = fc.oneof(
    seen.map((v) => `"${v}"`),
    seen,
    seen.map((v) => `${v.slice(0, 2)}*`),
    seen.map((v) => `*${v.slice(-1)}`),
    fc.constantFrom('-', '*', 'REJECT', '*OK', '*DATA', '"* OK"'),
  );
  const regex = fc.oneof(
    seen.map((v) => `%^${v.slice(0, 1).replace(/[^\w]/, '.')}%`),
    fc.constantFrom('%EJ%', '%^-$%', '%^[0-9]+$%', '%DATA%', '%OK$%', '%T OK$%', '%\\s%'),
  );
  return fc.oneof(
    fc.tuple(fc.constantFrom('=', '!=', '<', '<=', '>', '>='), numeric).map(([op, v]) => `${op} ${v}`),
    fc.tuple(fc.constantFrom('=', '!='), text).map(([op, v]) => `${op}${v}`),
    fc.tuple(fc.constantFrom('=', '!='), regex).map(([op, v]) => `${op} ${v}`),
  );
};

/** `[f1, , f3 > 22, ..., f14]`: mostly 14 fields (the v2 format), up to two conditions, maybe one `...`. */
const delimitedPattern = (lines: readonly string[]): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.constant(14) },
      { weight: 2, arbitrary: fc.integer({ min: 1, max: 16 }) },
    )
    .chain((length) => {
      // The last item gets extra attention: without '...' it absorbs the rest of a longer event.
      const conditioned = fc
        .oneof(fc.integer({ min: 0, max: length - 1 }), fc.constant(length - 1))
        .chain((index) => {
          const name = `f${index + 1}`;
          const one = comparison(lines, index).map((c) => `${name} ${c}`);
          const two = fc.tuple(one, fc.constantFrom('&&', '||'), one).map((parts) => parts.join(' '));
          return fc.tuple(
            fc.constant(index),
            fc.oneof({ weight: 3, arbitrary: one }, { weight: 1, arbitrary: two }),
          );
        });
      return fc.tuple(
        fc.array(fc.boolean(), { minLength: length, maxLength: length }),
        fc.array(conditioned, { maxLength: 2 }),
        fc.option(fc.integer({ min: 0, max: length }), { nil: undefined }),
      );
    })
    .map(([unnamed, conditions, ellipsis]) => {
      const items = unnamed.map((empty, i) => (empty && i % 3 === 0 ? '' : `f${i + 1}`));
      for (const [index, text] of conditions) items[index] = text;
      if (ellipsis !== undefined) items.splice(ellipsis, 0, '...');
      // CloudWatch allows 2 regexes per pattern: later ones become plain words.
      let regexes = 0;
      const capped = items.map((item) => item.replace(/%[^%]*%/g, (re) => (++regexes > 2 ? 'x' : re)));
      // `[]` is a syntax error; a lone empty item is written as a name.
      return capped.length === 1 && capped[0] === '' ? '[f1]' : `[${capped.join(', ')}]`;
    });

/** Records, and patterns built partly from their values. */
const recordsAndPatterns = fc.array(recordLine, { minLength: 1, maxLength: 25 }).chain((lines) =>
  fc.tuple(
    fc.constant(lines),
    fc.array(
      fc.oneof(
        { weight: 2, arbitrary: termsPattern(lines) },
        { weight: 1, arbitrary: regexPattern },
        { weight: 4, arbitrary: delimitedPattern(lines) },
        { weight: 1, arbitrary: fc.constant('') },
      ),
      {
        minLength: 1,
        maxLength: 5,
      },
    ),
  ),
);

describe('filter patterns: JavaScript matcher and DuckDB SQL agree (property)', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.memory();
  });
  afterAll(() => store.close());

  it('select the same records, and the SQL event text is the flow-log line', async () => {
    await fc.assert(
      fc.asyncProperty(recordsAndPatterns, async ([lines, patterns]) => {
        const unit = await ingestFlowLines(store, lines);
        const text = flowEventTextSql();
        const all = await store.query(`SELECT ${text} AS line FROM flows WHERE unit_id = ${unit}`);
        expect(all.rows.map((r) => r.line).sort()).toEqual([...lines].sort());
        for (const p of patterns) {
          const matcher = compileLineMatcher(p);
          const selected = await store.query(
            `SELECT ${text} AS line FROM flows WHERE unit_id = ${unit} AND (${compileFlowSql(p)})`,
          );
          expect([p, selected.rows.map((r) => r.line).sort()]).toEqual([
            p,
            lines.filter((l) => matcher.test(l)).sort(),
          ]);
        }
      }),
      { numRuns: 150 },
    );
  });
});
