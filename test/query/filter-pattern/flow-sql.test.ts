import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  filterPatternToFlowSql,
  filterPatternToLineMatcher,
} from '../../../src/query/filter-pattern-hook.js';
import {
  compileFlowSql,
  compileLineMatcher,
  duckdbFilterDialect,
  flowEventTextSql,
} from '../../../src/query/filter-pattern/index.js';
import type { FilterPatternDialect } from '../../../src/query/filter-pattern/index.js';
import { QueryError } from '../../../src/records/index.js';
import { quoteIdentifier, sqlLiteral, Store } from '../../../src/store/index.js';
import { ingestFlowLines } from './flow-rows.js';

const SSH =
  '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]';
const fixture = join(import.meta.dirname, '../../fixtures/filter-patterns/ssh-lab.log');
const LINES = readFileSync(fixture, 'utf8').trim().split('\n').slice(1);

describe('compileFlowSql on DuckDB', () => {
  let store: Store;
  let unit: number;
  beforeAll(async () => {
    store = await Store.memory();
    unit = await ingestFlowLines(store, LINES);
  });
  afterAll(() => store.close());

  const select = async (pattern: string): Promise<string[]> => {
    const text = flowEventTextSql();
    const result = await store.query(
      `SELECT ${text} AS line FROM flows WHERE unit_id = ${unit} AND (${compileFlowSql(pattern)}) ORDER BY "start", srcaddr`,
    );
    return result.rows.map((r) => r.line as string).sort();
  };

  it('rebuilds each record as the line CloudWatch would see (@message), - for missing values', async () => {
    const result = await store.query(
      `SELECT ${flowEventTextSql()} AS line FROM flows WHERE unit_id = ${unit}`,
    );
    expect(result.rows.map((r) => r.line).sort()).toEqual([...LINES].sort());
  });

  it.each([
    SSH,
    '[version, account, eni, source, destination, srcport, destport=22, protocol=6, packets, bytes, windowstart, windowend, action=REJECT, flowlogstatus]',
    'REJECT -"22 6"',
    '?NODATA ?2001',
    '%^2 \\d+ eni-0a%',
    '[..., action="-", status]',
    '[..., bytes > 100, s, e, action, status]',
    '[v, a, eni, src=%^61\\.%, ...]',
    '[v, a, eni, src=*.128 || src=2001:*, ...]',
    '[v, a, rest]',
    '[v, a, rest=%NODATA$%]',
    '[...]',
    '[a, b, c, d, e, f, g, h, i, j, k, l, m, n, o]',
    '',
  ])('selects the records whose line the JS matcher matches: %s', async (pattern) => {
    const matcher = compileLineMatcher(pattern);
    expect(await select(pattern)).toEqual(LINES.filter((l) => matcher.test(l)).sort());
  });

  it('selects the 4 rejected TCP flows to port 22 of the fixture with the seed pattern', async () => {
    expect(await select(SSH)).toHaveLength(4);
  });

  it('keeps string columns and integer columns on their bare columns for equality', () => {
    expect(
      compileFlowSql(
        '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]',
      ),
    ).toBe(
      `COALESCE("dstport" = 22, FALSE) AND COALESCE("protocol" = 6, FALSE) AND COALESCE("action" = 'REJECT', FALSE)`,
    );
    expect(compileFlowSql('[..., port="022", a, b, c, d, e, f, g]')).toBe('FALSE');
  });

  it('quotes every literal: a quote in a term cannot escape the string', async () => {
    const sql = compileFlowSql(`"it's" -"x'); DROP TABLE flows; --"`);
    expect(sql).toContain(sqlLiteral("it's"));
    expect(await store.scalar(`SELECT count(*) FROM flows WHERE ${sql}`)).toBe(0);
    expect(compileFlowSql('[..., end = 5, action, status]')).toBe(
      `COALESCE(${quoteIdentifier('end')} = 5, FALSE)`,
    );
  });
});

describe('JSON patterns on flow records', () => {
  it.each([
    ['compileFlowSql', () => compileFlowSql('{ $.srcaddr = "10.0.0.1" }')],
    ['filterPatternToFlowSql', () => filterPatternToFlowSql('{ $.srcaddr = "10.0.0.1" }')],
    ['filterPatternToLineMatcher', () => filterPatternToLineMatcher('{ $.srcaddr = "10.0.0.1" }')],
  ])('%s refuses them with a QueryError instead of matching nothing', (_name, compile) => {
    expect(compile).toThrow(QueryError);
    try {
      compile();
    } catch (error) {
      expect((error as QueryError).code).toBe('unsupported-pattern');
    }
  });

  it('the hook still reports syntax errors with code syntax', () => {
    expect(() => filterPatternToFlowSql('[a, b')).toThrow(expect.objectContaining({ code: 'syntax' }));
    expect(filterPatternToLineMatcher(SSH)(LINES[0] as string)).toBe(true);
  });
});

describe('regular expressions: the same meaning in JavaScript and DuckDB (RE2)', () => {
  let store: Store;
  beforeAll(async () => {
    store = await Store.memory();
  });
  afterAll(() => store.close());

  it.each([
    ['%^[hc]at%', ['hat', 'cat', 'that']],
    ['%[hc]at$%', ['hat', 'cats']],
    ['%colou?r%', ['color', 'colour', 'colr']],
    ['%[abcx-z]%', ['a', 'y', 'd']],
    ['%a{3,5}%', ['aa', 'aaa']],
    ['%a{,2}b%', ['b', 'aab', 'c']],
    ['%a{2,}%', ['a', 'aa']],
    ['%gra|ey%', ['gra', 'grey', 'gray', 'ey']],
    ['%\\[.\\]%', ['[a]', '[]]', '[ ]', '[]']],
    ['%[]a]%', [']', 'a', 'b']],
    ['%[^]a]%', [']', 'a', 'b']],
    ['%10\\.10\\.0\\.1%', ['10.10.0.1', '10010,051']],
    ['%\\x3A%', ['a:b', 'ab']],
    ['%\\d+\\s\\w%', ['12 a', '12a', 'x 1 _']],
    ['%^$%', ['', 'x']],
    ['%a{%', ['a{', 'a']],
  ])('%s', async (pattern, texts) => {
    const ast = compileLineMatcher(pattern).pattern;
    if (ast.kind !== 'regex') throw new Error('not a regex pattern');
    for (const text of texts) {
      const sql = `SELECT ${duckdbFilterDialect.regexMatch(sqlLiteral(text), ast.regex.source)} AS m`;
      expect([text, (await store.query(sql)).rows[0]?.m]).toEqual([
        text,
        compileLineMatcher(pattern).test(text),
      ]);
    }
  });
});

describe('the SQL dialect seam', () => {
  // A Trino-like dialect: the generator writes engine-specific SQL only through these methods.
  const trinoLike: FilterPatternDialect = {
    quoteIdentifier,
    literal: sqlLiteral,
    toText: (expr) => `CAST(${expr} AS varchar)`,
    toDouble: (expr) => `CAST(${expr} AS double)`,
    contains: (expr, needle) => `(strpos(${expr}, ${sqlLiteral(needle)}) > 0)`,
    regexMatch: (expr, pattern) => `regexp_like(${expr}, ${sqlLiteral(pattern)})`,
    concat: (parts) => `concat(${parts.join(', ')})`,
  };

  it('writes term, regex, glob and numeric conditions with the dialect functions only', () => {
    const sql = [
      compileFlowSql('REJECT -ACCEPT', { dialect: trinoLike }),
      compileFlowSql('%^2 %', { dialect: trinoLike }),
      compileFlowSql('[v, account > 5, eni = eni-*, ...]', { dialect: trinoLike }),
    ].join('\n');
    expect(sql).toContain('strpos(');
    expect(sql).toContain('regexp_like(');
    expect(sql).toContain('AS double');
    expect(sql).not.toMatch(/regexp_matches|contains\(|VARCHAR|DOUBLE/);
  });
});
