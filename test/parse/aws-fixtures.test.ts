import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFormat, parseFlowLogText } from '../../src/parse/index.js';
import { findField, isNumericField, toColumnName } from '../../src/records/index.js';

const folder = join(import.meta.dirname, '../fixtures/aws-docs');
const files = readdirSync(folder).filter((name) => name.endsWith('.log'));
const examples = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/aws-docs-examples.json'), 'utf8')) as {
  cases: { id: string; format: string; line: string; line_record?: string; note: string }[];
};

describe('AWS documentation examples (fixtures/aws-docs)', () => {
  it.each(files)('%s parses with no bad lines, exactly the header fields, typed', (name) => {
    const text = readFileSync(join(folder, name), 'utf8');
    const header = (text.split('\n')[0] ?? '').split(' ').map(toColumnName);
    const { records, issues } = parseFlowLogText(text, { file: name });
    expect(issues).toEqual([]);
    expect(records.length).toBe(text.trim().split('\n').length - 1);
    for (const record of records) {
      expect(Object.keys(record).sort()).toEqual([...header].sort());
      for (const [column, value] of Object.entries(record)) {
        if (value === null) continue;
        const field = findField(column);
        expect(field).toBeDefined();
        expect(typeof value).toBe(isNumericField(field!) ? 'number' : 'string');
        expect(value).not.toBe('-');
      }
    }
  });

  it('keeps NODATA and SKIPDATA records with null traffic fields', () => {
    const { records } = parseFlowLogText(readFileSync(join(folder, 'default-v2.log'), 'utf8'));
    const nodata = records.filter((r) => r.log_status === 'NODATA' || r.log_status === 'SKIPDATA');
    expect(nodata).toHaveLength(2);
    for (const record of nodata) {
      expect(record).toMatchObject({ version: 2, account_id: '123456789010', start: 1431280876, end: 1431280934 });
      for (const column of ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'action']) {
        expect(record[column]).toBeNull();
      }
    }
  });

  it('parses the IPv6 example', () => {
    const { records } = parseFlowLogText(readFileSync(join(folder, 'default-v2.log'), 'utf8'));
    expect(records.at(-1)).toMatchObject({ srcaddr: '2001:db8:1234:a100:8d6e:3477:df66:f105', dstport: 22, bytes: 8855 });
  });

  // The guide's tcp-flags example has one line with a double space between two fields. AWS never writes
  // empty fields (missing is "-"), so flowlens treats any run of whitespace as one separator.
  it('reads the double-spaced published line as one separator', () => {
    const text = readFileSync(join(folder, 'tcp-flag-sequence-v3.log'), 'utf8');
    const { records, issues } = parseFlowLogText(text);
    expect(issues).toEqual([]);
    expect(records.at(-1)).toMatchObject({ srcport: 5001, dstport: 43638, pkt_srcaddr: '10.0.0.62', tcp_flags: 19 });
  });

  // Two published lines carry a trailing "#..." annotation that is not part of the record; the examples
  // file gives the record itself as line_record, which is what AWS writes.
  it.each(examples.cases.map((c) => [c.id, c] as const))('%s parses with its stated format', (_id, example) => {
    const { records, issues } = parseFlowLogText(example.line_record ?? example.line, { format: buildFormat(example.format.split(' ')) });
    expect(issues).toEqual([]);
    expect(records).toHaveLength(1);
  });
});
