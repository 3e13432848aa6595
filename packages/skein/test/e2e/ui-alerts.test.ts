/**
 * The Alerts page (issue 16, item 3) in Chromium: a firing config rule with its state, the chart
 * of its query against the threshold, its history and evidence; "Alert on this" on the Services
 * and Explore pages opens the new-rule form pre-filled from what the page shows, and the rule it
 * creates is listed. Screenshots at 1440×900, light and dark, in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { SpanKind, StatusCode, type Span } from '../../src/model/span.js';
import { launchChromium, newCheckedPage, saveScreenshot, skipBrowser } from '../support/chromium.js';
import { eventually, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeSpan, randomTraceId } from '../support/span-factory.js';

const MS = 1_000_000n;
const CONFIG = `
processors:
  metrics_tap:
    spanmetrics: { metrics_flush_interval: 500ms }
extensions:
  query:
    alerts:
      evaluation_interval: 300ms
      rules:
        - id: checkout-p99
          name: checkout p99 above 300ms
          query: '{ resource.service.name = "checkout" && kind = server } | quantile_over_time(duration, 0.99)'
          threshold: 0.3
          window: 1m
          labels: { severity: page }
          description: checkout answers slowly
`;

/** Twenty minutes of checkout requests, 4 a minute; the last three minutes slow and failing. */
function load(): Span[] {
  const now = BigInt(Date.now()) * MS;
  const spans: Span[] = [];
  for (let minute = 20; minute >= 0; minute--) {
    for (let k = 0; k < 4; k++) {
      const slow = minute <= 2;
      const millis = BigInt(slow ? 450 + k * 40 : 60 + ((minute * 7 + k * 13) % 50));
      const end = now - BigInt(minute) * 60_000n * MS - BigInt(k) * 9_000n * MS;
      spans.push(
        makeSpan({
          traceId: randomTraceId(),
          resource: makeResource('checkout'),
          name: 'POST /orders',
          kind: SpanKind.SERVER,
          startTimeUnixNano: end - millis * MS,
          endTimeUnixNano: end,
          attributes: [],
          status: slow ? { code: StatusCode.ERROR, message: 'timeout' } : { code: StatusCode.UNSET, message: '' },
          events: slow
            ? [
                {
                  timeUnixNano: end - MS,
                  name: 'exception',
                  attributes: [
                    { key: 'exception.type', value: 'TimeoutError' },
                    { key: 'exception.message', value: 'db pool exhausted' },
                  ],
                  droppedAttributesCount: 0,
                },
              ]
            : [],
        }),
      );
    }
  }
  return spans;
}

describe('Alerts page in Chromium', { skip: skipBrowser, timeout: 120_000 }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  let configFile: string;
  const errors: string[] = [];

  before(async () => {
    configFile = writeConfig(CONFIG);
    skein = await startSkein({ args: ['--config', configFile] });
    const response = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(encodeOtlpJsonTraces(load())),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(response.status, 200);
    await eventually(
      async () => {
        const rules = await fetch(`${skein.queryUrl}/api/v1/alerts/rules`, { signal: AbortSignal.timeout(10_000) }).then(
          (r) => r.json() as Promise<any>,
        );
        const services = await fetch(`${skein.queryUrl}/api/v1/metrics/services?lookback=1h`, { signal: AbortSignal.timeout(10_000) }).then(
          (r) => r.json() as Promise<any>,
        );
        return rules.rules[0]?.state === 'firing' && services.services.length === 1 ? true : undefined;
      },
      30_000,
      'the rule firing and the service metrics',
    );
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await skein?.stop();
    if (skein) removeDir(skein.dataDir);
    if (configFile) rmSync(dirname(configFile), { recursive: true, force: true });
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`a firing rule with its chart, threshold, history and evidence (${scheme})`, async () => {
      const page = await newCheckedPage(browser, errors, scheme);
      await page.goto(`${skein.queryUrl}/alerts`);
      await page.locator('.alerts-table').waitFor();
      assert.equal(await page.locator('.alerts-table tbody tr').count(), 1);
      assert.equal(await page.locator('.alerts-table .alert-state').first().innerText(), 'firing');
      await page.locator('.alert-chart svg path.series').first().waitFor();
      assert.equal(await page.locator('.alert-chart line.threshold').count(), 1);
      assert.ok((await page.locator('.alert-chart .series-dot').count()) >= 10, 'a point per minute of data');
      assert.match(await page.locator('.alert-history').innerText(), /firing/);
      assert.match(await page.locator('.alert-exception').innerText(), /TimeoutError: db pool exhausted/);
      assert.ok((await page.locator('.alert-exemplars a').count()) > 0);
      // The ranking's top attribute: every span above 0.3 s failed, none of the others did.
      assert.equal(
        await page.locator('.alert-top-attribute').innerText(),
        'Top attribute status = error on 100% of offending spans, 0% of the others',
      );
      await saveScreenshot(page, `alerts-page-${scheme}`);
      await page.close();
    });
  }

  test('"Alert on this" on the Services page opens a pre-filled form, and the new rule is listed', async () => {
    const page = await newCheckedPage(browser, errors, 'light');
    await page.goto(`${skein.queryUrl}/services?lookback=1h`);
    await page.getByRole('link', { name: 'Alert on this' }).click();
    await page.waitForURL(/\/alerts\?new=1/);
    const form = page.getByRole('form', { name: 'New alert rule' });
    await form.waitFor();
    assert.match(await form.locator('textarea').inputValue(), /resource\.service\.name = "checkout"/);
    assert.match(await form.getByRole('textbox').first().inputValue(), /^checkout p99 above /);
    assert.ok(Number(await form.getByRole('textbox', { name: 'Threshold' }).inputValue()) > 0.3, "the threshold is above today's p99");
    await page.locator('.alerts-table').waitFor();
    await saveScreenshot(page, 'alerts-new-rule-light');
    await form.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/alerts\?rule=r-[0-9a-f]{8}$/);
    await page.locator('.alerts-table tbody tr').nth(1).waitFor();
    assert.equal(await page.locator('.alerts-table tbody tr').count(), 2);
    await page.close();
  });

  const checkout = '{ resource.service.name = "checkout" }';
  for (const scheme of ['light', 'dark'] as const) {
    test(`"Alert on this" on an Explore latency selection pre-fills the p99 above the selected band (${scheme})`, async () => {
      const page = await newCheckedPage(browser, errors, scheme);
      const endNano = BigInt(Date.now()) * MS;
      const startNano = endNano - 3_600_000n * MS;
      // What a heatmap brush over the slow band writes into the URL.
      const params = new URLSearchParams({
        q: checkout,
        start: String(startNano),
        end: String(endNano),
        selStart: String(startNano),
        selEnd: String(endNano),
        selMin: '400000000',
        selMax: '2000000000',
      });
      await page.goto(`${skein.queryUrl}/explore?${params}`);
      const link = page.getByRole('link', { name: 'Alert on this' });
      await link.waitFor();
      await page.locator('.explore-ranking .ranking-summary').waitFor();
      await page.locator('.explore-heatmap .heatmap svg').waitFor();
      await saveScreenshot(page, `explore-alert-on-this-${scheme}`);
      await link.click();
      await page.waitForURL(/\/alerts\?new=1/);
      const form = page.getByRole('form', { name: 'New alert rule' });
      await form.waitFor();
      assert.equal(await form.locator('textarea').inputValue(), `${checkout} | quantile_over_time(duration, 0.99)`);
      assert.equal(await form.getByRole('textbox', { name: 'Threshold' }).inputValue(), '0.4');
      assert.equal(await form.getByRole('textbox').first().inputValue(), `p99 above 0.4s: ${checkout}`);
      await page.close();
    });
  }

  test('"Alert on this" on "Explain errors" in Explore creates an error-rate rule through the alerts API', async () => {
    const page = await newCheckedPage(browser, errors, 'light');
    await page.goto(`${skein.queryUrl}/explore?${new URLSearchParams({ q: checkout, lookback: '1h', selErrors: '1' })}`);
    await page.getByRole('link', { name: 'Alert on this' }).click();
    await page.waitForURL(/\/alerts\?new=1/);
    const form = page.getByRole('form', { name: 'New alert rule' });
    await form.waitFor();
    assert.equal(await form.locator('textarea').inputValue(), '{ resource.service.name = "checkout" && status = error } | rate()');
    // 12 errors in the hour shown, × 1.5: 0.005 per second.
    assert.equal(await form.getByRole('textbox', { name: 'Threshold' }).inputValue(), '0.005');
    await page.locator('.alerts-table').waitFor();
    const rulesBefore = await page.locator('.alerts-table tbody tr').count();
    await form.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/alerts\?rule=r-[0-9a-f]{8}$/);
    await page.locator('.alerts-table tbody tr').nth(rulesBefore).waitFor();
    const id = new URL(page.url()).searchParams.get('rule')!;
    const stored = (await fetch(`${skein.queryUrl}/api/v1/alerts/rules/${id}`, { signal: AbortSignal.timeout(10_000) }).then((r) =>
      r.json(),
    )) as { query: string; threshold: number; name: string };
    assert.deepEqual(
      [stored.query, stored.threshold, stored.name],
      ['{ resource.service.name = "checkout" && status = error } | rate()', 0.005, `error rate above 0.005/s: ${checkout}`],
    );
    await page.close();
  });

  test('no page logged an error', () => {
    assert.deepEqual(errors, []);
  });
});
