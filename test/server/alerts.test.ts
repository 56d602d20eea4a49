import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRulesFile, watch } from '../../src/alerts/index.js';
import type { AlertEvent, Rules } from '../../src/alerts/index.js';
import { createPseudonymizer } from '../../src/graph/index.js';
import { createApp, NO_ALERTS_HINT } from '../../src/server/index.js';
import type { AlertsResponse, ErrorResponse, GraphResponse } from '../../src/server/index.js';
import { createLocalSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { tempFolder } from '../alerts/helpers.js';
import { T } from '../alerts/scenario.js';
import { writeAlertsFixture } from './alerts-fixture.js';

interface CliState {
  alarmName: string;
  dimensions: Record<string, string>;
  state: string;
}
interface CliJson {
  alarms: { alarmName: string; dimensions: Record<string, string>; timestamp: string; previousState: string; state: string }[];
  findings: { detection: string; actor: { address: string }; target: { address?: string } }[];
  states: CliState[];
}

let folder: Awaited<ReturnType<typeof tempFolder>>;
let paths: Awaited<ReturnType<typeof writeAlertsFixture>>;
let rules: Rules;
let store: Store;

beforeAll(async () => {
  folder = await tempFolder();
  paths = await writeAlertsFixture(folder.path);
  rules = await loadRulesFile(paths.rules);
  store = await Store.memory();
  await ingestSources(store, [createLocalSource(paths.log)]);
});
afterAll(async () => {
  store?.close();
  await folder.cleanup();
});

async function get(app: ReturnType<typeof createApp>, query = ''): Promise<AlertsResponse> {
  const response = await app.request(`/api/alerts${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as AlertsResponse;
}

async function alertsRun(args: string[] = []): Promise<CliJson> {
  const run = await runFlowlens(['alerts', 'run', '--rules', paths.rules, paths.log, '--format', 'json', ...args]);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as CliJson;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
const key = (a: { alarmName: string; dimensions: Record<string, string> }): string => `${a.alarmName} ${JSON.stringify(a.dimensions)}`;

describe('GET /api/alerts with serve --rules', () => {
  it('gives each alarm the final state, transitions and findings that `alerts run` gives on the same data', async () => {
    const body = await get(createApp({ store, rules }));
    const cli = await alertsRun();
    expect(body.source).toBe('rules');
    expect(body.sources).toEqual(['rules']);
    // Every fixed alarm and every series the CLI ends in ALARM is listed with the CLI's state.
    const cliStates = new Map(cli.states.map((s) => [key(s), s.state]));
    const fixed = new Set(rules.alarms.filter((a) => !a.dimensions.some((d) => d.value === '*')).map((a) => a.alarmName));
    for (const state of cli.states.filter((s) => fixed.has(s.alarmName) || s.state === 'ALARM')) {
      expect(body.alarms.find((a) => key(a) === key(state))?.state).toBe(state.state);
    }
    // Series the CLI forgot (quiet `*` series) are listed with the state of their last transition.
    for (const alarm of body.alarms.filter((a) => !cliStates.has(key(a)))) {
      expect(alarm.state).toBe(cli.alarms.filter((e) => key(e) === key(alarm)).at(-1)?.state);
    }
    const transitions = body.alarms.flatMap((a) => a.transitions.map((t) => [key(a), iso(t.time), t.from, t.to]));
    expect(transitions.sort()).toEqual(cli.alarms.map((e) => [key(e), e.timestamp, e.previousState, e.state]).sort());
    expect(body.findings.map((f) => [f.detection, f.actor.address, f.target.address])).toEqual(cli.findings.map((f) => [f.detection, f.actor.address, f.target.address]));
    expect(body.alarming).toBe(cli.states.filter((s) => s.state === 'ALARM').length);
  });

  it('charts the datapoints of an alarm and says since when it is in its state', async () => {
    const body = await get(createApp({ store, rules }));
    const storm = body.alarms.find((a) => a.alarmName === 'reject-storm');
    expect(storm).toMatchObject({ state: 'ALARM', threshold: 25, comparisonOperator: 'GreaterThanOrEqualToThreshold', period: 300 });
    const rejects = await store.query(`SELECT ("start" // 300) * 300 AS t, count(*) AS n FROM flows WHERE action = 'REJECT' GROUP BY t ORDER BY t`);
    expect(storm?.datapoints).toEqual(rejects.rows.map((r) => [Number(r.t), Number(r.n)]));
    expect(storm?.since).toBe(storm?.transitions.findLast((t) => t.to === 'ALARM')?.time);
    expect(storm?.reason).toContain('Threshold Crossed');
  });

  it('evaluates the window the page asks for, like `alerts run --start --end`', async () => {
    const start = T + 900;
    const end = T + 1200;
    const body = await get(createApp({ store, rules }), `?start=${start}&end=${end}`);
    const cli = await alertsRun(['--start', String(start), '--end', String(end)]);
    expect(body.range).toEqual({ start, end });
    expect(body.alarms.find((a) => a.alarmName === 'SSH-rejects')?.state).toBe(cli.states.find((s) => s.alarmName === 'SSH-rejects')?.state);
    expect(body.findings.map((f) => f.detection)).toEqual(cli.findings.map((f) => f.detection));
  });

  it('pseudonymizes addresses in findings and dimensions like the graph does', async () => {
    const pseudonymizer = createPseudonymizer('alerts-key');
    const app = createApp({ store, rules, pseudonymizer });
    const plain = await get(app);
    const hidden = await get(app, '?pseudonymize=1');
    expect(hidden.pseudonymized).toBe(true);
    const brute = plain.findings.find((f) => f.detection === 'SSHBruteForce');
    const hiddenBrute = hidden.findings.find((f) => f.detection === 'SSHBruteForce');
    expect(hiddenBrute?.actor.address).toBe(pseudonymizer.address(brute?.actor.address ?? ''));
    expect(hiddenBrute?.actor.address).not.toBe(brute?.actor.address);
    expect(hiddenBrute?.description).not.toContain(brute?.actor.address);
    expect(hiddenBrute?.description).toContain(hiddenBrute?.actor.address);
    expect(hiddenBrute?.resource.interfaceIds).toEqual(brute?.resource.interfaceIds.map((id) => pseudonymizer.token(id)));
    const graph = (await (await app.request('/api/graph?pseudonymize=1&public=keep')).json()) as GraphResponse;
    expect(graph.nodes.map((n) => n.id)).toContain(hiddenBrute?.actor.address);
    const scanners = hidden.alarms.filter((a) => a.alarmName === 'scanner').map((a) => a.dimensions.srcaddr);
    expect(scanners.sort()).toEqual(plain.alarms.filter((a) => a.alarmName === 'scanner').map((a) => pseudonymizer.address(a.dimensions.srcaddr ?? '')).sort());
  });
});

describe('GET /api/alerts from watch state', () => {
  it("shows the alarm states and history a watch cycle saved in the store, without notifiers", async () => {
    const watched = await Store.memory();
    try {
      const events: AlertEvent[] = [];
      await watch({ store: watched, rules, sources: [{ kind: 'local', path: paths.logs }], notifiers: [], intervalMs: 1, maxCycles: 1, late: 0, clock: 'data', onEvent: (e) => void events.push(e) });
      expect(events.length).toBeGreaterThan(0);
      const body = await get(createApp({ store: watched }));
      expect(body.source).toBe('watch');
      expect(body.sources).toEqual(['watch']);
      expect(body.updatedAt).toBeGreaterThan(0);
      const progress = JSON.parse(String(await watched.scalar("SELECT value FROM alert_watch_state WHERE key = 'progress'"))) as { alarms: Record<string, { states: CliState[] }> };
      const saved = Object.values(progress.alarms).flatMap((a) => a.states);
      for (const state of saved.filter((s) => s.alarmName !== 'scanner' || s.state === 'ALARM')) expect(body.alarms.find((a) => key(a) === key(state))?.state).toBe(state.state);
      const alarmEvents = events.filter((e) => e.kind === 'alarm');
      const transitions = body.alarms.flatMap((a) => a.transitions.map((t) => [key(a), t.time, t.from, t.to]));
      expect(transitions.sort()).toEqual(alarmEvents.map((e) => [key(e), e.timestamp, e.previousState, e.state]).sort());
      expect(body.findings.map((f) => f.id).sort()).toEqual(events.filter((e) => e.kind === 'finding').map((e) => e.id).sort());
      const storm = body.alarms.find((a) => a.alarmName === 'reject-storm');
      expect(storm?.state).toBe('ALARM');
      expect(storm?.threshold).toBe(25);
      expect(storm?.datapoints.length).toBeGreaterThan(0);
      // With serve --rules too, watch stays the default and rules can be asked for.
      const both = createApp({ store: watched, rules });
      expect((await get(both)).sources).toEqual(['watch', 'rules']);
      expect((await get(both, '?source=rules')).source).toBe('rules');
    } finally {
      watched.close();
    }
  });
});

describe('GET /api/alerts without an alert source', () => {
  it('answers the documented empty response with a hint', async () => {
    expect(await get(createApp({ store }))).toEqual({ source: null, sources: [], range: null, alarms: [], findings: [], alarming: 0, pseudonymized: false, hint: NO_ALERTS_HINT });
  });

  it.each([['?source=watch'], ['?start=x'], ['?start=10&end=5']])('rejects %s with 400 bad-request', async (query) => {
    const response = await createApp({ store, rules }).request(`/api/alerts${query}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorResponse).code).toBe('bad-request');
  });
});

describe('flowlens serve --rules', () => {
  it('serves with a valid rules file', async () => {
    const run = await runFlowlens(['serve', paths.log, '--rules', paths.rules, '--port', '0'], { env: { FLOWLENS_SERVE_ONCE: '1' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^flowlens serving http:\/\/127\.0\.0\.1:\d+\/\n$/);
  });

  it('fails at start with the file, line and a hint for a bad rules file', async () => {
    const bad = join(folder.path, 'bad.yaml');
    await writeFile(bad, 'alarms:\n  - alarmName: x\n    metricName: m\n    namespace: n\n    statistic: Sum\n    period: 60\n    evaluationPeriods: 1\n    threshold: 1\n    comparisonOperator: GreaterThan\n');
    const run = await runFlowlens(['serve', paths.log, '--rules', bad, '--port', '0'], { env: { FLOWLENS_SERVE_ONCE: '1' } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${bad}:9: alarms[0].comparisonOperator`);
    expect(run.stderr).toContain('hint: see docs/alerts.md');
  });
});
