/**
 * The web UI behind authentication (docs/security.md): the page loads without a credential and
 * asks for a token; a wrong one is refused, the right one opens the search page, signing out
 * forgets it. Screenshots of the login page, light and dark, land in test-artifacts/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { launchChromium, newCheckedPage, requireBuiltUi, saveScreenshot, skipBrowser } from '../support/chromium.js';
import { removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';

const TOKEN = 'ui-login-test-token';

describe('web UI login', { skip: skipBrowser }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  before(async () => {
    requireBuiltUi();
    const sha256 = createHash('sha256').update(TOKEN).digest('hex');
    const config = writeConfig(
      `security:\n  auth:\n    tokens:\n      - name: ui\n        sha256: ${sha256}\n        tenant: team-a\n        roles: [read]\n`,
    );
    skein = await startSkein({ args: ['--config', config] });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test('asks for a token, refuses a wrong one, opens the search page with the right one', async () => {
    const errors: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const page = await newCheckedPage(browser, errors, scheme);
      await page.goto(`${skein.queryUrl}/search`);
      await page.getByRole('heading', { name: 'Sign in to Skein' }).waitFor();
      await saveScreenshot(page, `ui-login-${scheme}`);
      await page.getByLabel('API token').fill('wrong-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'The token was not accepted.' }).waitFor();
      await page.getByLabel('API token').fill(TOKEN);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('search').waitFor();
      await page.reload();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Skein' }).waitFor();
      await page.close();
    }
    // The refused probes are 401s the browser reports on the console; nothing else may be.
    assert.deepEqual(
      errors.filter((error) => !/401/.test(error)),
      [],
    );
  });
});
