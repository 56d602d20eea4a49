import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, screenshotPath, SKIP_REASON } from './browser.js';
import { openFixturePage, waitForGraphLoad } from './fixture-page.js';
import type { FixturePage } from './fixture-page.js';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface PageHooks {
  loading: boolean;
  loads: number;
  view: {
    layoutRunning: boolean;
    stopLayout(): void;
    viewportPosition(id: string): { x: number; y: number } | undefined;
    drawnLabels: { node: string; box: Box }[];
    renderer: { getCamera(): { setState(state: { ratio: number }): void } } | undefined;
  };
}

let opened: FixturePage | undefined;
let page: Page;
const pageErrors: string[] = [];

const hooks = <T>(read: (h: PageHooks) => T): Promise<T> =>
  page.evaluate(`(${read.toString()})(globalThis.__flowlens)`) as Promise<T>;

const loaded = (after: number): Promise<void> => waitForGraphLoad(page, after);

async function settled(): Promise<void> {
  await page.waitForFunction(() => !(globalThis as unknown as { __flowlens: PageHooks }).__flowlens.view.layoutRunning, undefined, { timeout: 60_000 });
}

async function viewportPosition(id: string): Promise<{ x: number; y: number } | undefined> {
  return page.evaluate((node) => (globalThis as unknown as { __flowlens: PageHooks }).__flowlens.view.viewportPosition(node), id);
}

async function clickNode(id: string): Promise<void> {
  const position = await viewportPosition(id);
  const box = await page.locator('#graph').boundingBox();
  expect(position).toBeDefined();
  await page.mouse.click((box?.x ?? 0) + (position?.x ?? 0), (box?.y ?? 0) + (position?.y ?? 0));
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe.skipIf(!HAS_CHROMIUM)(`graph page interactions in headless Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    opened = await openFixturePage((p) => p.on('pageerror', (error) => pageErrors.push(error.message)));
    page = opened.page;
  });

  afterAll(async () => {
    await opened?.close();
  });

  it('throws nothing while filters, node modes and tabs change during layouts (#22.9)', async () => {
    const steps: [string, string][] = [
      ['[data-testid=f-action]', 'REJECT'], ['[data-testid=f-node]', 'subnet/24'], ['[data-testid=f-action]', ''],
      ['[data-testid=f-node]', 'name'], ['[data-testid=f-node]', 'ip'], ['[data-testid=f-action]', 'ACCEPT'], ['[data-testid=f-action]', ''],
    ];
    for (const [selector, value] of steps) {
      await page.selectOption(selector, value);
      await page.waitForTimeout(120);
      await page.locator('[data-testid=costs-tab]').click();
      await page.waitForTimeout(60);
      await page.locator('[data-testid=costs-panel] [data-close]').click();
    }
    // Let every layout started above run to its end: the error came when a layout stopped itself.
    const before = await hooks((h) => h.loads);
    await page.selectOption('[data-testid=f-node]', 'subnet/24');
    await loaded(before);
    await settled();
    const again = await hooks((h) => h.loads);
    await page.selectOption('[data-testid=f-node]', 'ip');
    await loaded(again);
    await settled();
    expect(pageErrors).toEqual([]);
  });

  it('refreshes the open details panel when a filter changes (#22.10)', async () => {
    await hooks((h) => h.view.stopLayout());
    await clickNode('postgres');
    await expect.poll(() => page.locator('[data-testid=details-title]').textContent()).toBe('postgres');
    const all = await page.locator('[data-testid=totals] dd').allTextContents();
    const before = await hooks((h) => h.loads);
    await page.selectOption('[data-testid=f-action]', 'REJECT');
    await loaded(before);
    // Only rejected flows now: the totals show as many rejected as flows, and fewer flows than before.
    await expect.poll(async () => {
      const [flows, , , accepted, rejected] = await page.locator('[data-testid=totals] dd').allTextContents();
      return flows === rejected && accepted === '0' && flows !== all[0];
    }).toBe(true);
    expect(await page.locator('[data-testid=details-title]').textContent()).toBe('postgres');
    await page.screenshot({ path: screenshotPath('graph-details-rejected.png') });
    const again = await hooks((h) => h.loads);
    await page.selectOption('[data-testid=f-action]', '');
    await loaded(again);
    await expect.poll(() => page.locator('[data-testid=totals] dd').first().textContent()).toBe(all[0]);
    await page.locator('[data-testid=details] [data-close]').click();
  });

  it('closes the search dropdown when another tab opens (#22.10)', async () => {
    await page.fill('[data-testid=search]', '10.0.1');
    await expect.poll(() => page.locator('#search-results').isVisible()).toBe(true);
    await page.locator('[data-testid=costs-tab]').click();
    await expect.poll(() => page.locator('#search-results').isVisible()).toBe(false);
    // The tab's own buttons are reachable (nothing covers them).
    await page.locator('[data-testid=costs-panel] [data-close]').click();
    await page.fill('[data-testid=search]', '');
  });

  it('draws no two node labels over each other, even zoomed out where nodes crowd (#22.10)', async () => {
    await settled();
    for (const ratio of [1, 4, 12]) {
      await page.evaluate(`globalThis.__flowlens.view.renderer.getCamera().setState({ ratio: ${ratio} })`);
      await page.waitForTimeout(150);
      const labels = await hooks((h) => h.view.drawnLabels);
      expect(labels.length).toBeGreaterThan(0);
      for (const [i, a] of labels.entries()) {
        for (const b of labels.slice(i + 1)) expect(overlaps(a.box, b.box), `${a.node} and ${b.node} at ratio ${ratio}`).toBe(false);
      }
      if (ratio === 12) await page.screenshot({ path: screenshotPath('graph-labels-crowded.png') });
    }
    await page.evaluate('globalThis.__flowlens.view.renderer.getCamera().setState({ ratio: 1 })');
  });

  it('pauses and resumes the layout with the layout button (#22.10)', async () => {
    await settled();
    const button = page.locator('[data-testid=layout-toggle]');
    expect(await button.textContent()).toMatch(/run layout/i);
    // The fixture's graph settles within milliseconds, so both clicks happen in one task of the page.
    const states = (await page.evaluate(`(() => {
      const view = globalThis.__flowlens.view;
      const button = document.querySelector('[data-testid=layout-toggle]');
      view.layoutRounds = 0;
      button.click();
      const resumed = { running: view.layoutRunning, text: button.textContent };
      button.click();
      return [resumed, { running: view.layoutRunning, text: button.textContent }];
    })()`)) as { running: boolean; text: string }[];
    expect(states).toEqual([{ running: true, text: 'pause layout' }, { running: false, text: 'run layout' }]);
    // A resumed layout moves the nodes for some rounds, then stops by itself.
    await button.click();
    await expect.poll(() => hooks((h) => (h.view as unknown as { layoutRounds: number }).layoutRounds)).toBeGreaterThan(10);
    await settled();
    expect(await button.textContent()).toBe('run layout');
  });

  it('drags a node to where the mouse lets it go, without opening its details (#22.10)', async () => {
    await settled();
    const box = (await page.locator('#graph').boundingBox()) as Box;
    const from = (await viewportPosition('postgres')) as { x: number; y: number };
    const to = { x: box.width / 2 + (from.x < box.width / 2 ? 150 : -150), y: box.height / 2 + (from.y < box.height / 2 ? 100 : -100) };
    await page.mouse.move(box.x + from.x, box.y + from.y);
    await page.mouse.down();
    await page.mouse.move(box.x + to.x, box.y + to.y, { steps: 8 });
    await page.mouse.up();
    const now = (await viewportPosition('postgres')) as { x: number; y: number };
    expect(Math.abs(now.x - to.x)).toBeLessThan(3);
    expect(Math.abs(now.y - to.y)).toBeLessThan(3);
    await page.waitForTimeout(200);
    expect(await page.locator('[data-testid=details]').isVisible()).toBe(false);
    await page.screenshot({ path: screenshotPath('graph-dragged.png') });
    expect(pageErrors).toEqual([]);
  });
});
