import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS, readLineBatches } from '../../src/parse/line-reader.js';

async function readAll(chunks: string[]): Promise<{ lines: string[]; firstLines: number[] }> {
  const lines: string[] = [];
  const firstLines: number[] = [];
  for await (const batch of readLineBatches(Readable.from(chunks.map((c) => Buffer.from(c))), { name: 't' })) {
    lines.push(...batch.lines);
    firstLines.push(batch.firstLine);
  }
  return { lines, firstLines };
}

describe('readLineBatches on over-long lines', () => {
  it('cuts a line longer than MAX_LINE_CHARS, keeps the lines around it and their numbers', async () => {
    const block = 'x'.repeat(65536);
    const chunks = ['first\n2 ', ...Array.from({ length: Math.ceil((3 * MAX_LINE_CHARS) / block.length) }, () => block), 'tail\nlast\n'];
    const { lines } = await readAll(chunks);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('first');
    expect(lines[1]).toHaveLength(MAX_LINE_CHARS + 1);
    expect(lines[1]!.startsWith('2 xxx')).toBe(true);
    expect(lines[1]!.endsWith('…')).toBe(true);
    expect(lines[2]).toBe('last');
  });

  it('keeps lines split over many chunks whole below the cap', async () => {
    const line = 'a'.repeat(200_000);
    const chunks = [`${line.slice(0, 1000)}`, ...Array.from({ length: 199 }, (_, i) => line.slice(1000 + i * 1000, 2000 + i * 1000)), '\r\nnext'];
    const { lines } = await readAll(chunks);
    expect(lines).toEqual([line, 'next']);
  });
});
