/**
 * The Services overview and the service page (issue 12, item 6) in Chromium: RED per service with
 * sparklines (sortable), RED charts per operation, exemplar dots that open stored traces.
 * Screenshots at 1440×900, light and dark, in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { SpanKind, StatusCode, type Span } from '../../src/model/span.js';
import { launchChromium, newCheckedPage, saveScreenshot, skipBrowser } from '../support/chromium.js';
import { eventually, getJson, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const MS = 1_000_000n;
const CONFIG = `
processors:
  metrics_tap:
    spanmetrics: { metrics_flush_interval: 1s }
    servicegraph: { store: { ttl: 1s } }
`;

function trace(i: number, startNano: bigint): Span[] {
  const traceId = randomTraceId();
  const root = randomSpanId();
  const call = randomSpanId();
  const millis = 40 + (i % 20) * 9;
  const slow = i % 50 === 7;
  return [
    makeSpan({
      traceId,
      spanId: root,
      name: i % 3 === 0 ? 'GET /cart' : 'GET /checkout',
      kind: SpanKind.SERVER,
      resource: makeResource('frontend'),
      attributes: [],
      startTimeUnixNano: startNano,
      endTimeUnixNano: startNano + BigInt(slow ? 900 : millis) * MS,
    }),
    makeSpan({
      traceId,
      spanId: call,
      parentSpanId: root,
      name: 'POST /pay',
      kind: SpanKind.CLIENT,
      resource: makeResource('frontend'),
      attributes: [],
      startTimeUnixNano: startNano + MS,
      endTimeUnixNano: startNano + 30n * MS,
    }),
    makeSpan({
      traceId,
      parentSpanId: call,
      name: 'POST /pay',
      kind: SpanKind.SERVER,
      resource: makeResource('payments'),
      attributes: [],
      startTimeUnixNano: startNano + 2n * MS,
      endTimeUnixNano: startNano + 28n * MS,
      status: { code: i % 9 === 0 ? StatusCode.ERROR : StatusCode.UNSET, message: '' },
    }),
  ];
}

describe('Services pages in Chromium', { skip: skipBrowser, timeout: 180_000 }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  const errors: string[] = [];

  before(async () => {
    skein = await startSkein({ args: ['--config', writeConfig(CONFIG)] });
    const now = BigInt(Date.now()) * MS;
    const spans: Span[] = [];
    // 40 minutes of traffic, busier and slower in the last ten.
    for (let minute = 40; minute >= 1; minute--) {
      const perMinute = minute <= 10 ? 30 : 12;
      for (let k = 0; k < perMinute; k++)
        spans.push(...trace(minute * 100 + k, now - BigInt(minute) * 60_000n * MS + BigInt(k) * 1000n * MS));
    }
    for (let first = 0; first < spans.length; first += 600) {
      const response = await fetch(skein.otlpHttpUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(encodeOtlpJsonTraces(spans.slice(first, first + 600))),
      });
      assert.equal(response.status, 200);
    }
    await eventually(async () => {
      const { body } = await getJson(`${skein.queryUrl}/api/v1/metrics/services?lookback=1h`);
      return body.services.length === 2 ? true : undefined;
    }, 30_000);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`services overview and a service page (${scheme})`, async () => {
      const page = await newCheckedPage(browser, errors, scheme);
      await page.goto(`${skein.queryUrl}/services?lookback=1h`);
      await page.getByRole('table').waitFor();
      const rows = page.locator('.services-table tbody tr');
      assert.equal(await rows.count(), 2);
      assert.equal(await page.locator('.services-table .sparkline').count(), 6);
      // Sorted by rate: frontend and payments carry the same count; sort by name both ways.
      await page.getByRole('button', { name: /Service/ }).click();
      assert.equal(await rows.first().locator('td').first().innerText(), 'frontend');
      await page.getByRole('button', { name: /Service/ }).click();
      assert.equal(await rows.first().locator('td').first().innerText(), 'payments');
      await saveScreenshot(page, `metrics-services-${scheme}`);

      await page.getByRole('link', { name: 'frontend' }).click();
      await page.locator('.operation').first().waitFor();
      assert.equal(await page.locator('.operation').count(), 2);
      assert.ok((await page.locator('.red-chart').count()) >= 6);
      const dots = page.locator('circle.exemplar');
      assert.ok((await dots.count()) > 0, 'exemplar dots are drawn');
      await saveScreenshot(page, `metrics-service-frontend-${scheme}`);
      await dots.first().click({ force: true });
      await page.waitForURL(/\/trace\/[0-9a-f]{32}$/);
      await page.locator('.waterfall, [role="tree"], .span-row').first().waitFor({ timeout: 15_000 });
      await page.close();
    });
  }

  test('no page logged an error', () => {
    assert.deepEqual(errors, []);
  });
});
