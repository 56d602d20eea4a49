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
  lastError?: string | undefined;
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

const hooks = (): Promise<PageHooks> => page.evaluate(() => {
  const h = (globalThis as unknown as { __flowlens: PageHooks }).__flowlens;
  return { loading: h.loading, loads: h.loads, lastError: h.lastError, view: undefined as never };
});
const nodes = (): Promise<string[]> => page.evaluate(() => (globalThis as unknown as { __flowlens: PageHooks }).__flowlens.view.graph.nodes().sort());

async function loadedAfter(after: number): Promise<void> {
  await page.waitForFunction((n) => {
    const h = (globalThis as unknown as { __flowlens?: PageHooks }).__flowlens;
    return h !== undefined && !h.loading && h.loads > n;
  }, after);
}

/** Types a value into a filter input and waits for the graph loaded with it. */
async function setFilter(testId: string, value: string): Promise<void> {
  const before = (await hooks()).loads;
  await page.fill(`[data-testid=${testId}]`, value);
  await page.locator(`[data-testid=${testId}]`).press('Enter');
  await loadedAfter(before);
}

describe.skipIf(!HAS_CHROMIUM)(`enrichment filters of the graph page in headless Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await ensureWebBuilt();
    dir = mkdtempSync(join(tmpdir(), 'flowlens-geofilter-web-'));
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

  it('keeps the flows with either end in the country, AS or AWS service typed in the aside', async () => {
    const before = (await hooks()).loads;
    await page.selectOption('[data-testid=f-node]', 'country');
    await loadedAfter(before);
    expect(await nodes()).toEqual(['10.0.1.5', '10.0.1.6', 'AU', 'US']);

    await setFilter('f-country', 'au');
    expect(await nodes()).toEqual(['10.0.1.5', 'AU']);
    await page.screenshot({ path: screenshotPath('geofilter-country-au.png') });

    await setFilter('f-country', '');
    await setFilter('f-asn', 'google');
    expect(await nodes()).toEqual(['10.0.1.5', 'US']);
    await setFilter('f-asn', '16509');
    expect(await nodes()).toEqual(['10.0.1.6', 'US']);
    await setFilter('f-asn', '');
    await setFilter('f-aws-service', 'S3');
    expect(await nodes()).toEqual(['10.0.1.6', 'US']);
    await page.screenshot({ path: screenshotPath('geofilter-aws-s3.png') });

    await setFilter('f-country', 'USA');
    expect((await hooks()).lastError).toContain('country "USA" is not a country code');
    expect(pageErrors).toEqual([]);
  });
});
