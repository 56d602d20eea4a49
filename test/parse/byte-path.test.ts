import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileByteLineTest,
  compileTokenParser,
  decodeUnit,
  DEFAULT_LOG_FORMAT,
  parseFormatString,
  tokenizeLine,
} from '../../src/parse/index.js';
import type { AddressNumbers, BatchingRowSink, LogFormat, ParseIssue } from '../../src/parse/index.js';
import { addressToBigInt } from '../../src/records/index.js';
import type { FieldValue } from '../../src/records/index.js';
import { V2_HEADER } from '../helpers/temp-store.js';

const V2 = '2 123456789010 eni-1 10.0.1.5 10.0.2.6 443 49152 6 10 840 1439387263 1439387264 ACCEPT OK';
const HEADER = V2_HEADER;
const V5 = parseFormatString('${version} ${vpc-id} ${srcaddr} ${dstaddr} ${pkt-dstaddr} ${tcp-flags} ${traffic-path} ${flow-direction} ${action} ${log-status}');

// The byte test is an optimisation: whatever it accepts, the token parser must accept too, with the same addresses.
const token = fc.oneof(
  fc.constantFrom('-', '0', '22', '443', '65535', '65536', '255', '256', '999999999', '2147483648', '1234567890123456', '007', 'ACCEPT', 'REJECT', 'OK', 'NODATA', 'x', 'eni-1'),
  fc.constantFrom('10.0.0.1', '255.255.255.255', '256.1.1.1', '1.2.3', '2001:db8::1', '01.2.3.4', '1.2.3.04', '1.2.3.4.5', 'é', 'a\tb'),
  fc.nat({ max: 70000 }).map(String),
  fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !/[\s]/.test(s)),
);

describe('compileByteLineTest', () => {
  it.each([
    ['the default format', DEFAULT_LOG_FORMAT],
    ['a v5 custom format', V5],
  ])('never accepts a line the token parser refuses, and computes the same addresses (%s)', (_name, format) => {
    const test = compileByteLineTest(format)!;
    const parse = compileTokenParser(format);
    const src = format.columns.indexOf('srcaddr');
    const dst = format.columns.indexOf('dstaddr');
    fc.assert(
      fc.property(fc.array(token, { minLength: format.fields.length, maxLength: format.fields.length }), (tokens) => {
        const line = tokens.join(' ');
        const bytes = Buffer.from(line, 'utf8');
        const out: AddressNumbers = { src: 0, dst: 0 };
        if (!test(bytes, 0, bytes.length, out)) return;
        const values: FieldValue[] = [];
        expect(parse(tokenizeLine(line), values)).toBeNull();
        const number = (value: FieldValue | undefined): number => (value === null || value === undefined ? -1 : Number(addressToBigInt(String(value))));
        expect(out).toEqual({ src: number(values[src]), dst: number(values[dst]) });
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts the common case and sends the rest to the string path', () => {
    const test = compileByteLineTest(DEFAULT_LOG_FORMAT)!;
    const accepts = (line: string): boolean => test(Buffer.from(line), 0, Buffer.byteLength(line), { src: 0, dst: 0 });
    expect(accepts(V2)).toBe(true);
    expect(accepts('2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA')).toBe(true);
    expect(accepts(V2.replace('10.0.1.5', '2001:db8::1'))).toBe(false);
    expect(accepts(V2.replace(' 10.0.2.6', '  10.0.2.6'))).toBe(false);
    expect(accepts(V2.replace('eni-1', 'eni-é'))).toBe(false);
    expect(accepts(HEADER)).toBe(false);
  });

  it('is not used for formats without typed fields, where a header would look like a record', () => {
    expect(compileByteLineTest(parseFormatString('vpc-id subnet-id'))).toBeNull();
  });
});

/** What a unit decodes to: rows as [format header, values] (raw records parsed back with the token parser) and issues. */
async function decodeAll(data: Buffer, bytes: boolean, format?: LogFormat): Promise<{ rows: unknown[]; issues: ParseIssue[]; raw: number }> {
  const rows: unknown[] = [];
  const issues: ParseIssue[] = [];
  let raw = 0;
  const sink: BatchingRowSink = {
    row: (f, values, meta) => rows.push([f.header, [...values], meta.line, meta.eventId ?? null]),
    issue: (issue) => issues.push(issue),
  };
  if (bytes) {
    sink.rawRecord = (f, buffer, start, end) => {
      raw++;
      const line = Buffer.from(buffer.subarray(start, end)).toString('utf8');
      const values: FieldValue[] = [];
      expect(compileTokenParser(f)(tokenizeLine(line), values)).toBeNull();
      rows.push([f.header, values, null, null]);
    };
  }
  await decodeUnit({ key: 'u', kind: 'text', open: async () => Readable.from([data.subarray(0, 7), data.subarray(7)]) }, sink, { format });
  // Raw records carry no line number: compare rows without it.
  return { rows: rows.map((r) => [(r as unknown[])[0], (r as unknown[])[1], (r as unknown[])[3]]), issues, raw };
}

describe('the byte path of decodeUnit', () => {
  const text = [
    HEADER,
    V2,
    '',
    V2.replace('10.0.1.5', '2001:db8::1'),
    `${V2.replace(' 443 ', ' 443  ')}\r`,
    'garbage here',
    JSON.stringify({ eventId: 'e1', timestamp: 1, message: V2 }),
    'srcaddr dstaddr action',
    '10.0.0.1 10.0.0.2 REJECT',
    V2.replace(' 443 ', ' x443 '),
    HEADER,
    `${V2}\r`,
    V2,
  ].join('\n');

  it.each([
    ['plain', Buffer.from(`\uFEFF${text}\n`)],
    ['gzip without a final newline', gzipSync(Buffer.from(text))],
  ])('gives the same rows and issues as the string path (%s)', async (_name, data) => {
    const strings = await decodeAll(data, false);
    const bytes = await decodeAll(data, true);
    expect(bytes.raw).toBeGreaterThanOrEqual(3);
    expect(bytes.issues).toEqual(strings.issues);
    expect(bytes.rows).toEqual(strings.rows);
  });

  it('reads header-less lines in a given format', async () => {
    const data = Buffer.from('5 vpc-1 10.0.0.1 10.0.0.2 203.0.113.5 18 1 egress ACCEPT OK\n');
    const bytes = await decodeAll(data, true, V5);
    expect(bytes.raw).toBe(1);
    expect(bytes.rows).toEqual((await decodeAll(data, false, V5)).rows);
  });
});
