import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadRulesFile } from '../../src/alerts/index.js';
import { createApp, startServer } from '../../src/server/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { createLocalSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';
import { tempFolder } from '../alerts/helpers.js';
import { writeAlertsFixture } from '../server/alerts-fixture.js';
import { ensureWebBuilt, HAS_CHROMIUM, launchChromium, screenshotPath, SKIP_REASON, WEB_DIST } from './browser.js';

let folder: Awaited<ReturnType<typeof tempFolder>>;
let store: Store;
let withRules: RunningServer;
let withoutRules: RunningServer;
let browser: Browser;
let page: Page;

describe.skipIf(!HAS_CHROMIUM)(`alerts tab in headless Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await ensureWebBuilt();
    folder = await tempFolder();
    const paths = await writeAlertsFixture(folder.path);
    store = await Store.memory();
    await ingestSources(store, [createLocalSource(paths.log)]);
    const rules = await loadRulesFile(paths.rules);
    withRules = await startServer(createApp({ store, rules, staticDir: WEB_DIST }), { port: 0 });
    withoutRules = await startServer(createApp({ store, staticDir: WEB_DIST }), { port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await withRules?.close();
    await withoutRules?.close();
    store?.close();
    await folder?.cleanup();
  });

  it('counts the alarm in ALARM on the tab, lists it with its chart and history, and lists the findings', async () => {
    await page.goto(withRules.url);
    // The badge comes after the graph: the evaluation waits behind the graph's queries.
    await expect.poll(() => page.locator('[data-testid=alerts-count]').textContent(), { timeout: 30_000 }).toBe('1');
    await page.locator('[data-testid=alerts-tab]').click();
    const alarming = page.locator('[data-testid=alarm][data-state=ALARM]');
    await alarming.first().waitFor();
    expect(await alarming.locator('[data-testid=alarm-name]').allTextContents()).toEqual(['reject-storm']);
    expect(await alarming.locator('header [data-testid=state-badge]').textContent()).toBe('ALARM');
    expect(await alarming.locator('.since').textContent()).toBe('since 2024-05-01 10:15:00Z');
    const badgeColour = await alarming.locator('header [data-testid=state-badge]').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);
    expect(badgeColour).toBe('rgb(220, 38, 38)');
    const history = await alarming.locator('[data-testid=alarm-history] tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { innerText: string }).innerText.split('\t').slice(0, 2).join(' | ')));
    expect(history).toEqual(['2024-05-01 10:15:00Z | OK → ALARM', '2024-05-01 10:00:00Z | INSUFFICIENT_DATA → OK']);
    const chart = alarming.locator('[data-testid=alarm-chart] canvas');
    expect(await chart.count()).toBe(1);
    expect((await chart.boundingBox())?.width).toBeGreaterThan(300);
    const names = await page.locator('[data-testid=alarm]').evaluateAll((articles) => articles.map((a) => `${a.getAttribute('data-alarm')} ${a.getAttribute('data-state')}`));
    expect(names).toEqual(['reject-storm ALARM', 'SSH-rejects OK', 'scanner OK', 'scanner OK']);

    const rows = await page.locator('[data-testid=findings] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-detection'), tr.querySelector('[data-testid=finding-actor]')?.textContent, tr.querySelector('[data-testid=finding-target]')?.textContent]),
    );
    expect(rows).toEqual([
      ['SSHBruteForce', '203.0.113.50', '10.0.1.10'],
      ['Portscan', '192.0.2.99', '10.0.1.10'],
    ]);
    await page.screenshot({ path: screenshotPath('alerts.png') });
    await page.locator('[data-testid=findings]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('alerts-findings.png') });
  });

  it('shows a finding address on the graph when clicked, public ones too', async () => {
    await page.locator('[data-testid=findings] tbody tr[data-detection=Portscan] [data-testid=finding-target] a').click();
    await expect.poll(() => page.locator('[data-testid=details-title]').textContent()).toBe('10.0.1.10');
    expect(await page.locator('[data-testid=alerts-panel]').isHidden()).toBe(true);
    // A public address is drawn inside the "internet" node: the page gives public addresses their own nodes first.
    await page.locator('[data-testid=alerts-tab]').click();
    await page.locator('[data-testid=findings] tbody tr[data-detection=SSHBruteForce] [data-testid=finding-actor] a').click();
    await expect.poll(() => page.locator('[data-testid=details-title]').textContent()).toBe('203.0.113.50');
    expect(await page.locator('#f-public').inputValue()).toBe('keep');
  });

  it('says how to get alerts when the server has none', async () => {
    await page.goto(withoutRules.url);
    await page.locator('[data-testid=alerts-tab]').click();
    await expect.poll(() => page.locator('[data-testid=alerts-hint]').textContent()).toContain('flowlens serve --rules');
    expect(await page.locator('[data-testid=alerts-count]').isHidden()).toBe(true);
    await page.screenshot({ path: screenshotPath('alerts-none.png') });
  });
});
