import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressToBigInt } from '../../src/records/index.js';
import { Store } from '../../src/store/index.js';
import { sqlLiteral } from '../../src/sql/index.js';

let store: Store;

beforeAll(async () => {
  store = await Store.memory();
});

afterAll(() => store.close());

// The IPv4 text test and the four-part arithmetic ipv4_to_int has always meant, written out without the macro.
const REFERENCE = `CASE WHEN regexp_full_match(a, '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}') THEN
  (split_part(a, '.', 1)::UBIGINT << 24) + (split_part(a, '.', 2)::UBIGINT << 16) + (split_part(a, '.', 3)::UBIGINT << 8) + split_part(a, '.', 4)::UBIGINT END`;

const TEXTS = ['0.0.0.0', '255.255.255.255', '10.1.2.3', '172.31.16.139', '1.2.3.255', '01.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4 ', ' 1.2.3.4', '1..2.3', '1.2.3.-4', '+1.2.3.4', 'a.b.c.d', '', '-', '::ffff:1.2.3.4', '2001:db8::1', '1.2.3.4/32'];

describe('ipv4_to_int and ip_to_number', () => {
  it('give the numbers of IPv4 texts and NULL for anything else', async () => {
    const values = TEXTS.map((t) => `(${sqlLiteral(t)})`).join(', ');
    const { rows } = await store.query(`SELECT a, ipv4_to_int(a) AS n, ${REFERENCE} AS reference, ip_to_number(a)::VARCHAR AS number FROM (VALUES ${values}) t(a)`);
    for (const row of rows) expect(row.n, String(row.a)).toEqual(row.reference);
    expect(rows.filter((r) => r.n !== null).map((r) => r.a)).toEqual(['0.0.0.0', '255.255.255.255', '10.1.2.3', '172.31.16.139', '1.2.3.255']);
    expect(rows.find((r) => r.a === '172.31.16.139')?.n).toBe((172 << 24 >>> 0) + (31 << 16) + (16 << 8) + 139);
    for (const text of ['10.1.2.3', '255.255.255.255', '::ffff:1.2.3.4', '2001:db8::1']) expect(rows.find((r) => r.a === text)?.number).toBe(String(addressToBigInt(text)));
  });

  it('agree with the four-part arithmetic on many generated texts, valid and not', async () => {
    const differing = await store.scalar(`SELECT count(*) FROM (
      SELECT CASE WHEN i % 97 = 0 THEN '0' || (i % 256)::VARCHAR || '.1.2.3' WHEN i % 89 = 0 THEN (i % 300)::VARCHAR || '.1.2' ELSE (i % 300)::VARCHAR || '.' || (i * 7 % 256)::VARCHAR || '.' || (i * 13 % 260)::VARCHAR || '.' || (i % 256)::VARCHAR END AS a
      FROM range(200000) r(i)) WHERE ipv4_to_int(a) IS DISTINCT FROM (${REFERENCE})`);
    expect(Number(differing)).toBe(0);
  });
});
