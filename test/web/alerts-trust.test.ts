import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parseRules } from '../../src/alerts/index.js';
import { createApp, startServer } from '../../src/server/index.js';
import type { RunningServer } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { flowLine, storeWithLines } from '../alerts/helpers.js';
import { ensureWebBuilt, HAS_CHROMIUM, launchChromium, SKIP_REASON, WEB_DIST } from './browser.js';

const T0 = 1793577600;
const RULES = parseRules(`
detections:
  - type: PortSweep
  - type: TrafficVolumeUnusual
suppressions:
  - name: pentest
    type: PortSweep
    actor: [203.0.113.0/24]
`);

let store: Store;
let server: RunningServer;
let browser: Browser;
let page: Page;

describe.skipIf(!HAS_CHROMIUM)(`alerts tab: baselines and suppressed findings${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await ensureWebBuilt();
    const lines: string[] = [];
    for (let h = 1; h <= 30; h++) lines.push(flowLine({ src: '203.0.113.9', dst: `10.0.2.${h}`, srcport: 46000 + h, dstport: 23, start: T0 + h }));
    lines.push(flowLine({ src: '10.0.3.50', dst: '198.51.100.66', srcport: 50000, dstport: 443, packets: 2000000, bytes: 2 * 1024 ** 3, start: T0 + 600, action: 'ACCEPT' }));
    store = await storeWithLines(lines);
    server = await startServer(createApp({ store, rules: RULES, staticDir: WEB_DIST }), { port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    store?.close();
  });

  it('shows the baseline behind a behaviour finding and lists suppressed findings only when opened', async () => {
    await page.goto(server.url);
    await page.locator('[data-testid=alerts-tab]').click();
    await page.locator('[data-testid=findings]').first().waitFor();
    expect(await page.locator('[data-testid=finding-baseline]').first().textContent()).toContain('learning period (0 of 2 days of history)');
    const suppressed = page.locator('[data-testid=suppressed-findings]');
    expect(await suppressed.locator('summary').textContent()).toBe('Suppressed findings (1)');
    expect(await suppressed.locator('tbody tr').first().isVisible()).toBe(false);
    await suppressed.locator('summary').click();
    expect(await suppressed.locator('tbody tr [data-testid=finding-actor]').textContent()).toBe('203.0.113.9');
    expect(await suppressed.locator('tbody tr').textContent()).toContain('suppressed by pentest');
  });
});
