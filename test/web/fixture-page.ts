import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { loadNameTable } from '../../src/graph/index.js';
import type { NameTable } from '../../src/graph/names.js';
import { createApp, startServer } from '../../src/server/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { Store } from '../../src/store/index.js';
import { buildEnrichedStore } from '../helpers/enrich-fixture.js';
import { fixtureStore, graphFixture } from '../graph/fixture.js';
import { ensureWebBuilt, launchChromium, WEB_DIST } from './browser.js';

/** The graph page of the fixture store open in Chromium, and how to close all of it. */
export interface FixturePage {
  page: Page;
  close(): Promise<void>;
}

/**
 * Serves the graph fixture store (with its names) on 127.0.0.1 and opens the page in a 1280×800 Chromium page,
 * waiting for its first graph load; `prepare` runs on the page before it navigates (e.g. to collect page errors).
 */
export async function openFixturePage(prepare?: (page: Page) => void): Promise<FixturePage> {
  const names = await loadNameTable({ names: [graphFixture('names.yaml')] });
  return openStorePage(await fixtureStore(), { names, prepare });
}

/** Serves `store` (closed with the page) on 127.0.0.1 and opens the page as openFixturePage does. */
export async function openStorePage(store: Store, options: { names?: NameTable; prepare?: ((page: Page) => void) | undefined } = {}): Promise<FixturePage> {
  await ensureWebBuilt();
  const server: RunningServer = await startServer(createApp({ store, names: options.names, staticDir: WEB_DIST }), { port: 0 });
  const browser: Browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  options.prepare?.(page);
  await page.goto(server.url);
  await waitForGraphLoad(page, 0);
  return {
    page,
    async close() {
      await browser.close();
      await server.close();
      store.close();
    },
  };
}

/** The enriched fixture store (built in a temporary folder) open in Chromium, collecting the page's errors. */
export async function openEnrichedPage(): Promise<FixturePage & { pageErrors: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'flowlens-enriched-page-'));
  const pageErrors: string[] = [];
  try {
    const store = await Store.open(await buildEnrichedStore(dir), { readOnly: true });
    const opened = await openStorePage(store, { prepare: (p) => p.on('pageerror', (error) => pageErrors.push(error.message)) });
    return {
      page: opened.page,
      pageErrors,
      async close() {
        await opened.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Waits until the page finished its latest graph load (its count of loads went past `after`). */
export async function waitForGraphLoad(page: Page, after: number): Promise<void> {
  await page.waitForFunction((n) => {
    const hooks = (globalThis as unknown as { __flowlens?: { loading: boolean; loads: number } }).__flowlens;
    return hooks !== undefined && !hooks.loading && hooks.loads > n;
  }, after);
}
