import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseFlowLogText } from '../../src/parse/index.js';
import { runFlowlens } from '../helpers/cli.js';

const folders: string[] = [];
async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'flowlens-generate-cli-'));
  folders.push(folder);
  return folder;
}
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe('flowlens generate', () => {
  it('writes S3-style text to stdout when --out is omitted', async () => {
    const run = await runFlowlens(['generate', '--records', '300', '--hours', '1', '--seed', '4']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const parsed = parseFlowLogText(run.stdout);
    expect(parsed.issues).toEqual([]);
    expect(parsed.records).toHaveLength(300);
  });

  it('writes objects under --out with a summary on stderr, and the known names with --names-out', async () => {
    const out = await tempFolder();
    const names = join(out, 'names.yaml');
    const run = await runFlowlens(['generate', '--records', '1000', '--hours', '2', '--out', join(out, 'logs'), '--names-out', names]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^generated 1000 records in 2 objects/);
    const files = (await readdir(join(out, 'logs'), { recursive: true })).filter((f) => f.endsWith('.log.gz'));
    expect(files).toHaveLength(2);
    const text = gunzipSync(await readFile(join(out, 'logs', files[0] as string))).toString('utf8');
    expect(parseFlowLogText(text).issues).toEqual([]);
    const known = parseYaml(await readFile(names, 'utf8')) as Record<string, string>;
    expect(known['10.0.1.10']).toBe('load-balancer-0');
  });

  it('writes custom-format CloudWatch messages without a header', async () => {
    const run = await runFlowlens(['generate', '--records', '20', '--hours', '1', '--style', 'cloudwatch', '--log-format', '${srcaddr} ${dstaddr} ${flow-direction}']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(20);
    for (const line of lines) expect(line).toMatch(/^\S+ \S+ (ingress|egress|-)$/);
  });

  it.each([
    [['--records', 'many']],
    [['--hours', '0']],
    [['--style', 'syslog']],
    [['--log-format', '${version} ${no-such-field}']],
    [['--log-format', '${version} ${tgw-id}']],
  ])('exits 2 on a bad option %j', async (args) => {
    const run = await runFlowlens(['generate', ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});
