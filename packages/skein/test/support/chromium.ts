/**
 * Debian's Chromium for the web UI browser tests, driven by playwright-core: one launch
 * configuration, one rule for when the tests skip, one place screenshots go.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const PACKAGE_DIR = resolve(import.meta.dirname, '../..');
const UI_INDEX = resolve(PACKAGE_DIR, '../ui/dist/index.html');
/** Screenshots and timing files for a person to look at (git-ignored). */
export const ARTIFACTS_DIR = join(PACKAGE_DIR, 'test-artifacts');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const chromiumMissing = !existsSync(CHROMIUM);

/** Locally a missing browser skips with a message; on CI it is a failure (.ci/run installs it). */
export const skipBrowser: string | false =
  chromiumMissing && process.env['CI'] !== 'true'
    ? `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the web UI browser tests`
    : false;

export function requireBuiltUi(): void {
  if (!existsSync(UI_INDEX)) {
    throw new Error(`the web UI is not built (${UI_INDEX} is missing): run \`npm run build\` at the repository root first`);
  }
}

/** Launches headless Chromium once the built UI and the artifacts folder are there. */
export async function launchChromium(): Promise<Browser> {
  if (chromiumMissing) throw new Error(`${CHROMIUM} is missing and CI=true: .ci/run must install Debian's chromium`);
  requireBuiltUi();
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  writeFileSync(join(ARTIFACTS_DIR, `${name}.png`), await page.screenshot({ fullPage: false }));
}

/**
 * A 1440×900 page whose script errors and console errors are collected into `errors`, so a test
 * can assert at the end that no page logged any.
 */
export async function newCheckedPage(browser: Browser, errors: string[], colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme, acceptDownloads: true });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return page;
}
