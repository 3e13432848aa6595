/**
 * Explore and Compare in Chromium (issue 15, item 4): the heatmap brush ranks the designed slow
 * region's cause, a ranked value is one click from the filter, and the comparison view opens from
 * the trace page ("Compare with…"), from search results (pick two) and from a service page ("Slow
 * vs fast"). Screenshots at 1440×900, light and dark, in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import type { Span } from '../../src/model/span.js';
import { launchChromium, newCheckedPage, saveScreenshot, skipBrowser } from '../support/chromium.js';
import { eventually, getJson, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { traceId } from '../storage/trace-fixtures.js';
import { MINUTE, RETRY_T0, RETRY_TRACE_BASE, retryWorld, SLOW_T0, slowReplica } from './analysis-datasets.js';

const CONFIG = `
processors:
  metrics_tap:
    spanmetrics: { metrics_flush_interval: 1s }
`;

/** The datasets moved so that the retry world lies in the last hour and the slow world ~4 h ago. */
const NOW = BigInt(Date.now()) * 1_000_000n;
const SHIFT = NOW - (NOW % MINUTE) - 30n * MINUTE - RETRY_T0;
const shifted = (spans: Span[]): Span[] =>
  spans.map((span) => ({ ...span, startTimeUnixNano: span.startTimeUnixNano + SHIFT, endTimeUnixNano: span.endTimeUnixNano + SHIFT }));
const SLOW_START = SLOW_T0 + SHIFT;

describe('Explore and Compare in Chromium', { skip: skipBrowser, timeout: 240_000 }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  const errors: string[] = [];

  before(async () => {
    skein = await startSkein({ args: ['--config', writeConfig(CONFIG)] });
    const spans = [...shifted(slowReplica()), ...shifted(retryWorld())];
    for (let first = 0; first < spans.length; first += 1000) {
      const response = await fetch(skein.otlpHttpUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(encodeOtlpJsonTraces(spans.slice(first, first + 1000))),
        signal: AbortSignal.timeout(30_000),
      });
      assert.equal(response.status, 200);
    }
    await eventually(async () => {
      const { body } = await getJson(`${skein.queryUrl}/api/v1/metrics/services?lookback=1h`);
      return body.services?.length >= 3 ? true : undefined;
    }, 30_000);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (skein !== undefined) {
      await skein.stop();
      removeDir(skein.dataDir);
    }
  });

  const explore = (extra = ''): string =>
    `${skein.queryUrl}/explore?start=${SLOW_START}&end=${SLOW_START + 60n * MINUTE}&by=span.db.instance${extra}`;

  /** Drags over the heatmap from minute 30 to 40 of 60 and the top quarter of durations (the slow cells). */
  async function brushSlowRegion(page: Page): Promise<void> {
    const svg = page.locator('.heatmap svg');
    const box = (await svg.boundingBox())!;
    const left = 64;
    const plot = box.width - left - 8;
    const x0 = box.x + left + (plot * 30) / 60 + 1;
    const x1 = box.x + left + (plot * 40) / 60 - 1;
    await page.mouse.move(x0, box.y + 8);
    await page.mouse.down();
    await page.mouse.move((x0 + x1) / 2, box.y + 40, { steps: 3 });
    await page.mouse.move(x1, box.y + 0.25 * box.height, { steps: 3 });
    await page.mouse.up();
  }

  for (const scheme of ['light', 'dark'] as const) {
    test(`Explore: heatmap, group-by, brush to rank, click to filter (${scheme})`, async () => {
      const page = await newCheckedPage(browser, errors, scheme);
      await page.goto(explore(), { timeout: 20_000 });
      await page.locator('.heatmap-cell').first().waitFor({ timeout: 20_000 });
      await page.locator('.group-table tbody tr').first().waitFor({ timeout: 20_000 });
      assert.equal(await page.locator('.group-table tbody tr').count(), 10);
      assert.equal(await page.locator('.group-table .sparkline').count(), 20);
      await brushSlowRegion(page);
      await page.waitForURL(/selStart=/, { timeout: 10_000 });
      const first = page.locator('.ranked-attributes > li').first();
      await first.locator('.badge.cause').waitFor({ timeout: 20_000 });
      assert.equal(await first.locator('.attribute-name').innerText(), 'span.db.instance');
      assert.equal(await page.locator('.ranked-attributes > li.significant').count(), 1);
      assert.equal(await first.locator('.ranked-value').first().innerText(), 'replica-3');
      await saveScreenshot(page, `explore-ranking-${scheme}`);
      await first.locator('.ranked-value button').first().click();
      await page.waitForURL(/replica-3/, { timeout: 10_000 });
      assert.equal(new URL(page.url()).searchParams.get('q'), '{ span.db.instance = "replica-3" }');
      await page.locator('.group-table tbody tr').first().waitFor({ timeout: 20_000 });
      await eventually(async () => ((await page.locator('.group-table tbody tr').count()) === 1 ? true : undefined), 15_000, 'one group');
      await page.close();
    });

    test(`Compare: two traces from a trace page, groups from a service page (${scheme})`, async () => {
      const page = await newCheckedPage(browser, errors, scheme);
      await page.goto(`${skein.queryUrl}/trace/${traceId(RETRY_TRACE_BASE + 1)}`, { timeout: 20_000 });
      await page.getByRole('button', { name: 'Compare with…' }).click({ timeout: 20_000 });
      await page.getByLabel('Trace ID to compare with').fill(traceId(RETRY_TRACE_BASE + 8));
      await page.getByRole('button', { name: 'Compare', exact: true }).click();
      await page.waitForURL(/\/compare\?a=/, { timeout: 10_000 });
      const firstRow = page.locator('.diff-table tbody tr').first();
      await firstRow.waitFor({ timeout: 20_000 });
      assert.equal(await firstRow.locator('.badge.change').innerText(), 'added');
      assert.match(await firstRow.locator('.diff-path').innerText(), /payment: charge/);
      await saveScreenshot(page, `compare-traces-${scheme}`);

      await page.goto(`${skein.queryUrl}/services/frontend?lookback=1h`, { timeout: 20_000 });
      await page.getByRole('link', { name: 'Slow vs fast' }).first().click({ timeout: 20_000 });
      await page.waitForURL(/\/compare\?service=frontend/, { timeout: 10_000 });
      const groupRow = page.locator('.diff-table tbody tr').first();
      await groupRow.waitFor({ timeout: 20_000 });
      assert.match(await groupRow.locator('.diff-path').innerText(), /payment: charge/);
      await saveScreenshot(page, `compare-slow-fast-${scheme}`);
      await page.close();
    });
  }

  test('Compare from search results: pick two', async () => {
    const page = await newCheckedPage(browser, errors);
    await page.goto(`${skein.queryUrl}/search?service=frontend&lookback=1h&limit=50`, { timeout: 20_000 });
    const picks = page.locator('.result-list .pick input');
    await picks.first().waitFor({ timeout: 20_000 });
    await picks.nth(0).check();
    await picks.nth(1).check();
    await page.getByRole('button', { name: 'Compare 2/2' }).click();
    await page.waitForURL(/\/compare\?a=[0-9a-f]{32}&b=[0-9a-f]{32}$/, { timeout: 10_000 });
    await page.locator('.diff-table tbody tr').first().waitFor({ timeout: 20_000 });
    await page.close();
  });

  test('a null selection shows no cause', async () => {
    const page = await newCheckedPage(browser, errors);
    // Minutes 0..10 of the slow world: nothing special happened there.
    const selection = `&selStart=${SLOW_START}&selEnd=${SLOW_START + 10n * MINUTE}&selMin=20000000`;
    await page.goto(explore(selection), { timeout: 20_000 });
    await page.locator('.ranking-summary .no-cause').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('.ranked-attributes > li.significant').count(), 0);
    await page.close();
  });

  test('no page logged an error', () => {
    assert.deepEqual(errors, []);
  });
});
