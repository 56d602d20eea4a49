import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';
import { flowsColumnsRead } from '../../src/store/columns-read.js';

let store: Store;

beforeAll(async () => {
  store = await Store.memory();
});

afterAll(() => store.close());

const read = async (...sql: string[]): Promise<string[] | undefined> => {
  const names = await flowsColumnsRead(store, sql);
  return names && [...names].sort();
};

describe('flowsColumnsRead', () => {
  it('names the columns a SELECT over flows reads, in any clause and case', async () => {
    expect(await read('SELECT action, count(*) AS flows, sum(bytes) AS bytes FROM flows GROUP BY action ORDER BY action')).toEqual(['action', 'bytes']);
    expect(await read('SELECT f.SrcAddr FROM flows AS f WHERE f.dstport = 22 QUALIFY row_number() OVER (PARTITION BY f.protocol ORDER BY "start") = 1')).toEqual(['dstport', 'f', 'protocol', 'srcaddr', 'start']);
    expect(await read('SELECT count(*) FROM flows')).toEqual([]);
    expect(await read('WITH t AS (SELECT srcaddr, bytes FROM flows) SELECT srcaddr, sum(bytes) FROM t GROUP BY ALL', 'SELECT 1 FROM flows WHERE action = \'REJECT\'')).toEqual(['action', 'bytes', 'srcaddr']);
    expect(await read('SELECT a.srcaddr FROM flows a JOIN flows b USING (interface_id)')).toEqual(['a', 'interface_id', 'srcaddr']);
  });

  it('gives up (every column) when the text may read columns it does not name', async () => {
    for (const sql of [
      'SELECT * FROM flows',
      'SELECT count(*) FROM (SELECT * EXCLUDE (bytes) FROM flows)',
      'SELECT COLUMNS(\'.*addr\') FROM flows',
      'SELECT #1 FROM flows',
      'SELECT sum(bytes) FROM vpc_flow_logs',
      'SELECT x FROM flows AS f(x)',
      'SELECT count(*) FROM flows NATURAL JOIN flows AS g',
      'SELECT f FROM flows AS f',
      'SELECT to_json(flows) FROM flows',
      'SELECT * FROM duckdb_columns()',
      'DESCRIBE flows',
      'SELECT FROM WHERE',
    ]) {
      expect(await read(sql), sql).toBeUndefined();
    }
  });
});
