/**
 * Issue 21 in the browser: one duration for a skewed trace everywhere, a name column that shows
 * full names and can be widened, badges that stay off the bars, readable attribute keys,
 * flame-graph labels inside their boxes, a scatter with sensible ticks and a log scale, a compact
 * result list, a compact trace header, and service colours that are never the error colour.
 * Screenshots at 1440×900 and 1920×1080, light and dark, land in test-artifacts/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import type { Resource, Span, SpanKind } from '../../src/model/span.js';
import { launchChromium, newCheckedPage, saveScreenshot, skipBrowser } from '../support/chromium.js';
import { removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const MS = 1_000_000n;
const LONG_NAME = "SELECT orders.id, orders.total, orders.currency FROM orders WHERE customer_id = $1 AND status = 'open'";
const LONG_KEY = 'http.response.header.x-forwarded-for-original-client';

describe('web UI: first ten minutes and daily use', { skip: skipBrowser }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  const pageErrors: string[] = [];
  const skewedTraceId = randomTraceId();
  const steadyTraceId = randomTraceId();
  const producerTraceId = randomTraceId();
  const consumerTraceId = randomTraceId();
  const producerSpanId = randomSpanId();
  const consumerSpanId = randomSpanId();
  const base = BigInt(Date.now() - 3 * 60_000) * MS;

  before(async () => {
    [skein, browser] = await Promise.all([startSkein(), launchChromium()]);
    const host = (service: string, name: string): Resource => makeResource(service, [{ key: 'host.name', value: name }]);
    const gateway = host('api-gateway', 'gateway.demo.internal');
    const order = host('order', 'order.demo.internal');
    const fraud = host('fraud-check', 'fraud-check.demo.internal');
    const notify = host('notify', 'notify.demo.internal');
    const span = (
      traceId: string,
      spanId: string,
      parentSpanId: string,
      name: string,
      kind: SpanKind,
      resource: Resource,
      fromMs: number,
      toMs: number,
      extra: Partial<Span> = {},
    ): Span =>
      makeSpan({
        traceId,
        spanId,
        parentSpanId,
        name,
        kind,
        resource,
        startTimeUnixNano: base + BigInt(Math.round(fromMs * 1000)) * 1000n,
        endTimeUnixNano: base + BigInt(Math.round(toMs * 1000)) * 1000n,
        ...extra,
      });
    // The demo's skewed host: fraud-check's clock runs 2.5 s ahead (npm run demo -- --clock-skew 2500).
    const s = { root: randomSpanId(), order: randomSpanId(), db: randomSpanId(), call: randomSpanId(), check: randomSpanId() };
    const skewed = [
      span(skewedTraceId, s.root, '', 'POST /orders', 2, gateway, 0, 86),
      span(skewedTraceId, s.order, s.root, 'create order', 2, order, 2, 80),
      span(skewedTraceId, s.db, s.order, LONG_NAME, 3, order, 5, 25, {
        attributes: [
          { key: LONG_KEY, value: '10.0.0.7' },
          { key: 'db.system', value: 'sqlite' },
        ],
      }),
      span(skewedTraceId, s.call, s.order, 'POST /check', 3, order, 30, 70),
      span(skewedTraceId, s.check, s.call, 'score order', 2, fraud, 2_535, 2_565),
      span(skewedTraceId, randomSpanId(), s.check, 'model lookup', 1, fraud, 2_540, 2_560),
    ];
    // Unskewed traffic: processes of one machine disagree by a fraction of a millisecond.
    const t = { root: randomSpanId(), call: randomSpanId() };
    const steady = [
      span(steadyTraceId, t.root, '', 'GET /status', 2, gateway, 1_000, 1_020),
      span(steadyTraceId, t.call, t.root, 'POST /notify', 3, gateway, 1_001, 1_011),
      span(steadyTraceId, randomSpanId(), t.call, 'send sms', 2, notify, 1_000.7, 1_010.9, {
        status: { code: 2, message: 'sms gateway down' },
      }),
    ];
    // A spread of durations, so the scatter has fast and slow dots.
    const spread = [3, 12, 40, 150, 900, 2_400].map((ms, i) => {
      const id = randomTraceId();
      return span(id, randomSpanId(), '', `GET /item/${i}`, 2, gateway, 5_000 + i * 2_000, 5_000 + i * 2_000 + ms);
    });
    // A queue hop: the consumer's own trace links back to the producer span (as the demo's notify does).
    const queue = [
      span(producerTraceId, producerSpanId, '', 'publish order.created', 4, order, 20_000, 20_002),
      span(consumerTraceId, consumerSpanId, '', 'process order.created', 5, notify, 20_050, 20_090, {
        links: [{ traceId: producerTraceId, spanId: producerSpanId, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 1 }],
      }),
    ];
    const response = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(encodeOtlpJsonTraces([...skewed, ...steady, ...spread, ...queue])),
    });
    assert.equal(response.status, 200, await response.text());
  });

  after(async () => {
    await browser?.close();
    if (skein) {
      assert.equal(await skein.stop(), 0);
      removeDir(skein.dataDir);
    }
  });

  const newPage = (colorScheme: 'light' | 'dark' = 'light', size?: { width: number; height: number }): Promise<Page> =>
    newCheckedPage(browser, pageErrors, colorScheme).then(async (page) => {
      if (size) await page.setViewportSize(size);
      return page;
    });

  test("a skewed demo trace's search duration equals its trace-page duration; unskewed traffic is not adjusted", async () => {
    const page = await newPage();
    await page.goto(`${skein.queryUrl}/search?service=api-gateway&lookback=1h`);
    const row = page.locator(`.result[data-trace-id="${skewedTraceId}"]`);
    await row.waitFor();
    const searchDuration = await row.locator('.duration').innerText();
    assert.equal(searchDuration, '86 ms');
    // The scatter plots the same number.
    assert.match((await page.locator(`.scatter-point[data-trace-id="${skewedTraceId}"] title`).textContent()) ?? '', / · 86 ms$/);
    await row.click();
    const header = page.locator('.trace-header');
    await header.waitFor();
    assert.match(await header.innerText(), /Duration\s*86 ms/i);
    assert.match(await header.innerText(), /2 skew-adjusted/);

    await page.goto(`${skein.queryUrl}/trace/${steadyTraceId}`);
    await header.waitFor();
    assert.match(await header.innerText(), /Duration\s*20 ms/i);
    assert.equal(await page.locator('.skew-mark').count(), 0, 'sub-millisecond jitter is not skew');
    assert.equal(await page.getByRole('checkbox', { name: /raw times/ }).count(), 0);
    assert.deepEqual(pageErrors, []);
  });

  test('name column: full names on hover, resizable by drag and keys; badges never reach the bars', async () => {
    const page = await newPage();
    await page.evaluate(() => localStorage.clear()).catch(() => undefined);
    await page.goto(`${skein.queryUrl}/trace/${skewedTraceId}`);
    const dbRow = page.locator('.wf-row').filter({ hasText: 'SELECT orders.id' });
    await dbRow.waitFor();
    assert.equal(await dbRow.locator('.wf-name').getAttribute('title'), `order · ${LONG_NAME}`);
    const nameBox = dbRow.locator('.wf-span-name');
    const clipped = (): Promise<boolean> => nameBox.evaluate((element) => element.scrollWidth > element.clientWidth);
    assert.ok(await clipped(), 'the long name is cut at the default width');

    const resizer = page.getByRole('separator', { name: /Resize the name column/ });
    const before = (await page.locator('.wf-name-col').boundingBox())!;
    const handle = (await resizer.boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(before.x + 900, handle.y + handle.height / 2, { steps: 6 });
    await page.mouse.up();
    const widened = (await page.locator('.wf-name-col').boundingBox())!;
    assert.ok(Math.abs(widened.width - 900) <= 2, `dragged to ${widened.width}px`);
    assert.ok(!(await clipped()), 'the whole name shows once the column is wide enough');
    await resizer.focus();
    await page.keyboard.press('ArrowLeft');
    assert.ok(Math.abs((await page.locator('.wf-name-col').boundingBox())!.width - 880) <= 2);
    // Remembered across traces and reloads.
    await page.reload();
    await dbRow.waitFor();
    assert.ok(Math.abs((await page.locator('.wf-name-col').boundingBox())!.width - 880) <= 2);
    await resizer.dblclick();
    assert.ok((await page.locator('.wf-name-col').boundingBox())!.width < 400, 'double-click resets');

    // Every badge and mark ends inside its row's name column, whatever the name's length.
    for (const width of [1440, 1920]) {
      await page.setViewportSize({ width, height: width === 1440 ? 900 : 1080 });
      const overflowing = await page.locator('.wf-row').evaluateAll((rows) =>
        rows.flatMap((row) => {
          const name = row.querySelector('.wf-name')!.getBoundingClientRect();
          return [...row.querySelectorAll('.wf-name .badge, .wf-name .error-mark')]
            .filter((badge) => badge.getBoundingClientRect().right > name.right + 0.5)
            .map((badge) => badge.textContent ?? '');
        }),
      );
      assert.deepEqual(overflowing, [], `badges past the name column at ${width}px`);
    }
    assert.deepEqual(pageErrors, []);
  });

  test('attribute keys wrap only at their separators; flame-graph labels stay inside their boxes', async () => {
    const page = await newPage();
    await page.goto(`${skein.queryUrl}/trace/${skewedTraceId}`);
    await page.locator('.wf-row').filter({ hasText: 'SELECT orders.id' }).click();
    const key = page.locator('.span-details .attrs th', { hasText: 'x-forwarded' });
    await key.waitFor();
    assert.equal(await key.getAttribute('title'), LONG_KEY);
    // Each segment ("http.", "response.", …) is one piece on screen: no break inside a segment.
    const splitSegments = await key.evaluate((th) =>
      [...th.querySelectorAll('span')].filter((segment) => segment.getClientRects().length > 1).map((segment) => segment.textContent),
    );
    assert.deepEqual(splitSegments, []);
    assert.ok((await key.evaluate((th) => th.getClientRects()[0]!.height)) > 20, 'the long key does wrap (at its dots)');
    await saveScreenshot(page, 'ui21-span-details');

    await page.getByRole('tab', { name: 'Flame graph' }).click();
    await page.locator('.flame-box').first().waitFor();
    const escaping = await page.locator('.flame-box').evaluateAll((boxes) =>
      boxes.flatMap((box) => {
        const label = box.querySelector('.flame-label');
        if (!label) return [];
        const outer = box.getBoundingClientRect();
        const inner = label.getBoundingClientRect();
        return inner.right > outer.right + 0.5 || inner.left < outer.left - 0.5 ? [label.textContent ?? ''] : [];
      }),
    );
    assert.deepEqual(escaping, []);
    // Boxes too narrow for a label show none, and keep their true width (no padding to grow them).
    const narrow = await page
      .locator('.flame-box.unlabelled')
      .evaluateAll((boxes) => boxes.map((box) => box.getBoundingClientRect().width));
    assert.ok(
      narrow.every((width) => width < 36),
      `unlabelled widths ${narrow.join(', ')}`,
    );
    await saveScreenshot(page, 'ui21-flame');
    assert.deepEqual(pageErrors, []);
  });

  test('search: scatter ticks above every dot, a log scale, a compact list; service colours never the error colour', async () => {
    const page = await newPage();
    await page.goto(`${skein.queryUrl}/search?lookback=1h`);
    await page.locator('.scatter-point').first().waitFor();
    const labels = await page.locator('.scatter-label').allTextContents();
    assert.ok(!labels.includes('0 ns'), labels.join(' | '));
    const topTickY = async (): Promise<number> =>
      Math.min(...(await page.locator('.scatter-grid').evaluateAll((lines) => lines.map((line) => Number(line.getAttribute('y1'))))));
    const highestDotY = async (): Promise<number> =>
      Math.min(...(await page.locator('.scatter-point').evaluateAll((dots) => dots.map((dot) => Number(dot.getAttribute('cy'))))));
    assert.ok((await highestDotY()) >= (await topTickY()), 'no dot above the top tick');

    await page.getByRole('checkbox', { name: 'log scale' }).check();
    const logLabels = await page.locator('.scatter-label').allTextContents();
    for (const decade of ['1 ms', '10 ms', '100 ms', '1 s']) assert.ok(logLabels.includes(decade), logLabels.join(' | '));
    assert.ok((await highestDotY()) >= (await topTickY()));
    await saveScreenshot(page, 'ui21-search-log');

    const rowHeight = (): Promise<number> =>
      page
        .locator('.result')
        .first()
        .evaluate((row) => row.getBoundingClientRect().height);
    const roomy = await rowHeight();
    await page.getByRole('checkbox', { name: 'compact list' }).check();
    const compact = await rowHeight();
    assert.ok(compact <= 40 && compact * 2.5 < roomy, `rows ${roomy}px → ${compact}px`);
    await saveScreenshot(page, 'ui21-search-compact');

    // Every service dot and bar drawn, notify's included, is a palette colour, never --error.
    const { errorColour, serviceColours } = (await page.evaluate(`(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--error)';
      document.body.append(probe);
      const errorColour = getComputedStyle(probe).color;
      probe.remove();
      const serviceColours = [...document.querySelectorAll('.service-dot, .bar-fill')].map((element) => getComputedStyle(element).backgroundColor);
      return { errorColour, serviceColours };
    })()`)) as { errorColour: string; serviceColours: string[] };
    assert.ok(serviceColours.length > 0);
    assert.ok(!serviceColours.includes(errorColour), `${errorColour} among ${[...new Set(serviceColours)].join(', ')}`);
    assert.deepEqual(pageErrors, []);
  });

  test('a producer span lists the consumer span of another trace that links to it, and opens it', async () => {
    const page = await newPage();
    await page.goto(`${skein.queryUrl}/trace/${producerTraceId}?span=${producerSpanId}`);
    const linked = page.locator('.span-details .foreign-link a');
    await linked.waitFor();
    assert.match(await linked.innerText(), /notify:\s*process order\.created/);
    await linked.click();
    await page.waitForURL(`${skein.queryUrl}/trace/${consumerTraceId}?span=${consumerSpanId}`);
    await page.locator('.span-details').waitFor();
    assert.match(await page.locator('.span-details').innerText(), /Links\s*1/);
    assert.deepEqual(pageErrors, []);
  });

  test('compact trace header with collapsible details, flame labels in their boxes; screenshots of trace, flame graph, map and search at 1440×900 and 1920×1080, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const size of [
        { width: 1440, height: 900 },
        { width: 1920, height: 1080 },
      ]) {
        const page = await newPage(colorScheme, size);
        await page.goto(`${skein.queryUrl}/trace/${skewedTraceId}`);
        const header = page.locator('.trace-header');
        await header.waitFor();
        await page.locator('.wf-row').first().waitFor();
        const height = await header.evaluate((element) => element.getBoundingClientRect().height);
        assert.ok(height <= 0.2 * size.height, `header ${height}px of ${size.height}px`);
        const suffix = `${size.width}x${size.height}-${colorScheme}`;
        await saveScreenshot(page, `ui21-trace-${suffix}`);
        const toggle = header.getByRole('button', { name: 'Details' });
        await toggle.click();
        await header.locator('.trace-details .service-chip').first().waitFor();
        assert.equal(await header.getByRole('button', { name: 'Hide details' }).getAttribute('aria-expanded'), 'true');
        await header.getByRole('button', { name: 'Hide details' }).click();

        // The flame graph at this size: labels inside their boxes or none.
        await page.goto(`${skein.queryUrl}/trace/${skewedTraceId}?view=flame`);
        await page.locator('.flame-box').first().waitFor();
        const escaping = await page.locator('.flame-box').evaluateAll((boxes) =>
          boxes.flatMap((box) => {
            const label = box.querySelector('.flame-label');
            const outer = box.getBoundingClientRect();
            const inner = label?.getBoundingClientRect();
            return inner && (inner.right > outer.right + 0.5 || inner.left < outer.left - 0.5) ? [label!.textContent ?? ''] : [];
          }),
        );
        assert.deepEqual(escaping, [], `flame labels past their boxes at ${suffix}`);
        await saveScreenshot(page, `ui21-flame-${suffix}`);

        await page.goto(`${skein.queryUrl}/map?lookback=1h`);
        await page.locator('.map-node').first().waitFor();
        await saveScreenshot(page, `ui21-map-${suffix}`);

        await page.goto(`${skein.queryUrl}/search?lookback=1h`);
        await page.locator('.scatter-point').first().waitFor();
        await saveScreenshot(page, `ui21-search-${suffix}`);
        await page.close();
      }
    }
    assert.deepEqual(pageErrors, []);
  });
});
