import { describe, expect, it } from 'vitest';
import { duckdb } from '../../../src/engines/index.js';
import { compileInsights, flowsSource, parseInsights, periodMillis, tokenize } from '../../../src/query/insights/index.js';
import type { QueryError } from '../../../src/records/index.js';

function failure(run: () => unknown): QueryError {
  try {
    run();
  } catch (error) {
    return error as QueryError;
  }
  throw new Error('expected an error');
}

const compile = (q: string) => compileInsights(q, { dialect: duckdb, source: flowsSource() });

describe('tokenize', () => {
  it('tells regexes from division by what comes before the slash', () => {
    expect(tokenize('filter a like /x\\/y/ | fields bytes / 2').map((t) => t.kind)).toEqual(['ident', 'ident', 'ident', 'regex', 'op', 'ident', 'ident', 'op', 'number', 'eof']);
  });

  it('reads periods, backtick names, both quote styles and skips # comments', () => {
    const tokens = tokenize("# top\nstats count(*) by bin(5m) | filter `log-status` = 'OK' and b = \"x\"");
    expect(tokens.filter((t) => t.kind === 'period').map((t) => t.text)).toEqual(['5m']);
    expect(tokens.find((t) => t.quoted)?.text).toBe('log-status');
    expect(tokens.filter((t) => t.kind === 'string').map((t) => t.text)).toEqual(['OK', 'x']);
  });
});

describe('parseInsights', () => {
  it('parses every command of the supported subset', () => {
    const q = parseInsights(
      'FIELDS @timestamp, bytes / packets as bpp | filter action = "REJECT" and not (dstPort in [22, 3389]) | parse @message "* *" as a, b ' +
        '| parse @message /(?<port>\\d+) / | stats count(*) as n, pct(bytes, 95) by bin(5m) as t, srcAddr | sort n desc, t | limit 5 | dedup srcAddr | display n',
    );
    expect(q.commands.map((c) => c.kind)).toEqual(['fields', 'filter', 'parse', 'parse', 'stats', 'sort', 'limit', 'dedup', 'display']);
    const stats = q.commands[4];
    expect(stats?.kind === 'stats' && stats.aggregates.map((a) => a.alias ?? a.text)).toEqual(['n', 'pct(bytes, 95)']);
    expect(stats?.kind === 'stats' && stats.by.map((b) => b.alias ?? b.text)).toEqual(['t', 'srcAddr']);
    const parse = q.commands[3];
    expect(parse?.kind === 'parse' && parse.names).toEqual(['port']);
  });

  it.each([
    ['a or b and c', 'or'],
    ['not a = 1', 'not'],
    ['a + b * c', '+'],
    ['a like "x" or b not like /y/', 'or'],
    ['2 ^ 3 ^ 2', '^'],
  ])('binds %s with %s at the top', (expr, op) => {
    const command = parseInsights(`filter ${expr}`).commands[0];
    const top = command?.kind === 'filter' ? command.expr : undefined;
    expect(top?.kind === 'binary' || top?.kind === 'unary' ? top.op : top?.kind).toBe(op);
  });

  it('converts periods to milliseconds', () => {
    expect([periodMillis('5m'), periodMillis('1h'), periodMillis('30s'), periodMillis('2d'), periodMillis('100ms')]).toEqual([300_000, 3_600_000, 30_000, 172_800_000, 100]);
  });

  it('treats unmask as a no-op and sort by as sort', () => {
    expect(parseInsights('unmask @message | sort by bytes desc').commands.map((c) => c.kind)).toEqual(['sort']);
  });
});

describe('syntax errors', () => {
  it.each([
    ['stats count(*) by', 'syntax', 1, 18, 'expected a field'],
    ['filter action = "REJECT" stats count(*)', 'syntax', 1, 26, 'expected "|"'],
    ['filter (action = "REJECT"', 'syntax', 1, 26, 'expected ")"'],
    ['fields a\n| filtr b', 'syntax', 2, 3, 'unknown command'],
    ['filter a = "x', 'syntax', 1, 12, 'unterminated string'],
    ['filter a in [1, 2', 'syntax', 1, 18, 'expected "," or "]"'],
    ['parse @message "[*] *" as a', 'syntax', 1, 16, 'has 2 "*" but 1 names'],
    ['limit 0', 'syntax', 1, 7, 'out of range'],
    ['stats sum(bytes) by bin(5)', 'syntax', 1, 25, 'expected a period'],
    ['diff previousDay', 'unsupported', 1, 1, 'not supported'],
    ['filter srcAdr = "1.2.3.4"', 'unknown-field', 1, 8, 'unknown field "srcAdr"'],
    ['stats count(*) as n by srcAddr | filter bytes > 1', 'unknown-field', 1, 41, 'after stats'],
    ['filter srcAddr like /a(b/', 'bad-regex', 1, 21, 'bad regular expression'],
    ['filter srcAddr =~ /(?=x)/', 'bad-regex', 1, 19, 'lookaround'],
    ['filter isIpInSubnet(srcAddr, "10.0.0.0/33")', 'bad-cidr', 1, 30, 'invalid prefix'],
    ['filter count(*) > 1', 'syntax', 1, 8, 'aggregate function'],
    ['stats bytes by srcAddr', 'syntax', 1, 7, 'expected an aggregate'],
    ['fields nosuchfn(bytes)', 'unsupported', 1, 8, 'unknown function'],
  ])('%s → %s at %i:%i', (query, code, line, column, text) => {
    const error = failure(() => compile(query));
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
    expect(error.message).toContain(`at line ${line}, column ${column}`);
    // The hint ends with the query line and a caret under the position.
    expect(error.hint?.split('\n').at(-1)).toBe(`${' '.repeat(column - 1)}^`);
  });

  it('suggests the closest field name', () => {
    expect(failure(() => compile('stats count(*) by dstadr')).hint).toContain('did you mean dstAddr?');
  });
});
