import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createApp, startServer } from '../../src/server/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { resolveSource } from '../../src/sources/index.js';
import { ingestSources, Store } from '../../src/store/index.js';
import { runFlowlens } from '../helpers/cli.js';
import { ensureWebBuilt, HAS_CHROMIUM, launchChromium, screenshotPath, SKIP_REASON, WEB_DIST } from './browser.js';

let dir: string;
let logs: string;
let store: Store;
let server: RunningServer;
let browser: Browser;
let page: Page;

/** What the CLI prints for the same question (`--format json`), each row as the table shows it: values as text. */
async function cliRows(argv: string[]): Promise<string[][]> {
  const run = await runFlowlens([...argv, logs, '--format', 'json']);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as Record<string, unknown>[]).map((row) => Object.values(row).map((v) => (v === null ? 'null' : String(v))));
}

/** Clicks Run (or presses Ctrl+Enter) and waits for the answer: the row count, or the error box. */
async function run(how: 'click' | 'keys' = 'click'): Promise<void> {
  const before = await runs();
  if (how === 'click') await page.locator('[data-testid=query-run]').click();
  else await page.locator('[data-testid=query-text]').press('Control+Enter');
  await waitForRuns(before);
}

/** How many queries the tab has finished (the panel counts them in data-runs). */
async function runs(): Promise<number> {
  return Number((await page.locator('[data-testid=query-panel]').getAttribute('data-runs')) ?? 0);
}

async function waitForRuns(after: number): Promise<void> {
  await expect.poll(runs, { timeout: 30_000 }).toBeGreaterThan(after);
}

async function tableRows(): Promise<string[][]> {
  return page.locator('[data-testid=query-table] tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

async function column(name: string): Promise<string[]> {
  const headers = (await page.locator('[data-testid=query-table] th').allTextContents()).map((h) => h.replace(/ [▲▼]$/, ''));
  const index = headers.indexOf(name);
  expect(index, `column ${name} in ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return (await tableRows()).map((row) => row[index] as string);
}

describe.skipIf(!HAS_CHROMIUM)(`query tab in headless Chromium${SKIP_REASON}`, () => {
  beforeAll(async () => {
    await ensureWebBuilt();
    dir = mkdtempSync(join(tmpdir(), 'flowlens-query-tab-'));
    logs = join(dir, 'logs');
    // Demo-like data: the generator's VPC (web tier, databases, an SSH brute force, scanners), one seed.
    const generated = await runFlowlens(['generate', '--records', '20000', '--seed', '1', '--out', logs]);
    expect(generated.code, generated.stderr).toBe(0);
    store = await Store.memory();
    await ingestSources(store, [await resolveSource(logs)]);
    server = await startServer(createApp({ store, staticDir: WEB_DIST }), { port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await page.goto(server.url);
    await page.locator('[data-testid=query-tab]').click();
    await page.locator('[data-testid=query-panel]').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the top-talkers report: the table equals the CLI’s rows, with a bar chart', async () => {
    await page.locator('[data-testid=query-lang-report]').check({ force: true });
    await page.locator('[data-testid=query-report] option[value=top-talkers]').waitFor({ state: 'attached' });
    await page.locator('[data-testid=query-report]').selectOption('top-talkers');
    await run();
    const expected = await cliRows(['report', 'top-talkers']);
    expect(expected.length).toBe(50);
    expect(await tableRows()).toEqual(expected);
    expect(await page.locator('[data-testid=query-status]').getAttribute('data-rows')).toBe('50');
    expect(await page.locator('[data-testid=query-chart]').getAttribute('data-kind')).toBe('bar');
    const bars = await page.locator('[data-testid=query-bars] g').evaluateAll((gs) => gs.map((g) => ({ value: Number(g.getAttribute('data-value')), width: Number(g.querySelector('rect')?.getAttribute('width')) })));
    expect(bars.map((b) => String(b.value))).toEqual(expected.map((row) => row[2]));
    expect(bars[0]?.width).toBeGreaterThan(200);
    await page.screenshot({ path: screenshotPath('query-report.png'), fullPage: false });
  });

  it('sorts a column by clicking its header: ascending, then descending, numbers by value', async () => {
    const flows = async (): Promise<number[]> => (await column('flows')).map(Number);
    const original = await flows();
    await page.locator('[data-testid=query-table] th', { hasText: /^flows/ }).click();
    expect(await flows()).toEqual([...original].sort((a, b) => a - b));
    expect(await page.locator('[data-testid=query-table] th[aria-sort=ascending]').textContent()).toContain('flows');
    await page.locator('[data-testid=query-table] th', { hasText: /^flows/ }).click();
    expect(await flows()).toEqual([...original].sort((a, b) => b - a));
    // Addresses sort as text with numeric runs compared by value (10.0.1.9 before 10.0.1.10).
    await page.locator('[data-testid=query-table] th', { hasText: /^srcaddr/ }).click();
    const addresses = await column('srcaddr');
    expect(addresses).toEqual([...addresses].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
  });

  it('runs an Insights query with Ctrl+Enter and charts a binned one over time', async () => {
    const query = 'filter action="REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc, srcAddr asc | limit 20';
    await page.locator('[data-testid=query-lang-insights]').check({ force: true });
    await page.locator('[data-testid=query-text]').fill(query);
    await run('keys');
    expect(await tableRows()).toEqual(await cliRows(['insights', query]));

    // The time range (UTC) selects records on `start`, as --start/--end do on the command line.
    await page.locator('[data-testid=query-start]').fill('2024-05-01T06:00:00');
    await page.locator('[data-testid=query-end]').fill('2024-05-01T12:30:00');
    await run();
    const windowed = await cliRows(['insights', query, '--start', '2024-05-01T06:00:00Z', '--end', '2024-05-01T12:30:00Z']);
    expect(await tableRows()).toEqual(windowed);
    expect(windowed).not.toEqual(await cliRows(['insights', query]));
    await page.locator('[data-testid=query-start]').fill('');
    await page.locator('[data-testid=query-end]').fill('');

    const before = await runs();
    await page.locator('.query-examples button', { hasText: 'per 5 minutes' }).click();
    await waitForRuns(before);
    expect(await page.locator('[data-testid=query-chart]').getAttribute('data-kind')).toBe('time');
    await page.locator('[data-testid=query-timeseries] canvas').waitFor();
    const times = await column('t');
    expect(times.length).toBeGreaterThan(10);
    await page.screenshot({ path: screenshotPath('query-insights.png') });
  });

  it('downloads the whole result as CSV with RFC 4180 quoting', async () => {
    await page.locator('[data-testid=query-lang-sql]').check({ force: true });
    await page.locator('[data-testid=query-text]').fill(`SELECT 'a,"b"' AS odd, 'two\nlines' AS multi, NULL AS nothing, srcaddr, count(*) AS n FROM flows WHERE srcaddr IS NOT NULL GROUP BY srcaddr ORDER BY n DESC, srcaddr LIMIT 30`);
    await run();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=query-csv]').click()]);
    expect(download.suggestedFilename()).toMatch(/^flowlens-sql-.*\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('odd,multi,nothing,srcaddr,n');
    const rows = await tableRows();
    expect(rows).toHaveLength(30);
    // Quoted fields: the comma and quote one doubled, the line break one kept inside quotes; null is empty.
    expect(lines.slice(1, -1)).toEqual(rows.map((r) => `"a,""b""","two\nlines",,${r[3]},${r[4]}`));
    expect(lines.at(-1)).toBe('');
  });

  it('starts from the time window picked on the graph page', async () => {
    // One panel at a time: the Costs tab closes the query tab; "back to graph" closes it too.
    await page.locator('[data-testid=costs-tab]').click();
    expect(await page.locator('[data-testid=query-panel]').isHidden()).toBe(true);
    await page.locator('[data-testid=query-tab]').click();
    expect(await page.locator('[data-testid=costs-panel]').isHidden()).toBe(true);
    await page.locator('[data-testid=query-panel] [data-close]').click();
    expect(await page.locator('[data-testid=query-panel]').isHidden()).toBe(true);
    const over = await page.locator('#chart .u-over').boundingBox();
    expect(over).not.toBeNull();
    const { x, y, width, height } = over as { x: number; y: number; width: number; height: number };
    await page.mouse.move(x + width * 0.25, y + height / 2);
    await page.mouse.down();
    await page.mouse.move(x + width * 0.6, y + height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.locator('[data-testid=window]').textContent(), { timeout: 30_000 }).toMatch(/ – /);
    const [from, to] = ((await page.locator('[data-testid=window]').textContent()) as string).split(' – ').map((t) => t.replace(' ', 'T').replace(/Z$/, ''));
    await page.locator('[data-testid=query-tab]').click();
    // Chromium drops ':00' seconds from a datetime-local value, so the instants are compared.
    const instant = (text: string | undefined): number => Date.parse(`${text}Z`);
    expect(instant(await page.locator('[data-testid=query-start]').inputValue())).toBe(instant(from));
    expect(instant(await page.locator('[data-testid=query-end]').inputValue())).toBe(instant(to));
    await page.locator('[data-testid=query-lang-report]').check({ force: true });
    await page.locator('[data-testid=query-report]').selectOption('rejected-sources');
    await run();
    const windowed = await cliRows(['report', 'rejected-sources', '--start', `${from}Z`, '--end', `${to}Z`]);
    expect(await tableRows()).toEqual(windowed);
    expect(windowed).not.toEqual(await cliRows(['report', 'rejected-sources']));
  });

  it('shows a bad query’s error inline with its position and hint', async () => {
    await page.locator('[data-testid=query-lang-sql]').check({ force: true });
    const bad = 'SELECT srcaddr\n  FORM flows';
    await page.locator('[data-testid=query-text]').fill(bad);
    await run();
    const error = page.locator('[data-testid=query-error]');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('sql');
    expect(await error.textContent()).toMatch(/syntax error/);
    expect(await error.textContent()).toContain(`(line 2, column ${(bad.split('\n')[1] as string).indexOf('flows') + 1})`);
    await page.locator('[data-testid=query-text]').fill('DELETE FROM flows');
    await run();
    expect(await error.getAttribute('data-code')).toBe('read-only');
    await page.locator('[data-testid=query-lang-insights]').check({ force: true });
    await page.locator('[data-testid=query-text]').fill('stats count(*) by\n| sort x');
    await run();
    expect(await error.textContent()).toContain('line');
    expect(await error.locator('pre').textContent()).toContain('^');
    await page.screenshot({ path: screenshotPath('query-error.png') });
  });
});
