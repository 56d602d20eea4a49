#!/usr/bin/env node
// `npm run bench:detections` (or `npm run bench -- --detections`): precision and recall of flowlens's
// detections per finding type on labelled scenarios (src/generate/scenarios.ts), on tuning seeds and on
// held-out seeds. Prints a table, writes bench/detections.json. docs/alerts.md explains the scoring.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2' },
    'held-out': { type: 'string', default: '101,102,103' },
    days: { type: 'string', default: '5' },
    rules: { type: 'string', default: join(here, 'detections-rules.yaml') },
    dist: { type: 'string', default: join(root, 'dist') },
    out: { type: 'string', default: join(here, 'detections.json') },
    detections: { type: 'boolean', default: true },
    verbose: { type: 'boolean', default: false },
  },
});

const dist = resolve(args.dist);
const load = (path) => import(pathToFileURL(join(dist, 'src', path)).href);
const { detectionScenario, SCENARIO_FINDING_TYPES } = await load('generate/index.js');
const { loadRulesFile, runAlerts } = await load('alerts/index.js');
const { Store, ingestSources } = await load('store/index.js');
const { createLocalSource } = await load('sources/index.js');

const log = (text) => process.stderr.write(`[bench] ${text}\n`);
// A finding matches a label of its type when their times overlap (with an hour of slack for window
// alignment) and it names the label's actor, target and port as the type requires.
const SLACK = 3600;

function matches(finding, label) {
  if (finding.type !== label.type) return false;
  if (finding.firstSeen > label.end + SLACK || finding.lastSeen < label.start - SLACK) return false;
  const ports = finding.target.ports ?? [];
  switch (label.type) {
    case 'Recon:EC2/Portscan':
      // Each source of a distributed scan that probed enough ports is itself a port scan of the target.
      if (label.style.startsWith('distributed')) return false;
      return finding.actor.address === label.actor && finding.target.address === label.target;
    case 'UnauthorizedAccess:EC2/SSHBruteForce':
    case 'UnauthorizedAccess:EC2/RDPBruteForce':
    case 'Behavior:EC2/TrafficVolumeUnusual':
      return finding.actor.address === label.actor && finding.target.address === label.target;
    case 'UnauthorizedAccess:EC2/SSHBruteForce.Distributed':
    case 'UnauthorizedAccess:EC2/RDPBruteForce.Distributed':
      return finding.target.address === label.target && ports.includes(label.port);
    case 'Recon:EC2/Portscan.Distributed':
      return finding.target.address === label.target;
    case 'Recon:EC2/PortSweep':
    case 'Behavior:EC2/NetworkPortUnusual':
      return finding.actor.address === label.actor && ports.includes(label.port);
    default:
      return false;
  }
}

// A port scan by one of the sources of a labelled distributed scan, on its target, is true (not counted for recall).
function partOf(finding, label) {
  return finding.type === 'Recon:EC2/Portscan' && label.type === 'Recon:EC2/Portscan.Distributed' && label.actors.includes(finding.actor.address) && finding.target.address === label.target;
}

async function runSeed(seed, days) {
  const scenario = detectionScenario({ seed, days });
  const folder = mkdtempSync(join(tmpdir(), 'flowlens-bench-detections-'));
  const store = await Store.memory();
  try {
    const file = join(folder, 'flows.log');
    writeFileSync(file, `${scenario.lines.join('\n')}\n`);
    await ingestSources(store, [createLocalSource(file)]);
    const rules = await loadRulesFile(args.rules);
    const started = performance.now();
    const report = await runAlerts(store, rules, { where: 'TRUE' });
    const seconds = (performance.now() - started) / 1000;
    return { scenario, findings: report.findings, suppressed: report.suppressed ?? [], seconds };
  } finally {
    store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

function score(runs) {
  const rows = {};
  for (const type of SCENARIO_FINDING_TYPES) rows[type] = { labels: 0, found: 0, findings: 0, truePositives: 0, learning: 0, falsePositives: [], missed: [] };
  for (const { scenario, findings } of runs) {
    for (const finding of findings) {
      const row = rows[finding.type];
      if (!row) continue;
      if (finding.learning) {
        row.learning++;
        continue;
      }
      row.findings++;
      if (scenario.labels.some((label) => matches(finding, label) || partOf(finding, label))) row.truePositives++;
      else row.falsePositives.push({ seed: scenario.seed, actor: finding.actor.address, target: finding.target.address, ports: finding.target.ports, firstSeen: finding.firstSeen, description: finding.description });
    }
    for (const label of scenario.labels) {
      const row = rows[label.type];
      row.labels++;
      if (findings.some((f) => !f.learning && matches(f, label))) row.found++;
      else row.missed.push({ seed: scenario.seed, style: label.style, actor: label.actor, target: label.target, port: label.port, start: label.start });
    }
  }
  for (const row of Object.values(rows)) {
    row.precision = row.findings ? row.truePositives / row.findings : 1;
    row.recall = row.labels ? row.found / row.labels : 1;
  }
  return rows;
}

function table(title, rows) {
  const head = ['finding type', 'attacks', 'found', 'findings', 'true', 'learning', 'precision', 'recall'];
  const body = Object.entries(rows).map(([type, r]) => [type, r.labels, r.found, r.findings, r.truePositives, r.learning, r.precision.toFixed(2), r.recall.toFixed(2)].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [title, line(head), ...body.map(line)].join('\n');
}

const days = Number(args.days);
const sets = { tuning: args.seeds.split(',').filter(Boolean), heldOut: args['held-out'].split(',').filter(Boolean) };
const results = { date: new Date().toISOString(), machine: { cpus: cpus().length, loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))) }, days, rules: args.rules, sets: {} };
for (const [name, seeds] of Object.entries(sets)) {
  const runs = [];
  for (const seed of seeds) {
    const run = await runSeed(seed, days);
    log(`seed ${seed}: ${run.scenario.lines.length} records, ${run.scenario.labels.length} attacks, ${run.findings.length} findings (${run.suppressed.length} suppressed), detections ${run.seconds.toFixed(1)} s`);
    runs.push(run);
  }
  const rows = score(runs);
  results.sets[name] = { seeds, records: runs.reduce((n, r) => n + r.scenario.lines.length, 0), detectionSeconds: Number(runs.reduce((s, r) => s + r.seconds, 0).toFixed(2)), types: rows };
  process.stdout.write(`${table(`${name} seeds ${seeds.join(', ')}`, rows)}\n\n`);
  if (args.verbose) {
    for (const [type, r] of Object.entries(rows)) {
      for (const fp of r.falsePositives) process.stdout.write(`FP ${type} ${JSON.stringify(fp)}\n`);
      for (const m of r.missed) process.stdout.write(`MISS ${type} ${JSON.stringify(m)}\n`);
    }
  }
}
writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
log(`wrote ${args.out}`);
