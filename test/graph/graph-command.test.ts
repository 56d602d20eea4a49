import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFlowlens } from '../helpers/cli.js';
import { graphFixture } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'flowlens-graph-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const flows = graphFixture('flows.log');

describe('flowlens graph', () => {
  it('prints JSON {nodes, edges} for a SOURCE and a summary on stderr', async () => {
    const run = await runFlowlens(['graph', flows, '--node', 'subnet/24', '--names', graphFixture('names.yaml'), '--public', 'group']);
    expect(run.code).toBe(0);
    const graph = JSON.parse(run.stdout) as { nodes: { id: string }[]; edges: unknown[] };
    expect(graph.nodes.map((n) => n.id).sort()).toEqual(['10.0.0.0/24', '10.0.1.0/24', 'internet', 'load-balancer-0', 'postgres']);
    expect(graph.edges).toHaveLength(11);
    expect(run.stderr).toContain('graph: 5 nodes, 11 edges (of 11) from 16 flow records');
  });

  it('applies --action, --protocol, --port, --min-flows and --top', async () => {
    const rejected = await runFlowlens(['graph', flows, '--action', 'REJECT']);
    expect((JSON.parse(rejected.stdout) as { edges: unknown[] }).edges).toHaveLength(2);
    const top = await runFlowlens(['graph', flows, '--top', '2', '--weight', 'bytes', '--protocol', 'tcp']);
    expect((JSON.parse(top.stdout) as { edges: { bytes: number }[] }).edges.map((e) => e.bytes)).toEqual([7000, 4000]);
    const min = await runFlowlens(['graph', flows, '--min-flows', '2', '--port', '5432,8080']);
    expect((JSON.parse(min.stdout) as { edges: unknown[] }).edges).toHaveLength(2);
  });

  it.each([
    [['--export', 'graphml'], '<graphml'],
    [['--export', 'dot'], 'digraph flowlens {'],
  ])('prints %j exports', async (args, start) => {
    const run = await runFlowlens(['graph', flows, ...args]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(start);
  });

  it('writes hypergraph CSVs into --out and Parquet to a file', async () => {
    const hyper = await runFlowlens(['graph', flows, '--export', 'hypergraph', '--out', join(dir, 'hg')]);
    expect(hyper.code).toBe(0);
    expect(readdirSync(join(dir, 'hg')).sort()).toEqual(['edges.csv', 'entities.csv', 'events.csv', 'nodes.csv']);
    const parquet = await runFlowlens(['graph', flows, '--export', 'parquet', '--out', join(dir, 'edges.parquet')]);
    expect(parquet.code).toBe(0);
    expect(readFileSync(join(dir, 'edges.parquet')).subarray(0, 4).toString()).toBe('PAR1');
  });

  it('pseudonymizes with --key or FLOWLENS_PSEUDONYM_KEY, the same way both times', async () => {
    const a = await runFlowlens(['graph', flows, '--pseudonymize', '--key', 'k1']);
    const b = await runFlowlens(['graph', flows, '--pseudonymize'], { env: { FLOWLENS_PSEUDONYM_KEY: 'k1' } });
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toContain('10.0.1.10');
  });

  it.each([
    [['--pseudonymize'], 'needs a key'],
    [['--node', 'mac'], 'not a node mode'],
    [['--export', 'hypergraph'], 'give --out'],
    [['--port', 'https'], 'not a port'],
    [['--top', '0'], 'not a positive integer'],
    [['--names', '/nonexistent.yaml'], 'cannot read names file'],
  ])('exits 2 on %j', async (args, message) => {
    const run = await runFlowlens(['graph', flows, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});
