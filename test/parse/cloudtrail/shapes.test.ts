import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerKeys } from '../../../src/parse/cloudtrail/shapes.js';

// The plain definition: entries in Object.entries order, keyed by lowercase name, the first spelling kept.
function referenceLowerKeys(object: Record<string, unknown>): [string, unknown][] {
  const map = new Map<string, unknown>();
  for (const [key, value] of Object.entries(object)) if (!map.has(key.toLowerCase())) map.set(key.toLowerCase(), value);
  return [...map];
}

describe('lowerKeys', () => {
  it('keys a parsed JSON object by lowercase name, first spelling winning, in key order', () => {
    const key = fc.stringMatching(/^[a-zA-Z_0-9]{0,6}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.jsonValue()), { maxLength: 12 }), (entries) => {
        const text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
        const object = JSON.parse(text) as Record<string, unknown>;
        expect([...lowerKeys(object)]).toEqual(referenceLowerKeys(object));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a "__proto__" key of the JSON as an ordinary key', () => {
    const object = JSON.parse('{"__proto__": {"a": 1}, "EventName": "x", "eventname": "y"}') as Record<string, unknown>;
    expect([...lowerKeys(object)]).toEqual([
      ['__proto__', { a: 1 }],
      ['eventname', 'x'],
    ]);
  });
});
