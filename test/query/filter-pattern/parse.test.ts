import { describe, expect, it } from 'vitest';
import {
  FilterPatternSyntaxError,
  parseFilterPattern,
  termSemantics,
} from '../../../src/query/filter-pattern/index.js';
import type { TermsPattern } from '../../../src/query/filter-pattern/index.js';
import { QueryError } from '../../../src/records/index.js';

const SSH =
  '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]';

function syntaxError(pattern: string): FilterPatternSyntaxError {
  try {
    parseFilterPattern(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterPatternSyntaxError);
    return error as FilterPatternSyntaxError;
  }
  throw new Error(`"${pattern}" parsed`);
}

describe('parseFilterPattern', () => {
  it.each([
    ['', 'all'],
    ['   ', 'all'],
    ['ERROR', 'terms'],
    ['"INTERNAL SERVER ERROR"', 'terms'],
    ['%AUTHORIZED%', 'regex'],
    [' [a, b]', 'delimited'],
    ['{ $.a = 1 }', 'json'],
  ])('dispatches %j on its first character to a %s pattern', (pattern, kind) => {
    expect(parseFilterPattern(pattern).kind).toBe(kind);
  });

  it('reads the seed SSH pattern as 14 fields with three string conditions', () => {
    const ast = parseFilterPattern(SSH);
    if (ast.kind !== 'delimited') throw new Error('not delimited');
    expect(ast.items).toHaveLength(14);
    const conditions = ast.items.flatMap((item) =>
      item.kind === 'field' && item.condition ? [[item.name, item.condition]] : [],
    );
    expect(conditions).toEqual([
      [
        'destport',
        {
          kind: 'compare',
          operator: '=',
          value: { kind: 'string', value: '22', quoted: true },
          position: SSH.indexOf('="22"'),
        },
      ],
      [
        'protocol',
        {
          kind: 'compare',
          operator: '=',
          value: { kind: 'string', value: '6', quoted: true },
          position: SSH.indexOf('="6"'),
        },
      ],
      [
        'action',
        {
          kind: 'compare',
          operator: '=',
          value: { kind: 'string', value: 'REJECT', quoted: true },
          position: SSH.indexOf('="REJECT"'),
        },
      ],
    ]);
  });

  it('tells numbers from strings: bare numbers compare numerically, quoted values and words as text', () => {
    const ast = parseFilterPattern('[a = 22, b = "22", c = 4*, d >= -1.5e3, e = %^x%]');
    if (ast.kind !== 'delimited') throw new Error('not delimited');
    const values = ast.items.map((item) =>
      item.kind === 'field' && item.condition?.kind === 'compare' ? item.condition.value.kind : undefined,
    );
    expect(values).toEqual(['number', 'string', 'string', 'number', 'regex']);
  });

  it('binds && tighter than || within a field', () => {
    const ast = parseFilterPattern('[w1 = a || w1 = b && w1 != c, w2]');
    if (ast.kind !== 'delimited' || ast.items[0]?.kind !== 'field') throw new Error('not delimited');
    const condition = ast.items[0].condition;
    expect(condition?.kind).toBe('or');
    expect(condition?.kind === 'or' && condition.items.map((c) => c.kind)).toEqual(['compare', 'and']);
  });

  it('keeps empty items as unnamed fields: a trailing comma is one more field (FPS19 `[..., request=*.html*, status_code=4*,]`)', () => {
    const ast = parseFilterPattern('[..., request=*.html*, status_code=4*,]');
    expect(
      ast.kind === 'delimited' && ast.items.map((i) => (i.kind === 'field' ? (i.name ?? '') : '...')),
    ).toEqual(['...', 'request', 'status_code', '']);
  });

  it.each([
    ['?ERROR ?ARGUMENTS REQUEST', { all: ['REQUEST'], none: [], any: [] }],
    ['?ERROR ?ARGUMENTS', { all: [], none: [], any: ['ERROR', 'ARGUMENTS'] }],
    ['ERROR -ARGUMENTS', { all: ['ERROR'], none: ['ARGUMENTS'], any: [] }],
    ['-ERROR ?WARN', { all: [], none: ['ERROR'], any: [] }],
    ['"ERROR" - "Exiting"', { all: ['ERROR'], none: ['Exiting'], any: [] }],
    ['" "', { all: [], none: [], any: [] }],
  ])('applies the ? rule to %j', (pattern, expected) => {
    expect(termSemantics(parseFilterPattern(pattern) as TermsPattern)).toEqual(expected);
  });

  it('reads JSON selectors with indexes, wildcards and quoted keys', () => {
    const ast = parseFilterPattern("{ $.a[0].b = 1 && $.arr[*] = x || $.['cluster.name'] IS NULL }");
    expect(ast).toMatchObject({
      kind: 'json',
      expression: {
        kind: 'or',
        items: [
          {
            kind: 'and',
            items: [
              { selector: { steps: [{ key: 'a' }, { index: 0 }, { key: 'b' }] } },
              { selector: { steps: [{ key: 'arr' }, { kind: 'wildcard' }] } },
            ],
          },
          { kind: 'test', test: 'null', selector: { steps: [{ kind: 'key', key: 'cluster.name' }] } },
        ],
      },
    });
  });
});

describe('filter pattern syntax errors', () => {
  const regexes3 = '[a=%x%, b=%y%, c=%z%]';
  it.each([
    ['[a, b', 5, '"," or "]"'],
    ['[a, b=]', 6, 'a value'],
    ['[a b]', 3, 'a comparison'],
    ['[w1=ERROR && w2=WARN, x]', 13, 'the field name w1'],
    ['[bytes > big]', 9, 'a number after >'],
    ['[a = %x% > 1]', 9, '"," "]" "&&" or "||" after the value'],
    ['[..., a, ...]', 9, 'a field name'],
    ['[]', 1, 'a field name or "..."'],
    ['[a=1] x', 6, 'the end of the pattern'],
    [regexes3, regexes3.indexOf('%z%'), 'at most 2 regular expressions'],
    ['foo-bar', 3, 'a letter, digit or _'],
    ['ERROR 172.31.9.69', 9, 'a letter, digit or _'],
    ['"unterminated', 13, 'a closing "'],
    ['?', 1, 'a term'],
    ['ERROR %x%', 6, 'a term'],
    ['%abc', 4, 'a closing %'],
    ['%a(b)%', 2, 'a letter, digit'],
    ['%something!%', 10, 'a letter, digit'],
    ['%abc% x', 6, 'the end of the pattern'],
    ['%[abc%', 5, '"]" closing the character class'],
    ['%a\\qb%', 2, 'an escape'],
    ['%a{2000}%', 2, 'a repeat count'],
    ['{ $.a = 1', 9, '"&&", "||" or "}"'],
    ['{ a = 1 }', 2, 'a selector'],
    ['{ $.a ~ 1 }', 6, 'a comparison'],
    ['{ $.a = * && $.b != * }', 20, 'a value other than *'],
    ['{ $.a[*].b[*] = 1 }', 10, 'at most one wildcard per selector'],
    ['{ $.a > "x" }', 8, 'a number after >'],
    ['{ $.a = 1 } x', 12, 'the end of the pattern'],
    ['x'.repeat(1025), 1024, 'at most 1024 characters'],
  ])('%j fails at offset %i expecting %s', (pattern, position, expected) => {
    const error = syntaxError(pattern);
    expect(error).toBeInstanceOf(QueryError);
    expect(error.code).toBe('syntax');
    expect(error.position).toBe(position);
    expect(error.expected).toContain(expected);
    expect(error.message).toContain(`column ${position + 1}`);
    expect(error.message).not.toContain('\n');
  });
});
