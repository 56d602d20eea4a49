import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExploreRowDto } from '../../src/server/protocol.js';
import { DEFAULT_STATE, RANGES, stateFromHash, stateToHash, stateToRequest } from '../../web/src/explore-state.js';
import type { ExploreState } from '../../web/src/explore-state.js';
import { renderSankey } from '../../web/src/explore-sankey.js';

const stateArbitrary: fc.Arbitrary<ExploreState> = fc.record({
  dimensions: fc.uniqueArray(fc.constantFrom('srcaddr', 'dstaddr', 'dstport', 'protocol', 'interface_id', 'flow_direction'), { minLength: 1, maxLength: 3 }),
  metric: fc.constantFrom('bytes', 'packets', 'flows'),
  range: fc.constantFrom(...RANGES.map((r) => r.id)),
  from: fc.option(fc.integer({ min: 0, max: 2_000_000_000 }), { nil: undefined }),
  to: fc.option(fc.integer({ min: 0, max: 2_000_000_000 }), { nil: undefined }),
  filter: fc.string(),
  limit: fc.integer({ min: 1, max: 50 }),
  other: fc.boolean(),
});

describe('Explore state in the URL', () => {
  it('reads back every state it writes (filters with any characters, custom ranges)', () => {
    fc.assert(
      fc.property(stateArbitrary, (state) => {
        const read = stateFromHash(stateToHash(state));
        const custom = state.range === 'custom';
        expect(read).toEqual({ ...state, from: custom ? state.from : undefined, to: custom ? state.to : undefined });
      }),
    );
  });

  it('falls back to the defaults for unknown or missing values and ignores other hashes', () => {
    expect(stateFromHash('#explore')).toEqual({ ...DEFAULT_STATE, from: undefined, to: undefined });
    expect(stateFromHash('#explore?metric=bits&range=forever&limit=500&dims=a,b,c,d')).toMatchObject({ metric: 'bytes', range: 'all', limit: 10, dimensions: ['a', 'b', 'c'] });
    expect(stateFromHash('#query')).toBeUndefined();
    expect(stateFromHash('')).toBeUndefined();
  });

  it('turns "last N hours" into whole hours ending after the latest record', () => {
    const latest = 1_714_607_999; // 2024-05-01T23:59:59Z
    expect(stateToRequest({ ...DEFAULT_STATE, range: '6h' }, latest)).toMatchObject({ start: 1_714_608_000 - 6 * 3600, end: 1_714_608_000 });
    expect(stateToRequest({ ...DEFAULT_STATE, range: 'all' }, latest)).not.toHaveProperty('start');
    expect(stateToRequest({ ...DEFAULT_STATE, range: 'custom', from: 100, to: 200, filter: '  action = "REJECT" ' }, latest)).toMatchObject({ start: 100, end: 200, filter: 'action = "REJECT"' });
    expect(stateToRequest({ ...DEFAULT_STATE, range: '24h' }, null)).not.toHaveProperty('start');
  });
});

describe('renderSankey', () => {
  const rows: ExploreRowDto[] = [
    { key: ['10.0.0.1', '10.0.0.9', 443], value: 600 },
    { key: ['10.0.0.2', '10.0.0.9', 443], value: 300 },
    { key: ['10.0.0.1', '10.0.0.8', 22], value: 100 },
    { key: ['10.0.0.3', null, 53], value: 0 },
  ];
  const svg = renderSankey(rows, ['src', 'dst', 'port'], (_c, v) => String(v ?? '–'), String, (i) => `#00000${i}`, 600);

  it('draws a node per value and column and a ribbon per pair of neighbouring values (empty groups left out)', () => {
    expect(svg.match(/data-column="0"/g)).toHaveLength(2);
    expect(svg.match(/data-column="1"/g)).toHaveLength(2);
    expect(svg.match(/data-column="2"/g)).toHaveLength(2);
    const ribbons = [...svg.matchAll(/class="ribbon"[^>]*fill="([^"]+)" data-value="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
    // src→dst: three pairs; dst→port: 10.0.0.9→443 (900) and 10.0.0.8→22 (100).
    expect(ribbons).toHaveLength(5);
    expect(ribbons.filter(([, v]) => v === 900)).toEqual([['#000000', 900]]);
    expect(ribbons.reduce((sum, [, v]) => sum + Number(v), 0)).toBe(2000);
  });

  it('escapes labels', () => {
    const html = renderSankey([{ key: ['<b>', 'x'], value: 1 }], ['a', 'b'], (_c, v) => String(v), String, () => '#000', 300);
    expect(html).not.toContain('<b>');
    expect(html).toContain('&#60;b&#62;');
  });
});
