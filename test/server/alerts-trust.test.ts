import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRules } from '../../src/alerts/index.js';
import { createPseudonymizer } from '../../src/graph/index.js';
import { createApp } from '../../src/server/index.js';
import type { AlertsResponse } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { flowLine, storeWithLines } from '../alerts/helpers.js';

const T0 = 1793577600;
const RULES = parseRules(`
detections:
  - type: SSHBruteForceDistributed
  - type: PortSweep
  - type: TrafficVolumeUnusual
suppressions:
  - name: pentest
    type: PortSweep
    actor: [203.0.113.0/24]
`);

describe('GET /api/alerts: baselines, distributed sources and suppressed findings', () => {
  let store: Store;
  beforeAll(async () => {
    const lines: string[] = [];
    for (let h = 1; h <= 30; h++) lines.push(flowLine({ src: '203.0.113.9', dst: `10.0.2.${h}`, srcport: 46000 + h, dstport: 23, start: T0 + h }));
    for (let s = 1; s <= 12; s++) for (let k = 0; k < 2; k++) lines.push(flowLine({ src: `45.${s}.10.7`, dst: '10.0.0.10', srcport: 40000 + s * 2 + k, dstport: 22, start: T0 + s * 900 + k * 60 }));
    lines.push(flowLine({ src: '10.0.3.50', dst: '198.51.100.66', srcport: 50000, dstport: 443, packets: 2000000, bytes: 2 * 1024 ** 3, start: T0 + 600, action: 'ACCEPT' }));
    store = await storeWithLines(lines);
  });
  afterAll(() => store.close());

  it('sends the baseline of a behaviour finding, the sources of a distributed one, and the suppressed findings apart', async () => {
    const body = (await (await createApp({ store, rules: RULES }).request('/api/alerts')).json()) as AlertsResponse;
    expect(body.findings.map((f) => f.type).sort()).toEqual(['Behavior:EC2/TrafficVolumeUnusual', 'UnauthorizedAccess:EC2/SSHBruteForce.Distributed']);
    const volume = body.findings.find((f) => f.type === 'Behavior:EC2/TrafficVolumeUnusual');
    expect(volume).toMatchObject({ learning: true, baseline: { historyDays: 0, description: expect.stringContaining('learning period') } });
    const distributed = body.findings.find((f) => f.type.endsWith('.Distributed'));
    expect(distributed?.actor.count).toBe(12);
    expect(distributed?.actor.sources).toHaveLength(10);
    expect(body.suppressed?.map((f) => [f.actor.address, f.suppressedBy])).toEqual([['203.0.113.9', 'pentest']]);
  });

  it('pseudonymizes the sources of a distributed finding and the suppressed findings', async () => {
    const app = createApp({ store, rules: RULES, pseudonymizer: createPseudonymizer('trust-key') });
    const body = (await (await app.request('/api/alerts?pseudonymize=1')).json()) as AlertsResponse;
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/"45\.\d+\.10\.7"|: 45\.\d+\.10\.7/);
    expect(text).not.toContain('203.0.113.9');
    expect(body.findings.find((f) => f.type.endsWith('.Distributed'))?.actor.sources).toHaveLength(10);
  });
});
