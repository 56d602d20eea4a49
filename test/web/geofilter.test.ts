import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, screenshotPath, SKIP_REASON } from './browser.js';
import { openEnrichedPage, waitForGraphLoad } from './fixture-page.js';
import type { FixturePage } from './fixture-page.js';

interface PageHooks {
  loading: boolean;
  loads: number;
  lastError?: string | undefined;
  view: { graph: { nodes(): string[] } };
}


let opened: (FixturePage & { pageErrors: string[] }) | undefined;
let page: Page;
let pageErrors: string[] = [];

const hooks = (): Promise<PageHooks> => page.evaluate(() => {
  const h = (globalThis as unknown as { __flowlens: PageHooks }).__flowlens;
  return { loading: h.loading, loads: h.loads, lastError: h.lastError, view: undefined as never };
});
const nodes = (): Promise<string[]> => page.evaluate(() => (globalThis as unknown as { __flowlens: PageHooks }).__flowlens.view.graph.nodes().sort());

async function loadedAfter(after: number): Promise<void> {
  await waitForGraphLoad(page, after);
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
    opened = await openEnrichedPage();
    page = opened.page;
    pageErrors = opened.pageErrors;
  }, 240_000);

  afterAll(async () => {
    await opened?.close();
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
