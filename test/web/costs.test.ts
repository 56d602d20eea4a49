import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createApp, startServer } from '../../src/server/index.js';
import type { RunningServer } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { costFixtureStore } from '../server/costs-fixture.js';
import { ensureWebBuilt, HAS_CHROMIUM, launchChromium, screenshotPath, SKIP_REASON, WEB_DIST } from './browser.js';

let store: Store;
let server: RunningServer;
let browser: Browser;
let page: Page;

describe.skipIf(!HAS_CHROMIUM)(`costs panel in headless Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await ensureWebBuilt();
    store = await costFixtureStore();
    server = await startServer(createApp({ store, staticDir: WEB_DIST }), { port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    store?.close();
  });

  it('opens the Costs tab and shows the table, the bar chart, recommendations and caveats', async () => {
    await page.locator('[data-testid=costs-tab]').click();
    const table = page.locator('[data-testid=cost-table]');
    await table.waitFor();
    const rows: string[][] = [];
    for (const row of await table.locator('tbody tr').all()) rows.push(await row.locator('td').allTextContents());
    expect(rows).toContainEqual(['nat-processing', 'subnet-a', 'S3', '2.00', '$0.09', '$2.70']);
    expect(rows).toContainEqual(['gateway-endpoint-candidate', 'subnet-a', 'S3', '10.00', '$0.45', '$13.50']);
    expect(rows).toContainEqual(['internet-egress', 'subnet-b', '–', '3.00', '$0.27', '$8.10']);
    expect(rows.some((r) => r[0] === 'cross-az' && r[1] === 'subnet-a')).toBe(true);

    const chart = page.locator('[data-testid=cost-chart]');
    const bars = await chart.locator('g[data-category]').evaluateAll((gs) =>
      gs.map((g) => ({ category: g.getAttribute('data-category'), usd: g.getAttribute('data-usd'), height: Number(g.querySelector('rect')?.getAttribute('height')) })),
    );
    expect(bars.find((b) => b.category === 'gateway-endpoint-candidate')).toMatchObject({ usd: '13.50' });
    expect(bars.find((b) => b.category === 'gateway-endpoint-candidate')?.height).toBeGreaterThan(100);
    expect(bars.find((b) => b.category === 'inter-region')?.height).toBe(0);
    const box = await chart.boundingBox();
    expect(box?.width).toBeGreaterThan(300);

    expect(await page.locator('[data-testid=cost-recommendations] li').first().textContent()).toContain('gateway endpoint');
    expect(await page.locator('[data-testid=cost-caveats] li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath('costs.png') });

    await page.locator('[data-testid=costs-by]').selectOption('instance');
    await expect.poll(() => page.locator('[data-testid=cost-table] tbody tr[data-category=internet-egress] td:nth-child(2)').textContent()).toBe('i-b');
  });
});
