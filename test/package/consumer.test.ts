import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLICKHOUSE_SKIP_REASON, startClickHouse } from '../scale/clickhouse-server.js';
import type { TestClickHouse } from '../scale/clickhouse-server.js';

// The consumer's view: the packed tarball installed into a fresh project, the docs/api.md examples type-checked and
// run against it, and `flowlens serve` from the installed package serving the page.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** One ```ts block of docs/api.md and the ```text block that shows its output, when one follows. */
interface Example {
  name: string;
  code: string;
  output: string | undefined;
}

let work: string;
let project: string;
let packed: { filename: string; files: { path: string }[] };
let clickhouse: TestClickHouse | undefined;
const examples = readExamples();

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'src', 'index.js')) || !existsSync(join(ROOT, 'web', 'dist', 'index.html'))) {
    throw new Error('the package is not built: run `npm run build` first (npm test does)');
  }
  work = await mkdtemp(join(tmpdir(), 'flowlens-consumer-'));
  project = join(work, 'project');
  await mkdir(join(project, 'examples'), { recursive: true });
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, env: cleanEnv() });
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as (typeof packed)[])[0] as typeof packed;
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'flowlens-consumer', private: true, type: 'module' }));
  await run('npm', ['install', join(work, packed.filename), '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, env: cleanEnv() });
  await flowlens(['generate', '--records', '5000', '--hours', '2', '--out', 'flows']);
  if (CLICKHOUSE_SKIP_REASON === undefined) clickhouse = await startClickHouse();
}, 300_000);

afterAll(async () => {
  await clickhouse?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the published package', () => {
  it('holds the built code with types, the built page, README and LICENSE, and nothing else', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/bin/flowlens.js', 'web/dist/index.html']));
    expect(paths.some((p) => p.startsWith('web/dist/assets/') && p.endsWith('.js'))).toBe(true);
    expect(paths.filter((p) => !/^(dist\/(src|bin)\/|web\/dist\/|package\.json$|README\.md$|LICENSE$)/.test(p))).toEqual([]);
  });

  it('is importable by name only: the public API, not its internal paths', async () => {
    const probe = join(project, 'probe.mjs');
    await writeFile(probe, "const api = await import('flowlens');\nconsole.log(typeof api.readRecords, typeof api.runReport);\ntry { await import('flowlens/dist/src/store/index.js'); console.log('deep'); } catch (e) { console.log(e.code); }\n");
    const { stdout } = await run(process.execPath, [probe], { cwd: project, env: cleanEnv() });
    expect(stdout.trim().split('\n')).toEqual(['function function', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);
  });

  it('type-checks every docs/api.md example against the installed types', async () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    for (const example of examples) await writeFile(join(project, 'examples', `${example.name}.mts`), example.code);
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true,
        types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')], rootDir: 'examples', outDir: 'out',
      },
      include: ['examples'],
    };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const result = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project, env: cleanEnv() }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
    expect(result.stdout).toBe('');
  }, 180_000);

  // In order: the second example creates the database the later ones read.
  for (const example of examples) {
    const needsClickHouse = example.code.includes('connectClickHouse');
    it.skipIf(needsClickHouse && CLICKHOUSE_SKIP_REASON !== undefined)(`runs ${example.name} and prints what docs/api.md shows`, async () => {
      const env = cleanEnv(clickhouse ? { FLOWLENS_CLICKHOUSE_URL: clickhouse.url } : {});
      const { stdout } = await run(process.execPath, [join(project, 'out', `${example.name}.mjs`)], { cwd: project, env });
      if (example.output !== undefined) expect(stdout.trimEnd()).toBe(example.output.trimEnd());
    }, 120_000);
  }

  it('serves the page from the installed package: the HTML and its script', async () => {
    const child = spawn(process.execPath, [join(project, 'node_modules', 'flowlens', 'dist', 'bin', 'flowlens.js'), 'serve', '--db', 'flowlens.duckdb', '--port', '0'], {
      cwd: project,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await servingUrl(child);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      const script = /<script[^>]+src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script, html).toBeDefined();
      const asset = await fetch(new URL(script as string, url));
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toContain('javascript');
      expect((await asset.text()).length).toBeGreaterThan(10_000);
      const reports = await fetch(new URL('api/reports', url));
      expect(reports.status).toBe(200);
    } finally {
      child.kill();
    }
  }, 120_000);
});

/** The ```ts blocks of docs/api.md, each with the ```text block right after it (its printed output). */
function readExamples(): Example[] {
  // Read when the file is collected, so that every example becomes its own test.
  const text = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  const found: Example[] = [];
  for (const match of text.matchAll(/```ts\n([\s\S]*?)```(?:\n\n```text\n([\s\S]*?)```)?/g)) {
    found.push({ name: `example-${String(found.length + 1).padStart(2, '0')}`, code: match[1] ?? '', output: match[2] });
  }
  return found;
}

/** The environment for child processes: no npm script variables, no flowlens or AWS settings of the caller. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|FLOWLENS_|AWS_)/i.test(key) || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

async function flowlens(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [join(project, 'node_modules', 'flowlens', 'dist', 'bin', 'flowlens.js'), ...args], { cwd: project, env: cleanEnv() });
  return stdout;
}

/** Waits for `flowlens serving URL` on the child's stdout. */
function servingUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /flowlens serving (\S+)/.exec(out)?.[1];
      if (url) resolve(url);
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`flowlens serve exited with ${code}: ${err}`)));
  });
}
