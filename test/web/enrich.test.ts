import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, screenshotPath, SKIP_REASON } from './browser.js';
import { openEnrichedPage, waitForGraphLoad } from './fixture-page.js';
import type { FixturePage } from './fixture-page.js';

interface PageHooks {
  loading: boolean;
  loads: number;
  view: { graph: { nodes(): string[] } };
}


let opened: (FixturePage & { pageErrors: string[] }) | undefined;
let page: Page;
let pageErrors: string[] = [];

async function loads(): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as { __flowlens: PageHooks }).__flowlens.loads);
}

async function loadedAfter(after: number): Promise<void> {
  await waitForGraphLoad(page, after);
}

describe.skipIf(!HAS_CHROMIUM)(`enrichment on the page in headless Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    opened = await openEnrichedPage();
    page = opened.page;
    pageErrors = opened.pageErrors;
  }, 240_000);

  afterAll(async () => {
    await opened?.close();
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
