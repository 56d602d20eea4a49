import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFlowSql, compileLineMatcher } from '../../../src/query/filter-pattern/index.js';
import { Store } from '../../../src/store/index.js';
import { ingestFlowLines } from './flow-rows.js';

interface PatternCase {
  id: string;
  pattern: string;
  line: string;
  matches: boolean | null;
  kind: string;
  extractedValues?: Record<string, string>;
}

// Copied from ../shared/docs/cloudwatch-cases/filter-pattern-cases.json (CI may not have ../shared).
const file = join(import.meta.dirname, '../../fixtures/filter-patterns/filter-pattern-cases.json');
const cases = (JSON.parse(readFileSync(file, 'utf8')) as { cases: PatternCase[] }).cases;
const isFlowLine = (line: string): boolean => /^\d+ \S+ eni-\S+( \S+){11}$/.test(line);

describe('filter-pattern-cases.json', () => {
  it('holds the cases this suite expects', () => {
    expect(cases).toHaveLength(33);
    expect(cases.every((c) => c.matches !== null)).toBe(true);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s: the line matcher agrees with AWS', (_id, c) => {
    const matcher = compileLineMatcher(c.pattern);
    expect(matcher.test(c.line)).toBe(c.matches);
    const extracted = matcher.match(c.line);
    expect(extracted !== null).toBe(c.matches);
    if (c.extractedValues) expect(extracted).toEqual(c.extractedValues);
  });

  describe('cases on flow records, compiled to SQL and run on DuckDB', () => {
    const flowCases = cases.filter((c) => isFlowLine(c.line) && c.kind !== 'json');
    let store: Store;
    beforeAll(async () => {
      store = await Store.memory();
    });
    afterAll(() => store.close());

    it('include the seed SSH pattern and the match-all pattern', () => {
      expect(flowCases.map((c) => c.id)).toEqual(
        expect.arrayContaining(['fp-001', 'fp-002', 'fp-003', 'fp-004', 'fp-073']),
      );
    });

    it.each(flowCases.map((c) => [c.id, c] as const))(
      '%s: the SQL selects the record exactly when AWS matches the line',
      async (_id, c) => {
        const unit = await ingestFlowLines(store, [c.line]);
        const count = await store.scalar(
          `SELECT count(*) FROM flows WHERE unit_id = ${unit} AND ${compileFlowSql(c.pattern)}`,
        );
        expect(count).toBe(c.matches ? 1 : 0);
      },
    );
  });
});
