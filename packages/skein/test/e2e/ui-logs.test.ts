/**
 * Logs in the web UI (issue 17), served by the real CLI and driven in Debian's Chromium: the trace
 * page's Logs tab shows one chronological timeline of log records and span events; a click on an
 * entry selects its span; the waterfall shows each span's log count and the span details list its
 * logs; the Logs page searches and links back to the span. Screenshots (1440×900, light and dark)
 * land in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { LogRecord } from '../../src/model/log-record.js';
import { encodeOtlpJsonLogs } from '../../src/model/otlp-logs-json.js';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { launchChromium, newCheckedPage, saveScreenshot, skipBrowser } from '../support/chromium.js';
import { removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeScope, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';

const MS = 1_000_000n;

describe('web UI logs: the Logs tab timeline, span log counts and panel, the Logs page (Chromium)', { skip: skipBrowser }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  const pageErrors: string[] = [];
  const traceId = randomTraceId();
  const rootId = randomSpanId();
  const paymentId = randomSpanId();
  const start = BigInt(Date.now() - 5 * 60_000) * MS;
  const at = (ms: number): bigint => start + BigInt(ms) * MS;
  const frontend = makeResource('frontend');
  const payment = makeResource('payment');
  const scope = makeScope('app');

  before(async () => {
    [skein, browser] = await Promise.all([startSkein(), launchChromium()]);
    const spans = [
      makeSpan({
        traceId,
        spanId: rootId,
        name: 'POST /checkout',
        kind: 2,
        resource: frontend,
        scope,
        startTimeUnixNano: at(0),
        endTimeUnixNano: at(400),
      }),
      makeSpan({
        traceId,
        spanId: paymentId,
        parentSpanId: rootId,
        name: 'charge card',
        kind: 3,
        resource: payment,
        scope,
        startTimeUnixNano: at(100),
        endTimeUnixNano: at(350),
        status: { code: 2, message: 'card declined' },
        events: [
          {
            timeUnixNano: at(300),
            name: 'exception',
            attributes: [{ key: 'exception.type', value: 'CardDeclined' }],
            droppedAttributesCount: 0,
          },
        ],
      }),
    ];
    const log = (ms: number, spanId: string, severityNumber: number, body: LogRecord['body'], resource = frontend): LogRecord => ({
      timeUnixNano: at(ms),
      observedTimeUnixNano: at(ms) + MS,
      severityNumber,
      severityText: '',
      body,
      attributes: [{ key: 'order.id', value: 'o-17' }],
      droppedAttributesCount: 0,
      flags: 1,
      traceId,
      spanId,
      eventName: '',
      resource,
      scope,
    });
    const logs = [
      log(10, rootId, 9, 'checkout started for order o-17'),
      log(150, paymentId, 9, 'charging card ending 4242', payment),
      log(320, paymentId, 17, 'payment declined: insufficient funds (issuer code 51)', payment),
      log(390, rootId, 13, {
        kvlist: [
          { key: 'message', value: 'checkout failed' },
          { key: 'step', value: 'payment' },
        ],
      }),
    ];
    for (const [path, body] of [
      ['/v1/traces', encodeOtlpJsonTraces(spans)],
      ['/v1/logs', encodeOtlpJsonLogs(logs)],
    ] as const) {
      const response = await fetch(`http://127.0.0.1:${skein.ports.otlpHttp}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(response.status, 200, await response.text());
    }
  });

  after(async () => {
    await browser?.close();
    if (skein) {
      await skein.stop();
      removeDir(skein.dataDir);
    }
  });

  const entryTexts = (page: Page): Promise<string[]> =>
    page.locator('.logs-list .log-entry .log-body').evaluateAll((nodes) => nodes.map((node) => node.textContent ?? ''));

  for (const scheme of ['light', 'dark'] as const) {
    test(`the Logs tab: one chronological timeline of logs and span events, linked both ways (${scheme})`, async () => {
      const page = await newCheckedPage(browser, pageErrors, scheme);
      try {
        await page.goto(`${skein.queryUrl}/trace/${traceId}?view=logs`);
        await page.locator('.logs-list .log-entry').nth(4).waitFor({ timeout: 15_000 });
        assert.deepEqual(await entryTexts(page), [
          'checkout started for order o-17',
          'charging card ending 4242',
          'exception',
          'payment declined: insufficient funds (issuer code 51)',
          '{message: "checkout failed", step: "payment"}',
        ]);
        // Log → span: the declined payment's span button selects "charge card" and opens its details.
        await page.locator('.log-entry', { hasText: 'payment declined' }).locator('.log-span').click();
        await page.waitForURL(new RegExp(`span=${paymentId}`));
        await page.locator('.span-details h2', { hasText: 'charge card' }).waitFor();
        await page.locator('.log-entry.selected').first().waitFor();
        assert.equal(await page.locator('.log-entry.selected').count(), 3, 'the span’s two logs and its event are marked');
        await saveScreenshot(page, `ui-logs-tab-${scheme}`);

        // Span → logs: the waterfall shows log counts; the span details list the span's logs.
        await page.locator('.tabs [role=tab]', { hasText: 'Timeline' }).click();
        const paymentRow = page.locator(`.wf-row[data-span-id="${paymentId}"]`);
        await paymentRow.locator('.log-count').waitFor();
        assert.equal((await paymentRow.locator('.log-count').textContent())?.trim(), '≡ 2');
        assert.equal((await page.locator(`.wf-row[data-span-id="${rootId}"] .log-count`).textContent())?.trim(), '≡ 2');
        const panel = page.locator('.span-logs .span-log');
        assert.equal(await panel.count(), 2);
        assert.match((await panel.nth(1).textContent()) ?? '', /ERROR.*payment declined/);
        await saveScreenshot(page, `ui-logs-span-panel-${scheme}`);
        await page.locator('.span-logs button', { hasText: 'All logs and events' }).click();
        await page.waitForURL(/view=logs/);

        // The span table's Logs column (counts from /logs/counts); a count opens the Logs tab on that span only.
        await page.goto(`${skein.queryUrl}/trace/${traceId}?view=table`);
        const paymentCell = page.locator(`.span-table tr[data-span-id="${paymentId}"] .log-count`);
        await paymentCell.waitFor({ timeout: 15_000 });
        assert.equal((await paymentCell.textContent())?.trim(), '≡ 2');
        assert.equal((await page.locator(`.span-table tr[data-span-id="${rootId}"] .log-count`).textContent())?.trim(), '≡ 2');
        await saveScreenshot(page, `ui-logs-span-table-${scheme}`);
        await paymentCell.click();
        await page.waitForURL(new RegExp(`span=${paymentId}&view=logs&logs=span`));
        await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('.logs-list .log-entry').length === 3);
        assert.deepEqual(await entryTexts(page), [
          'charging card ending 4242',
          'exception',
          'payment declined: insufficient funds (issuer code 51)',
        ]);
        assert.equal(await page.locator('.logs-scope').inputValue(), 'span');
        await saveScreenshot(page, `ui-logs-tab-span-${scheme}`);
      } finally {
        await page.close();
      }
    });
  }

  test('the Logs page: search by severity and body text, links to the span on its trace', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await newCheckedPage(browser, pageErrors, scheme);
      try {
        await page.goto(`${skein.queryUrl}/logs`);
        await page.locator('.logs-list .log-entry').nth(3).waitFor({ timeout: 15_000 });
        assert.equal(await page.locator('.logs-list .log-entry').count(), 4);
        await saveScreenshot(page, `ui-logs-page-${scheme}`);
        await page.locator('.logs-form select').nth(1).selectOption('error');
        await page.locator('.logs-form input').first().fill('DECLINED');
        await page.locator('.logs-form button[type=submit]').click();
        await page.waitForURL(/severity=error/);
        await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('.logs-list .log-entry').length === 1);
        await page.locator('.logs-list .log-span').click();
        await page.waitForURL(new RegExp(`/trace/${traceId}\\?span=${paymentId}&view=logs`));
        await page.locator('.span-details h2', { hasText: 'charge card' }).waitFor();
      } finally {
        await page.close();
      }
    }
    assert.deepEqual(pageErrors, []);
  });
});
