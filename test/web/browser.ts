import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';

/** Debian's Chromium, which CI installs (.ci/apt-packages). */
export const CHROMIUM = '/usr/bin/chromium';
/** True when the browser tests can run. */
export const HAS_CHROMIUM = existsSync(CHROMIUM);
/** Why the browser tests are skipped, shown in the test name. */
export const SKIP_REASON = HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} is missing; apt-get install chromium)`;

/** Where screenshots go (git-ignored). */
export const OUTPUT_DIR = fileURLToPath(new URL('../../test-output/web/', import.meta.url));

/** The repository's web folder and its build output. */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Launches headless Chromium with the flags CI uses (software WebGL via SwiftShader). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
  });
}

/** Builds the page with Vite when web/dist is missing (npm run build normally does it), silently. */
export async function ensureWebBuilt(): Promise<void> {
  if (existsSync(`${WEB_DIST}index.html`)) return;
  const { build } = await import('vite');
  await build({ configFile: `${WEB_DIR}vite.config.ts`, logLevel: 'silent' });
}

/** Makes sure the screenshot folder exists and returns a path in it. */
export function screenshotPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return `${OUTPUT_DIR}${name}`;
}
