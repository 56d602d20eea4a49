import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, screenshotPath, SKIP_REASON } from './browser.js';
import { openFixturePage, waitForGraphLoad } from './fixture-page.js';
import type { FixturePage } from './fixture-page.js';

interface PageHooks {
  loading: boolean;
  loads: number;
  view: { layoutRunning: boolean; stopLayout(): void; viewportPosition(id: string): { x: number; y: number } | undefined; graph: { order: number; size: number } };
}

let opened: FixturePage | undefined;
let page: Page;

const loaded = (after: number): Promise<void> => waitForGraphLoad(page, after);

async function loads(): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as { __flowlens: PageHooks }).__flowlens.loads);
}

/** Counts non-background pixels of a screenshot of the graph area, decoded by the browser itself. */
async function drawnPixels(): Promise<number> {
  const png = await page.locator('#graph').screenshot();
  // Runs in the page (DOM types are not part of the Node test build, hence a string).
  return page.evaluate(`(async () => {
    const image = new Image();
    image.src = 'data:image/png;base64,${png.toString('base64')}';
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, image.width, image.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235) count++;
    return count;
  })()`) as Promise<number>;
}

/** What the details panel shows now: its title, whether it is still hidden or loading, the peers column and the totals. */
async function detailsPanel(): Promise<{ title: string | null; loading: boolean; peers: string[]; totals: string | null }> {
  // Runs in the page (DOM types are not part of the Node test build, hence a string).
  return page.evaluate(`(() => {
    const text = (selector) => document.querySelector(selector)?.textContent ?? null;
    const panel = document.getElementById('details');
    return {
      title: text('[data-testid=details-title]'),
      loading: panel === null || panel.hidden || panel.dataset.loading !== undefined,
      peers: [...document.querySelectorAll('[data-testid=peers] tbody td:nth-child(2)')].map((cell) => cell.textContent ?? ''),
      totals: text('[data-testid=totals]'),
    };
  })()`) as Promise<{ title: string | null; loading: boolean; peers: string[]; totals: string | null }>;
}

describe.skipIf(!HAS_CHROMIUM)(`graph page in headless Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    opened = await openFixturePage();
    page = opened.page;
  });

  afterAll(async () => {
    await opened?.close();
  });

  it('renders the graph on the WebGL canvas and shows the counts', async () => {
    await expect.poll(() => page.locator('[data-testid=stats]').getAttribute('data-edges')).toBe('13');
    expect(await page.locator('[data-testid=stats]').getAttribute('data-nodes')).toBe('6');
    expect(await page.locator('#graph canvas').count()).toBeGreaterThan(0);
    // The screenshot looks better once the layout settled; a slow machine just gets an earlier picture.
    await page
      .waitForFunction(() => !(globalThis as unknown as { __flowlens: PageHooks }).__flowlens.view.layoutRunning, undefined, { timeout: 30_000 })
      .catch(() => undefined);
    expect(await drawnPixels()).toBeGreaterThan(500);
    await page.screenshot({ path: screenshotPath('graph.png') });
  });

  it('re-queries when a filter changes: only rejected flows leave 2 edges', async () => {
    const before = await loads();
    await page.selectOption('[data-testid=f-action]', 'REJECT');
    await loaded(before);
    expect(await page.locator('[data-testid=stats]').getAttribute('data-edges')).toBe('2');
    expect(await page.evaluate(() => (globalThis as unknown as { __flowlens: PageHooks }).__flowlens.view.graph.size)).toBe(2);
    await page.screenshot({ path: screenshotPath('graph-rejected.png') });
    const again = await loads();
    await page.selectOption('[data-testid=f-action]', '');
    await loaded(again);
    expect(await page.locator('[data-testid=stats]').getAttribute('data-edges')).toBe('13');
  });

  it('re-queries the time window picked by dragging across the traffic chart', async () => {
    const before = await loads();
    const over = await page.locator('#chart .u-over').boundingBox();
    expect(over).not.toBeNull();
    const { x, y, width, height } = over as { x: number; y: number; width: number; height: number };
    // The fixture spans seven one-minute buckets; the first third holds the first records only.
    await page.mouse.move(x + 2, y + height / 2);
    await page.mouse.down();
    await page.mouse.move(x + width * 0.3, y + height / 2, { steps: 5 });
    await page.mouse.up();
    await loaded(before);
    expect(await page.locator('[data-testid=window]').textContent()).toMatch(/^2023-11-14 22:13:\d\dZ – /);
    const edges = Number(await page.locator('[data-testid=stats]').getAttribute('data-edges'));
    expect(edges).toBeGreaterThan(0);
    expect(edges).toBeLessThan(13);
    await page.screenshot({ path: screenshotPath('graph-window.png') });
    const again = await loads();
    await page.click('#clear-window');
    await loaded(again);
    expect(await page.locator('[data-testid=stats]').getAttribute('data-edges')).toBe('13');
  });

  it('opens the details panel with the right peers when a node is clicked', { retry: 2, timeout: 30_000 }, async () => {
    await page.evaluate(() => (globalThis as unknown as { __flowlens: PageHooks }).__flowlens.view.stopLayout());
    // Every wait here is bounded, so a run on a starved machine fails with what the page shows and is tried again.
    // The node is clicked where it is drawn once it stands still: a last position copy from the layout or a camera move
    // may still shift it right after stopLayout.
    let previous: { x: number; y: number } | undefined;
    await expect
      .poll(async () => {
        const position = await page.evaluate(() => (globalThis as unknown as { __flowlens: PageHooks }).__flowlens.view.viewportPosition('postgres'));
        const still = position !== undefined && previous !== undefined && position.x === previous.x && position.y === previous.y;
        previous = position;
        return still;
      }, { timeout: 10_000, interval: 250 })
      .toBe(true);
    const box = await page.locator('#graph').boundingBox({ timeout: 5_000 });
    await page.mouse.click((box?.x ?? 0) + (previous?.x ?? 0), (box?.y ?? 0) + (previous?.y ?? 0));
    // Read straight from the DOM, which never waits: a missed click fails here with what the panel shows.
    await expect.poll(detailsPanel, { timeout: 10_000 }).toMatchObject({ title: 'postgres', loading: false });
    const panel = await detailsPanel();
    expect(panel.peers.sort()).toEqual(['10.0.1.10', '10.0.1.10', '10.0.1.11', 'internet']);
    expect(panel.totals).toContain('8.5 kB');
    await page.screenshot({ path: screenshotPath('graph-details.png'), timeout: 10_000 });
  });

  it('finds a node by address through the search box', async () => {
    await page.fill('[data-testid=search]', '10.0.1.12');
    await expect.poll(() => page.locator('#search-results li').first().textContent()).toContain('load-balancer-0');
    await page.locator('#search-results a').first().click();
    await expect.poll(() => page.locator('[data-testid=details-title]').textContent()).toBe('load-balancer-0');
  });
});
