import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { exploreFlows } from '../../src/query/explore.js';
import { createApp, startServer } from '../../src/server/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { refreshRollups } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { exploreStore, makeRecords } from '../query/explore-fixture.js';
import { ensureWebBuilt, HAS_CHROMIUM, launchChromium, screenshotPath, SKIP_REASON, WEB_DIST } from './browser.js';

let dir: string;
let store: Store;
let server: RunningServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** Waits for the Explore panel's latest answer (or error). */
async function answered(target: Page = page): Promise<void> {
  // Runs in the page (DOM types are not part of the Node test build, hence a string).
  await target.waitForFunction(`(() => {
    const panel = document.querySelector('[data-testid=explore-panel]');
    const status = document.querySelector('[data-testid=explore-status]')?.textContent ?? '';
    return panel !== null && !panel.hasAttribute('data-loading') && status !== '' && status !== 'querying…';
  })()`);
}

async function tableRows(target: Page = page): Promise<string[][]> {
  const rows: string[][] = [];
  for (const row of await target.locator('[data-testid=explore-table] tbody tr[data-rank]').all()) rows.push((await row.locator('td').allTextContents()).slice(1));
  return rows;
}

/** Non-blank pixels of the series' canvas (the stacked areas drawn). */
async function chartPixels(): Promise<number> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector('[data-testid=explore-chart-plot] canvas');
    const context = canvas?.getContext('2d');
    if (!context) return 0;
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count++;
    return count;
  })()`) as Promise<number>;
}

describe.skipIf(!HAS_CHROMIUM)(`Explore tab in headless Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await ensureWebBuilt();
    dir = mkdtempSync(join(tmpdir(), 'flowlens-explore-web-'));
    const file = join(dir, 'flows.log');
    writeFileSync(file, `${makeRecords().lines.join('\n')}\n`);
    store = await exploreStore(file);
    await refreshRollups(store);
    server = await startServer(createApp({ store, staticDir: WEB_DIST }), { port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1100 }, acceptDownloads: true });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens with the top source→destination pairs as a stacked series, a table and a sankey', async () => {
    await page.locator('[data-testid=explore-tab]').click();
    await answered();
    const expected = await exploreFlows(store, { dimensions: ['srcaddr', 'dstaddr'], metric: 'bytes', limit: 10 });
    const rows = await tableRows();
    expect(rows.map((r) => r.slice(0, 2))).toEqual(expected.rows.map((r) => r.key.map(String)));
    expect(await page.locator('[data-testid=explore-status]').getAttribute('data-groups')).toBe(String(expected.groups));
    // The series: one legend entry per group plus "other", and the areas drawn.
    expect(await page.locator('[data-testid=explore-chart] .u-legend .u-series').count()).toBe(1 + expected.rows.length + 1);
    expect(await chartPixels()).toBeGreaterThan(5000);
    // The sankey: a column of nodes per dimension and a ribbon per pair.
    const sankey = page.locator('[data-testid=explore-sankey]');
    expect(await sankey.locator('g.node[data-column="0"]').count()).toBe(new Set(expected.rows.map((r) => r.key[0])).size);
    expect(await sankey.locator('g.node[data-column="1"]').count()).toBe(new Set(expected.rows.map((r) => r.key[1])).size);
    expect(await sankey.locator('path.ribbon').count()).toBe(expected.rows.length);
    expect(new URL(page.url()).hash).toBe('#explore?dims=srcaddr%2Cdstaddr&metric=bytes&range=all&limit=10');
    await page.screenshot({ path: screenshotPath('explore.png') });
    // "other" can dwarf the top groups: unticked, the series holds the top groups only.
    await page.locator('[data-testid=explore-other]').uncheck();
    await expect.poll(() => page.locator('[data-testid=explore-chart] .u-legend .u-series').count()).toBe(1 + expected.rows.length);
    expect(new URL(page.url()).hash).toContain('other=0');
  });

  it('re-queries with three dimensions, another metric and a filter, and keeps the view in the URL', async () => {
    await page.selectOption('[data-testid=explore-dim-0]', 'subnet_id');
    await answered();
    await page.selectOption('[data-testid=explore-dim-1]', 'dstport');
    await answered();
    await page.selectOption('[data-testid=explore-dim-2]', 'action');
    await answered();
    await page.selectOption('[data-testid=explore-metric]', 'flows');
    await answered();
    await page.fill('[data-testid=explore-filter]', 'flowDirection = "ingress" and protocol = 6');
    await page.locator('[data-testid=explore-run]').click();
    await answered();
    const expected = await exploreFlows(store, { dimensions: ['subnet_id', 'dstport', 'action'], metric: 'flows', filter: 'flowDirection = "ingress" and protocol = 6', limit: 10 });
    const rows = await tableRows();
    expect(rows.map((r) => r.slice(0, 4))).toEqual(expected.rows.map((r) => [...r.key.map(String), String(r.value)]));
    expect(await page.locator('[data-testid=explore-sankey] g.node[data-column="2"]').count()).toBeGreaterThan(0);
    const hash = new URL(page.url()).hash;
    expect(new URLSearchParams(hash.slice('#explore?'.length)).get('filter')).toBe('flowDirection = "ingress" and protocol = 6');
    await page.screenshot({ path: screenshotPath('explore-three.png') });

    // The same URL in a fresh page shows the same view.
    const other = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    other.on('pageerror', (error) => pageErrors.push(error.message));
    await other.goto(page.url());
    await answered(other);
    expect(await other.locator('[data-testid=explore-panel]').isVisible()).toBe(true);
    expect(await other.locator('[data-testid=explore-dim-0]').inputValue()).toBe('subnet_id');
    expect(await other.locator('[data-testid=explore-dim-2]').inputValue()).toBe('action');
    expect(await other.locator('[data-testid=explore-metric]').inputValue()).toBe('flows');
    expect(await other.locator('[data-testid=explore-filter]').inputValue()).toBe('flowDirection = "ingress" and protocol = 6');
    expect(await other.locator('[data-testid=explore-other]').isChecked()).toBe(false);
    expect(await tableRows(other)).toEqual(rows);
    await other.close();
  });

  it('downloads the table as CSV', async () => {
    const rows = await tableRows();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=explore-csv]').click()]);
    const path = await download.path();
    const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('subnet_id,dstport,action,flows');
    expect(lines.slice(1, rows.length + 1)).toEqual(rows.map((r) => r.slice(0, 4).join(',')));
    expect(download.suggestedFilename()).toMatch(/^flowlens-explore-subnet_id-dstport-action-flows-\d{8}-\d{6}\.csv$/);
  });

  it('narrows to the last hour of the data and shows filter errors where they are', async () => {
    await page.selectOption('[data-testid=explore-range]', '1h');
    await answered();
    const expected = await exploreFlows(store, { dimensions: ['subnet_id', 'dstport', 'action'], metric: 'flows', filter: 'flowDirection = "ingress" and protocol = 6', limit: 10, start: 1_714_521_600 + 5 * 3600, end: 1_714_521_600 + 6 * 3600 });
    expect((await tableRows()).map((r) => r[3])).toEqual(expected.rows.map((r) => String(r.value)));
    expect(new URL(page.url()).hash).toContain('range=1h');

    await page.fill('[data-testid=explore-filter]', 'dstPrt = 22');
    await page.locator('[data-testid=explore-run]').click();
    await expect.poll(() => page.locator('[data-testid=explore-error]').textContent()).toContain('unknown field "dstPrt"');
    expect(pageErrors).toEqual([]);
  });
});
