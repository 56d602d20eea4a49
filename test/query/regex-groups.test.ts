import { describe, expect, it } from 'vitest';
import { onlyCapturingGroup } from '../../src/engines/index.js';
import { numberNamedGroups } from '../../src/query/insights/regex.js';
import { mapCapturingGroups } from '../../src/query/regex-groups.js';

/** How many capturing groups JavaScript itself sees in a pattern (the reference for the scanner). */
function jsGroupCount(pattern: string): number {
  return (new RegExp(`${pattern}|`).exec('')?.length ?? 1) - 1;
}

describe('mapCapturingGroups', () => {
  it.each([
    ['(a)(b)', 2],
    ['\\((a)\\)', 1],
    ['[(](a)', 1],
    ['[]()](a)', 1],
    ['[^]()](a)', 1],
    ['(?:x)(a)(?=y)', 1],
    ['(?<src>\\S+) (?<dst>\\S+) (\\d+)', 3],
    ['a\\[(b)]', 1],
  ])('numbers the capturing groups of %s as RE2 does', (pattern, count) => {
    const numbers: number[] = [];
    const same = mapCapturingGroups(pattern, (g) => {
      numbers.push(g.number);
      return g.text;
    });
    expect(same).toBe(pattern);
    expect(numbers).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    // JavaScript agrees except on `[]…]`, an empty class to it but a class holding `]` to RE2 (the SQL engines).
    if (!pattern.includes('[]') && !pattern.includes('[^]')) expect(count).toBe(jsGroupCount(pattern));
  });

  it('keeps one group for the SQL engines and numbers named groups for Insights', () => {
    expect(onlyCapturingGroup('(a)[(](b)(?<c>d)', 2)).toBe('(?:a)[(](b)(?:d)');
    const numbered = numberNamedGroups('(?<src>\\S+) []x](\\d+) (?P<dst>\\S+)');
    expect(numbered.pattern).toBe('(\\S+) []x](\\d+) (\\S+)');
    expect([...numbered.groups]).toEqual([['src', 1], ['dst', 3]]);
  });
});
