import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRules, watch } from '../../src/alerts/index.js';
import type { AlertEvent } from '../../src/alerts/index.js';
import { resolveSource } from '../../src/sources/index.js';
import { createStoreCursors, Store } from '../../src/store/index.js';
import { startFakeLogs } from '../sources/helpers/cwl-server.js';
import type { FakeLogsServer } from '../sources/helpers/cwl-server.js';
import { useTestAwsEnv } from '../sources/helpers/s3-server.js';
import { flowLine, SEED_ALARM_YAML } from './helpers.js';

const RULES = parseRules(SEED_ALARM_YAML);

// The source reads up to the present and remembers what it covered, so events are stamped minutes ago, as live ones are.
const T = Math.floor(Date.now() / 60_000) * 60 - 20 * 60;
let logs: FakeLogsServer;
let restoreEnv: () => void;

beforeAll(async () => {
  restoreEnv = useTestAwsEnv();
  logs = await startFakeLogs({ pageSize: 5 });
});
afterAll(async () => {
  await logs.stop();
  restoreEnv();
});

/** Events as a flow log writes them to CloudWatch Logs: one per record, stamped with its start. */
function put(minute: number, dstport: number, count: number): void {
  const start = T + minute * 60;
  const lines = Array.from({ length: count }, (_, i) => flowLine({ src: '203.0.113.7', dst: '10.0.0.5', srcport: 41000 + minute * 100 + i, dstport, start: start + i }));
  logs.addEvents('vpc-flow-logs', 'eni-0a1b2c3d4e5f60718', lines.map((message) => ({ timestamp: Number(message.split(' ')[10]) * 1000, message })));
}

describe('watch on cwl://', () => {
  it('ingests through the ledger and cursor, then evaluates only the new periods', async () => {
    const store = await Store.memory();
    const delivered: AlertEvent[] = [];
    const cycle = async () => {
      const source = await resolveSource('cwl://vpc-flow-logs', { endpointUrl: logs.endpoint, region: 'us-east-1', cursors: createStoreCursors(store) });
      return watch({
        store,
        rules: RULES,
        sources: [{ kind: 'remote', source }],
        notifiers: [{ name: 'memory', accepts: () => true, notify: async (event) => void delivered.push(event) }],
        intervalMs: 1,
        maxCycles: 1,
        late: 0,
        clock: 'data',
      });
    };
    try {
      put(0, 22, 3);
      put(2, 443, 2);
      expect(await cycle()).toMatchObject({ records: 5 });
      // Minute 1 has ended, minute 2 is still open. With 1 evaluation period the range is 3 periods, and
      // the most recent real datapoint in it decides: ALARM holds while minute 0 is in the range.
      expect(delivered.map((e) => e.kind === 'alarm' && [e.timestamp - T, e.state])).toEqual([[0, 'ALARM']]);
      put(3, 22, 1);
      put(9, 443, 1);
      // The source re-reads an overlap of earlier events; the ledger and event ids keep them out.
      expect(await cycle()).toMatchObject({ records: 2 });
      expect(Number(await store.scalar('SELECT count(*) FROM flows'))).toBe(7);
      expect(delivered.map((e) => e.kind === 'alarm' && [e.timestamp - T, e.state])).toEqual([
        [0, 'ALARM'],
        [360, 'OK'],
      ]);
    } finally {
      store.close();
    }
  });
});
