import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createApp, startServer } from '../../src/server/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { Store } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { V2_HEADER } from '../helpers/temp-store.js';
import { ensureWebBuilt, HAS_CHROMIUM, launchChromium, screenshotPath, SKIP_REASON, WEB_DIST } from './browser.js';

interface PageHooks {
  loading: boolean;
  loads: number;
  view: { graph: { nodes(): string[] } };
}

const AWS_RANGES = new URL('../fixtures/enrich/ip-ranges.json', import.meta.url).pathname;
const line = (src: string, dst: string, dstport: number, bytes: number): string => `2 123456789012 eni-0a1 ${src} ${dst} 40000 ${dstport} 6 10 ${bytes} 1700000000 1700000060 ACCEPT OK`;

let dir: string;
let store: Store;
let server: RunningServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function loads(): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as { __flowlens: PageHooks }).__flowlens.loads);
}

async function loadedAfter(after: number): Promise<void> {
  await page.waitForFunction((n) => {
    const hooks = (globalThis as unknown as { __flowlens?: PageHooks }).__flowlens;
    return hooks !== undefined && !hooks.loading && hooks.loads > n;
  }, after);
}

describe.skipIf(!HAS_CHROMIUM)(`enrichment on the page in headless Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await ensureWebBuilt();
    dir = mkdtempSync(join(tmpdir(), 'flowlens-enrich-web-'));
    const logs = join(dir, 'flows.log');
    writeFileSync(logs, [
      V2_HEADER,
      line('10.0.1.5', '8.8.8.8', 443, 1000),
      line('8.8.8.8', '10.0.1.5', 40000, 5000),
      line('10.0.1.5', '1.1.1.1', 53, 300),
      line('10.0.1.6', '52.216.10.20', 443, 7000),
      line('10.0.1.6', '10.0.1.5', 22, 100),
    ].join('\n') + '\n');
    const db = join(dir, 'flows.duckdb');
    for (const argv of [['ingest', '--db', db, logs], ['enrich', '--db', db, '--aws-ranges', AWS_RANGES]]) {
      const run = await runFlowlens(argv);
      if (run.code !== 0) throw new Error(run.stderr);
    }
    store = await Store.open(db, { readOnly: true });
    server = await startServer(createApp({ store, staticDir: WEB_DIST }), { port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    await loadedAfter(0);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('groups the public ends by autonomous system when "Group nodes by" is set to it', async () => {
    const before = await loads();
    await page.selectOption('[data-testid=f-node]', 'asn');
    await loadedAfter(before);
    const nodes = await page.evaluate(() => (globalThis as unknown as { __flowlens: PageHooks }).__flowlens.view.graph.nodes());
    expect(nodes.filter((id) => id.startsWith('AS')).map((id) => id.split(' ')[0]).sort()).toEqual(['AS13335', 'AS15169', 'AS16509']);
    expect(nodes).toEqual(expect.arrayContaining(['10.0.1.5', '10.0.1.6']));
    await page.screenshot({ path: screenshotPath('enrich-graph-asn.png') });

    const again = await loads();
    await page.selectOption('[data-testid=f-node]', 'service');
    await loadedAfter(again);
    const services = await page.evaluate(() => (globalThis as unknown as { __flowlens: PageHooks }).__flowlens.view.graph.nodes());
    expect(services).toContain('S3 us-east-1');
  });

  it('explores traffic by destination country and AWS service, filtered by an enrichment field', async () => {
    await page.locator('[data-testid=explore-tab]').click();
    await expect.poll(() => page.locator('[data-testid=explore-dim-0] option[value=dst_country]').count()).toBe(1);
    await page.selectOption('[data-testid=explore-dim-0]', 'dst_country');
    await page.selectOption('[data-testid=explore-dim-1]', 'dst_aws_service');
    await page.fill('[data-testid=explore-filter]', 'ispresent(dstAsn)');
    await page.locator('[data-testid=explore-run]').click();
    await expect.poll(async () => {
      const rows: string[][] = [];
      for (const row of await page.locator('[data-testid=explore-table] tbody tr[data-rank]').all()) rows.push((await row.locator('td').allTextContents()).slice(1, 3));
      return rows;
    }).toEqual([['US', 'S3'], ['US', expect.any(String)], ['AU', expect.any(String)]]);
    expect(new URLSearchParams(new URL(page.url()).hash.slice('#explore?'.length)).get('dims')).toBe('dst_country,dst_aws_service');
    await page.screenshot({ path: screenshotPath('enrich-explore-country.png') });
    expect(pageErrors).toEqual([]);
  });
});
