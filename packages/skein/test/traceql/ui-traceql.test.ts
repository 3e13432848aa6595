/**
 * The search page's TraceQL box (issue 11, item 5) in Chromium: highlighting, suggestions of
 * intrinsics, attribute keys and values from Tempo's tag APIs (served on the query port under
 * /tempo), the parser's error underlined where it stopped, results as traces with their matched
 * spans, a metrics query drawn as a chart, the form shown as TraceQL, all driven by the URL.
 * Screenshots at 1440×900, light and dark, in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { SpanKind, StatusCode, type Span } from '../../src/model/span.js';
import { launchChromium, newCheckedPage, saveScreenshot, skipBrowser } from '../support/chromium.js';
import { eventually, getJson, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const MS = 1_000_000n;
const TRACES = 60;
/** Every 6th checkout call fails: 10 traces with an error in checkout. */
const failing = (i: number): boolean => i % 6 === 0;

function trace(i: number, startNano: bigint): Span[] {
  const traceId = randomTraceId();
  const root = randomSpanId();
  const call = randomSpanId();
  return [
    makeSpan({
      traceId,
      spanId: root,
      name: 'GET /checkout',
      kind: SpanKind.SERVER,
      resource: makeResource('frontend'),
      attributes: [{ key: 'http.request.method', value: 'GET' }],
      startTimeUnixNano: startNano,
      endTimeUnixNano: startNano + BigInt(40 + (i % 10) * 10) * MS,
    }),
    makeSpan({
      traceId,
      spanId: call,
      parentSpanId: root,
      name: 'POST /charge',
      kind: SpanKind.SERVER,
      resource: makeResource('checkout'),
      attributes: [
        { key: 'http.request.method', value: 'POST' },
        { key: 'payment.provider', value: i % 2 === 0 ? 'acme-pay' : 'globex' },
      ],
      startTimeUnixNano: startNano + 2n * MS,
      endTimeUnixNano: startNano + 30n * MS,
      status: { code: failing(i) ? StatusCode.ERROR : StatusCode.UNSET, message: failing(i) ? 'card declined' : '' },
    }),
  ];
}

/** Types into the TraceQL box as a user would (key events, so suggestions follow the cursor). */
async function typeQuery(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'TraceQL query' }).pressSequentially(text, { delay: 5 });
}

describe('TraceQL box on the search page in Chromium', { skip: skipBrowser, timeout: 180_000 }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  const errors: string[] = [];

  before(async () => {
    skein = await startSkein();
    const now = BigInt(Date.now()) * MS;
    // 60 traces over the last 30 minutes: one every 30 s.
    const spans = Array.from({ length: TRACES }, (_, i) => trace(i, now - BigInt(TRACES - i) * 30_000n * MS)).flat();
    const response = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(encodeOtlpJsonTraces(spans)),
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(response.status, 200);
    await eventually(async () => {
      const { body } = await getJson(`${skein.queryUrl}/api/v1/search?lookback=1h&limit=100`);
      return body.traces.length === TRACES ? true : undefined;
    }, 30_000);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    assert.equal(await skein.stop(), 0);
    removeDir(skein.dataDir);
  });

  test("the query port answers Tempo's API under /tempo, and a parse check with the position", async () => {
    const tags = await getJson(`${skein.queryUrl}/tempo/api/v2/search/tags?scope=resource`);
    assert.equal(tags.status, 200);
    assert.ok(tags.body.scopes[0].tags.includes('service.name'));
    const ok = await getJson(`${skein.queryUrl}/api/v1/traceql/parse?q=${encodeURIComponent('{ } | rate()')}`);
    assert.deepEqual(ok.body, { valid: true, kind: 'metrics' });
    const bad = await getJson(`${skein.queryUrl}/api/v1/traceql/parse?q=${encodeURIComponent('{ span.a = }')}`);
    assert.equal(bad.body.valid, false);
    assert.deepEqual([bad.body.error.line, bad.body.error.column, bad.body.error.offset], [1, 12, 11]);
    assert.match(bad.body.error.message, /line 1, col 12/);
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`suggestions, errors, matched spans and a metrics chart (${scheme})`, async () => {
      const page = await newCheckedPage(browser, errors, scheme);
      await page.goto(`${skein.queryUrl}/search?lookback=1h`);
      const box = page.getByRole('textbox', { name: 'TraceQL query' });
      await box.click();

      // Intrinsics and scoped keys from Tempo's tag API; Tab takes the highlighted suggestion.
      await typeQuery(page, '{ resource.serv');
      const suggestions = page.getByRole('listbox', { name: 'Suggestions' });
      await suggestions
        .getByRole('option', { name: /service\.name/ })
        .first()
        .waitFor();
      await box.press('Tab');
      assert.equal(await box.inputValue(), '{ resource.service.name');
      // Values typed as Tempo's v2 values API answers them: strings quoted.
      await typeQuery(page, ' = ');
      await suggestions.getByRole('option', { name: /checkout/ }).waitFor();
      await saveScreenshot(page, `traceql-suggestions-${scheme}`);
      await suggestions.getByRole('option', { name: /checkout/ }).click();
      assert.equal(await box.inputValue(), '{ resource.service.name = "checkout"');
      await typeQuery(page, ' && status = err');
      await suggestions.getByRole('option', { name: /^error/ }).waitFor();
      await box.press('Enter');
      assert.equal(await box.inputValue(), '{ resource.service.name = "checkout" && status = error');
      await typeQuery(page, ' }');
      // Highlighting: the attribute, the string and the enum are coloured tokens.
      assert.equal(await page.locator('.traceql-highlight .tq-attribute').first().innerText(), 'resource.service.name');
      assert.equal(await page.locator('.traceql-highlight .tq-string').first().innerText(), '"checkout"');
      assert.equal(await page.locator('.traceql-highlight .tq-keyword').first().innerText(), 'error');
      await page.getByText('TraceQL search: traces with their matched spans').waitFor();
      await box.press('Escape');
      await box.press('Enter');

      // URL-driven results: every failing trace, each with its matched checkout span.
      await page.waitForURL(/[?&]q=/);
      assert.equal(new URL(page.url()).searchParams.get('q'), '{ resource.service.name = "checkout" && status = error }');
      await page.locator('.traceql-trace').first().waitFor();
      assert.equal(await page.locator('.traceql-trace').count(), TRACES / 6);
      assert.equal(await page.locator('.traceql-trace .matched-spans tr').count(), TRACES / 6);
      assert.match(await page.locator('.traceql-trace .matched-spans').first().innerText(), /POST \/charge/);
      await saveScreenshot(page, `traceql-search-${scheme}`);

      // An error is underlined where the parser stopped, with its line and column.
      await box.fill('');
      await typeQuery(page, '{ span.payment.provider = && name = "x" }');
      const mark = page.locator('.traceql-highlight .tq-error');
      await mark.waitFor();
      assert.equal(await mark.getAttribute('data-error-offset'), '26');
      await page.getByText(/line 1, col 27:/).waitFor();
      await box.press('Escape');
      await saveScreenshot(page, `traceql-error-${scheme}`);

      // A metrics query, straight from the URL, is drawn as one line per series.
      await page.goto(`${skein.queryUrl}/search?lookback=1h&q=${encodeURIComponent('{ } | rate() by (resource.service.name)')}`);
      await page.locator('.traceql-chart').waitFor();
      const legend = await page.locator('.chart-legend li').allInnerTexts();
      assert.deepEqual(legend.map((item) => item.split(/\s/)[0]).sort(), [
        'resource.service.name=checkout',
        'resource.service.name=frontend',
      ]);
      assert.equal(await page.locator('.traceql-chart path.series-line').count(), 2);
      assert.equal(await box.inputValue(), '{ } | rate() by (resource.service.name)', 'the box shows the URL query');
      await saveScreenshot(page, `traceql-metrics-${scheme}`);

      // The filter form shown as TraceQL runs as that query.
      await page.goto(`${skein.queryUrl}/search?lookback=1h&service=checkout&status=error`);
      await page.getByRole('button', { name: 'Show as TraceQL' }).click();
      await page.waitForURL(/[?&]q=/);
      assert.equal(await box.inputValue(), '{ resource.service.name = "checkout" && status = error }');
      await page.locator('.traceql-trace').first().waitFor();
      assert.equal(await page.locator('.traceql-trace').count(), TRACES / 6);

      // A matched span opens its trace at that span.
      await page.locator('.traceql-trace .matched-spans a').first().click();
      await page.waitForURL(/\/trace\/[0-9a-f]{32}\?span=[0-9a-f]{16}/);
      await page.close();
    });
  }

  test('no page logged an error', () => {
    assert.deepEqual(errors, []);
  });
});
