import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileByteLineTest,
  compileTokenParser,
  decodeUnit,
  DEFAULT_LOG_FORMAT,
  enumValues,
  newByteRecord,
  parseFormatString,
  tokenizeLine,
} from '../../src/parse/index.js';
import type { BatchingRowSink, ByteRecord, LogFormat, ParseIssue } from '../../src/parse/index.js';
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

// A token mostly valid for its field, sometimes an edge value or any token: many generated lines pass, many fail late.
function fieldToken(kind: string, name: string): fc.Arbitrary<string> {
  const integer = kind === 'int32' || kind === 'int64';
  const valid =
    kind === 'address'
      ? fc.ipV4()
      : integer
        ? fc.nat({ max: 255 }).map(String)
        : name === 'action'
          ? fc.constantFrom('ACCEPT', 'REJECT')
          : name === 'log-status'
            ? fc.constantFrom('OK', 'NODATA', 'SKIPDATA')
            : fc.constantFrom('eni-1', '123456789010', 'vpc-1', 'ingress');
  const edge =
    kind === 'address'
      ? fc.constantFrom('0.0.0.0', '255.255.255.255', '10.0.0.01', '10.0.0.0', '256.0.0.1', '1.2.3', '1.2.3.4.', '1..2.3', '-')
      : integer
        ? fc.constantFrom('0', '-', '65535', '65536', '256', '2147483647', '2147483648', '999999999999999', '1000000000000000', '9007199254740991', '007', '+5', '1e3', '5-')
        : fc.constantFrom('ACCEPTX', 'ACCEP', 'accept', 'OKAY', 'O', 'SKIPDAT', '-', 'x\u00e9', '~', '\u007f', 'a-b');
  return fc.oneof({ arbitrary: valid, weight: 60 }, { arbitrary: edge, weight: 4 }, { arbitrary: token, weight: 1 });
}

describe('compileByteLineTest', () => {
  it.each([
    ['the default format', DEFAULT_LOG_FORMAT],
    ['a v5 custom format', V5],
  ])('never accepts a line the token parser refuses, and finds the same addresses and values (%s)', (_name, format) => {
    const test = compileByteLineTest(format)!;
    const parse = compileTokenParser(format);
    const src = format.columns.indexOf('srcaddr');
    const dst = format.columns.indexOf('dstaddr');
    fc.assert(
      fc.property(fc.array(token, { minLength: format.fields.length, maxLength: format.fields.length }), (tokens) => {
        const line = tokens.join(' ');
        const bytes = Buffer.from(line, 'utf8');
        const out = newByteRecord(format.fields.length);
        if (!test(bytes, 0, bytes.length, out)) return;
        const values: FieldValue[] = [];
        expect(parse(tokenizeLine(line), values)).toBeNull();
        const number = (value: FieldValue | undefined): number => (value === null || value === undefined ? -1 : Number(addressToBigInt(String(value))));
        expect({ src: out.src, dst: out.dst }).toEqual({ src: number(values[src]), dst: number(values[dst]) });
        // Each field's value as the byte test leaves it: a number, an enum's code, or its text's offsets; -1 for `-`.
        format.fields.forEach((field, i) => {
          if (i === src || i === dst) return;
          const value = values[i] ?? null;
          const found = out.values[i] as number;
          if (value === null) expect(found).toBe(-1);
          else if (field.kind === 'int32' || field.kind === 'int64') expect(found).toBe(value);
          else if (enumValues(field.name)) expect(enumValues(field.name)?.[found - 1]).toBe(value);
          else expect(bytes.toString('utf8', found, out.ends[i])).toBe(value);
        });
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['the default format', DEFAULT_LOG_FORMAT],
    ['a v5 custom format', V5],
  ])('decides every line as the field-by-field reference does, also inside a larger buffer (%s)', (_name, format) => {
    const test = compileByteLineTest(format)!;
    const reference = referenceByteLineTest(format);
    const fields = format.fields.length;
    fc.assert(
      fc.property(
        fc.oneof(fc.tuple(...format.fields.map((f) => fieldToken(f.kind, f.name))), fc.array(token, { minLength: fields - 1, maxLength: fields + 1 })),
        fc.constantFrom('', ' ', '  ', '-', 'x', '\t'),
        fc.constantFrom('', '\n', ' -', '- ', 'ACCEPT', '1'),
        (tokens, tail, after) => {
          const line = `${tokens.join(' ')}${tail}`;
          const bytes = Buffer.from(`${after}${line}${after}`, 'utf8');
          const start = Buffer.byteLength(after);
          const end = start + Buffer.byteLength(line);
          const got = newByteRecord(fields);
          const expected = newByteRecord(fields);
          const accepted = test(bytes, start, end, got);
          expect(accepted).toBe(reference(bytes, start, end, expected));
          if (accepted) expect({ src: got.src, dst: got.dst }).toEqual({ src: expected.src, dst: expected.dst });
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('accepts the common case and sends the rest to the string path', () => {
    const test = compileByteLineTest(DEFAULT_LOG_FORMAT)!;
    const accepts = (line: string): boolean => test(Buffer.from(line), 0, Buffer.byteLength(line), newByteRecord(14));
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
  // Records given as bytes since the last endBytes(): each block of bytes is released once the decoder is done with it.
  let unreleased = 0;
  const sink: BatchingRowSink = {
    row: (f, values, meta) => rows.push([f.header, [...values], meta.line, meta.eventId ?? null]),
    issue: (issue) => issues.push(issue),
  };
  if (bytes) {
    sink.endBytes = () => void (unreleased = 0);
    sink.rawRecord = (f, buffer, start, end) => {
      raw++;
      unreleased++;
      const line = Buffer.from(buffer.subarray(start, end)).toString('utf8');
      const values: FieldValue[] = [];
      expect(compileTokenParser(f)(tokenizeLine(line), values)).toBeNull();
      rows.push([f.header, values, null, null]);
    };
  }
  await decodeUnit({ key: 'u', kind: 'text', open: async () => Readable.from([data.subarray(0, 7), data.subarray(7)]) }, sink, { format });
  expect(unreleased).toBe(0);
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

// The byte test as a plain loop over the fields (the compiled test must decide every line as this does).
function referenceByteLineTest(format: LogFormat): (bytes: Uint8Array, start: number, end: number, out: ByteRecord) => boolean {
  const ranges: Record<string, number> = { srcport: 65535, dstport: 65535, protocol: 255, 'tcp-flags': 255 };
  const enums: Record<string, string[]> = { action: ['ACCEPT', 'REJECT'], 'log-status': ['OK', 'NODATA', 'SKIPDATA'] };
  const base = Number(addressToBigInt('0.0.0.0'));
  const src = format.columns.indexOf('srcaddr');
  const dst = format.columns.indexOf('dstaddr');
  return (bytes, start, end, out) => {
    out.src = -1;
    out.dst = -1;
    const text = Buffer.from(bytes.subarray(start, end)).toString('latin1');
    const tokens = text.split(' ');
    if (tokens.length !== format.fields.length) return false;
    return format.fields.every((field, i) => {
      const token = tokens[i] as string;
      if (token === '-') return true;
      if (field.kind === 'int32' || field.kind === 'int64') {
        const max = ranges[field.name] ?? (field.kind === 'int32' || field.name === 'start' || field.name === 'end' ? 2147483647 : Number.MAX_SAFE_INTEGER);
        return /^\d+$/.test(token) && token.length <= (ranges[field.name] ? String(max).length : max === 2147483647 ? 10 : 15) && Number(token) <= max;
      }
      if (field.kind === 'address') {
        const octets = token.split('.');
        if (octets.length !== 4 || !octets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255)) return false;
        const value = octets.reduce((v, o) => v * 256 + Number(o), 0);
        if (i === src) out.src = base + value;
        else if (i === dst) out.dst = base + value;
        return true;
      }
      const allowed = enums[field.name];
      if (allowed) return allowed.includes(token);
      return token.length > 0 && [...token].every((c) => c.charCodeAt(0) >= 33 && c.charCodeAt(0) <= 126);
    });
  };
}
