/**
 * The product story of issue 15 in Chromium, through the real path (OTLP → metrics tap → per-minute
 * tables → detector → Services pages): `frontend GET /checkout` p99 jumps from ~240 ms to ~1.8 s at
 * minute 37 of the last hour because half of its calls to `db.instance=replica-3` turn slow. The
 * Services page shows "p99 … → … at HH:MM"; the service page marks the minute on the charts; one
 * click opens a slow exemplar trace, another opens Explore where the ranking names replica-3.
 * Screenshots at 1440×900, light and dark, in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { encodeOtlpJsonTraces } from '../../src/model/otlp-json.js';
import { SpanKind, type Span } from '../../src/model/span.js';
import { launchChromium, newCheckedPage, saveScreenshot, skipBrowser } from '../support/chromium.js';
import { eventually, getJson, removeDir, startSkein, writeConfig, type SkeinProcess } from '../support/skein-process.js';
import { makeResource, makeSpan, randomSpanId, randomTraceId } from '../support/span-factory.js';
import { seeded } from './analysis-datasets.js';
import { JUMP_MINUTE, logNormalMillis, WORLD_MINUTES } from './latency-datasets.js';

const MS = 1_000_000n;
const CONFIG = `
processors:
  metrics_tap:
    spanmetrics: { metrics_flush_interval: 1s }
    servicegraph: { store: { ttl: 1s } }
`;
const CHECKOUT_PER_MINUTE = 160;
const CART_PER_MINUTE = 40;
/** The world's first minute: an hour ago, so the last hour's window holds all of it. */
const FIRST_MINUTE = Math.floor(Date.now() / 60_000) - WORLD_MINUTES;

function span(name: string, startMillis: number, durationMillis: number, replica: string): Span {
  const start = BigInt(Math.round(startMillis)) * MS;
  return makeSpan({
    traceId: randomTraceId(),
    spanId: randomSpanId(),
    name,
    kind: SpanKind.SERVER,
    resource: makeResource('frontend'),
    attributes: [{ key: 'db.instance', value: replica }],
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(Math.max(1, Math.round(durationMillis * 1e3))) * 1000n,
  });
}

/** An hour of checkout and cart calls; from JUMP_MINUTE, half the checkout calls to replica-3 take ~1.5 s. */
function world(): Span[] {
  const next = seeded(42);
  const spans: Span[] = [];
  for (let minute = 0; minute < WORLD_MINUTES; minute++) {
    const minuteMillis = (FIRST_MINUTE + minute) * 60_000;
    for (let k = 0; k < CHECKOUT_PER_MINUTE; k++) {
      const replica = `replica-${Math.floor(next() * 10)}`;
      const slow = minute >= JUMP_MINUTE && replica === 'replica-3' && next() < 0.5;
      const millis = slow ? logNormalMillis(next, 1500, 0.12) : logNormalMillis(next, 100, 0.38);
      spans.push(span('GET /checkout', minuteMillis + (k * 60_000) / CHECKOUT_PER_MINUTE, millis, replica));
    }
    for (let k = 0; k < CART_PER_MINUTE; k++)
      spans.push(span('GET /cart', minuteMillis + (k * 60_000) / CART_PER_MINUTE, logNormalMillis(next, 40, 0.3), 'replica-0'));
  }
  return spans;
}

describe('latency change on the Services pages in Chromium', { skip: skipBrowser, timeout: 240_000 }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  const errors: string[] = [];

  before(async () => {
    skein = await startSkein({ args: ['--config', writeConfig(CONFIG)] });
    const spans = world();
    for (let first = 0; first < spans.length; first += 2000) {
      const response = await fetch(skein.otlpHttpUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(encodeOtlpJsonTraces(spans.slice(first, first + 2000))),
        signal: AbortSignal.timeout(30_000),
      });
      assert.equal(response.status, 200);
    }
    await eventually(async () => {
      const { body } = await getJson(`${skein.queryUrl}/api/v1/analysis/latency-changes?lookback=1h`);
      return body.changes.length > 0 ? true : undefined;
    }, 60_000);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (skein !== undefined) {
      assert.equal(await skein.stop(), 0);
      removeDir(skein.dataDir);
    }
  });

  test('the API finds the checkout jump at its minute, and nothing else', async () => {
    const { body } = await getJson(`${skein.queryUrl}/api/v1/analysis/latency-changes?lookback=1h`);
    assert.deepEqual(
      body.changes.map((c: any) => [c.serviceName, c.operation, c.quantile, c.direction]),
      [['frontend', 'GET /checkout', 0.99, 'up']],
    );
    const [change] = body.changes;
    assert.equal(change.changeTimeUnixMillis, (FIRST_MINUTE + JUMP_MINUTE) * 60_000);
    assert.ok(change.before.quantileMillis < 300 && change.after.quantileMillis > 1200, JSON.stringify(change));
    assert.ok(change.exemplars.length > 0);
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`callout, chart marker, exemplar trace and "why slow" ranking (${scheme})`, async () => {
      const page = await newCheckedPage(browser, errors, scheme);
      await page.goto(`${skein.queryUrl}/services?lookback=1h`, { timeout: 20_000 });
      const callout = page.locator('.latency-changes .latency-change');
      await callout.first().waitFor({ timeout: 20_000 });
      assert.equal(await callout.count(), 1);
      const clock = await page.evaluate(
        (millis) => new Date(millis).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
        (FIRST_MINUTE + JUMP_MINUTE) * 60_000,
      );
      const headline = await callout.locator('.latency-change-headline strong').innerText();
      assert.match(headline, new RegExp(`^frontend · GET /checkout: p99 \\d+ ms → [\\d.]+ s at ${clock}$`));
      await page.locator('.services-table tbody tr').first().waitFor();
      await saveScreenshot(page, `latency-change-services-${scheme}`);

      await page.getByRole('link', { name: 'frontend' }).first().click();
      const checkout = page.locator('.operation', { has: page.getByRole('heading', { name: /GET \/checkout/ }) });
      await checkout.locator('.latency-change').waitFor({ timeout: 20_000 });
      assert.equal(await page.locator('.operation .latency-change').count(), 1, 'only checkout changed');
      assert.equal(await checkout.locator('.change-marker').count(), 3, 'a marker on each chart');
      assert.equal(await checkout.locator('.change-marker text').first().textContent(), `p99 ▲ ${clock}`);
      await saveScreenshot(page, `latency-change-service-${scheme}`);

      // (a) an exemplar trace from after the jump.
      const traceLink = checkout.locator('.latency-change-trace').first();
      const href = (await traceLink.getAttribute('href'))!;
      assert.match(href, /^\/trace\/[0-9a-f]{32}$/);
      await traceLink.click();
      await page.waitForURL(/\/trace\/[0-9a-f]{32}$/, { timeout: 10_000 });
      await page.locator('.waterfall, [role="tree"], .span-row').first().waitFor({ timeout: 15_000 });
      await page.goBack();

      // (b) Explore with the slow side selected: the ranking names the replica.
      await checkout.locator('.latency-change-why').click({ timeout: 20_000 });
      await page.waitForURL(/\/explore\?.*selStart=/, { timeout: 10_000 });
      const first = page.locator('.ranked-attributes > li').first();
      await first.locator('.badge.cause').waitFor({ timeout: 30_000 });
      assert.equal(await first.locator('.attribute-name').innerText(), 'span.db.instance');
      assert.equal(await first.locator('.ranked-value').first().innerText(), 'replica-3');
      await saveScreenshot(page, `latency-change-explore-${scheme}`);
      await page.close();
    });
  }

  test('no page logged an error', () => {
    assert.deepEqual(errors, []);
  });
});
