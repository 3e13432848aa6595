/**
 * The service map drawn from the metrics tap (issues 12 and 21) in Chromium, over a demo-like
 * topology: user → frontend → checkout / cart, checkout → payment, checkout → a database and a
 * queue no consumer reads, cart → a cache, payment → an uninstrumented peer. Virtual nodes are
 * marked; no two edge labels overlap and no label overlaps a node (measured with getBoundingClientRect in the page, at
 * 1440×900 and 1920×1080); every shown label is within EDGE_LABEL_MAX_GAP_PX of its own edge's path and no
 * path runs through it, a hidden one shows on focus of its edge (issue 21 item 4). Screenshots at both sizes, light and dark, in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
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

/** One call: a CLIENT span in `from` and, for an instrumented callee, its SERVER child in `to`. */
interface Call {
  from: string;
  to?: string;
  name: string;
  attributes?: { key: string; value: string }[];
  failed?: boolean;
  /** CLIENT unless said (a PRODUCER to a queue). */
  kind?: SpanKind;
  children?: Call[];
}

function spansOf(traceId: string, parentId: string, call: Call, startNano: bigint, depth: number): Span[] {
  const clientId = randomSpanId();
  const serverId = randomSpanId();
  const end = startNano + BigInt(60 - depth * 10) * MS;
  const status = call.failed ? { code: StatusCode.ERROR, message: 'failed' } : { code: StatusCode.UNSET, message: '' };
  const spans: Span[] = [
    makeSpan({
      traceId,
      spanId: clientId,
      parentSpanId: parentId,
      name: call.name,
      kind: call.kind ?? SpanKind.CLIENT,
      resource: makeResource(call.from),
      attributes: call.attributes ?? [],
      startTimeUnixNano: startNano,
      endTimeUnixNano: end,
      status,
    }),
  ];
  if (call.to) {
    spans.push(
      makeSpan({
        traceId,
        spanId: serverId,
        parentSpanId: clientId,
        name: call.name,
        kind: SpanKind.SERVER,
        resource: makeResource(call.to),
        attributes: [],
        startTimeUnixNano: startNano + MS,
        endTimeUnixNano: end - MS,
        status,
      }),
    );
    for (const child of call.children ?? []) spans.push(...spansOf(traceId, serverId, child, startNano + 2n * MS, depth + 1));
  }
  return spans;
}

function trace(i: number, startNano: bigint): Span[] {
  const traceId = randomTraceId();
  const root = randomSpanId();
  const calls: Call[] = [
    {
      from: 'frontend',
      to: 'checkout',
      name: 'POST /checkout',
      children: [
        {
          from: 'checkout',
          to: 'payment',
          name: 'POST /charge',
          failed: i % 5 === 0,
          children: [{ from: 'payment', name: 'POST /v1/charges', attributes: [{ key: 'peer.service', value: 'stripe-api' }] }],
        },
        {
          // A queue no consumer reads (yet): its own virtual node, named by its destination.
          from: 'checkout',
          name: 'order-events publish',
          kind: SpanKind.PRODUCER,
          attributes: [
            { key: 'messaging.system', value: 'kafka' },
            { key: 'messaging.destination.name', value: 'order-events' },
          ],
        },
        {
          from: 'checkout',
          name: 'INSERT orders',
          attributes: [
            { key: 'db.system', value: 'postgresql' },
            { key: 'db.namespace', value: 'orders' },
          ],
        },
      ],
    },
    {
      from: 'frontend',
      to: 'cart',
      name: 'GET /cart',
      children: [
        {
          from: 'cart',
          name: 'GET',
          attributes: [
            { key: 'db.system', value: 'redis' },
            { key: 'db.namespace', value: 'cart-cache' },
          ],
        },
      ],
    },
  ];
  return [
    makeSpan({
      traceId,
      spanId: root,
      name: 'GET /',
      kind: SpanKind.SERVER,
      resource: makeResource('frontend'),
      attributes: [],
      startTimeUnixNano: startNano,
      endTimeUnixNano: startNano + 90n * MS,
    }),
    ...calls.flatMap((call) => spansOf(traceId, root, call, startNano + MS, 0)),
  ];
}

/** packages/ui's EDGE_LABEL_MAX_GAP_PX (the backend's tests do not import the UI's modules), in the SVG's units. */
const EDGE_LABEL_MAX_GAP_PX = 24;

/**
 * Per label (in the drawing order, which is the lines' order): its distance to its own edge's path,
 * and the edges whose paths run through its text's box, both in the SVG's units. A string, so the page
 * gets no tsx helpers.
 */
const LABEL_GEOMETRY = `(() => {
  const lines = [...document.querySelectorAll('.map-edge-line')].map((line) => {
    const path = line.querySelector('path');
    const matrix = path.getScreenCTM();
    const points = [];
    for (let at = 0, length = path.getTotalLength(); at <= length; at += 2) {
      const p = new DOMPoint(path.getPointAtLength(at).x, path.getPointAtLength(at).y).matrixTransform(matrix);
      points.push([p.x, p.y]);
    }
    return { points, scale: matrix.a };
  });
  return [...document.querySelectorAll('.map-edge')].map((edge, i) => {
    const name = edge.getAttribute('data-from') + '→' + edge.getAttribute('data-to');
    const box = edge.querySelector('.map-edge-label').getBoundingClientRect();
    let gap = Infinity;
    for (const [x, y] of lines[i].points)
      gap = Math.min(gap, Math.hypot(Math.max(box.left - x, 0, x - box.right), Math.max(box.top - y, 0, y - box.bottom)));
    const crossing = lines
      .map((line, j) => (line.points.some(([x, y]) => x > box.left + 1 && x < box.right - 1 && y > box.top + 1 && y < box.bottom - 1) ? j : -1))
      .filter((j) => j >= 0);
    return { name, hidden: edge.classList.contains('label-hidden'), gap: gap / lines[i].scale, crossing };
  });
})()`;

const VIRTUAL = {
  'cart-cache': 'database',
  'order-events': 'messaging_system',
  orders: 'database',
  'stripe-api': 'virtual_node',
  user: 'user',
};

describe('service map from the metrics tap in Chromium', { skip: skipBrowser, timeout: 180_000 }, () => {
  let skein: SkeinProcess;
  let browser: Browser;
  const errors: string[] = [];

  before(async () => {
    skein = await startSkein({ args: ['--config', writeConfig(CONFIG)] });
    const now = BigInt(Date.now()) * MS;
    const spans = Array.from({ length: 40 }, (_, i) => trace(i, now - 5n * 60_000n * MS + BigInt(i) * 1000n * MS)).flat();
    const response = await fetch(skein.otlpHttpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(encodeOtlpJsonTraces(spans)),
    });
    assert.equal(response.status, 200);
    await eventually(async () => {
      const { body } = await getJson(`${skein.queryUrl}/api/v1/metrics/service-map?lookback=1h`);
      return body.edges.length === 8 ? true : undefined;
    }, 30_000);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    const code = await skein.stop();
    // Open finding (stop 10 note): in this test chDB crashes in the process's teardown (SIGSEGV) after
    // Skein has logged a clean shutdown, so every write was already flushed. The shutdown itself is asserted.
    assert.ok(
      code === 0 || skein.logs.some((line) => line.includes('shut down cleanly')),
      `skein exited with ${code} before shutting down cleanly`,
    );
    removeDir(skein.dataDir);
  });

  /** Boxes of every edge label and every node (circle, kind, name and stats line) as drawn. */
  async function boxes(page: Page): Promise<{ labels: Rect[]; nodes: Rect[] }> {
    // No named helpers inside: the page gets the function's source, without tsx's `__name`.
    const labels = await page.locator('.map-edge').evaluateAll((edges) =>
      edges.map((edge) => ({
        name: `${edge.getAttribute('data-from')}→${edge.getAttribute('data-to')}`,
        ...JSON.parse(JSON.stringify(edge.querySelector('.map-edge-label')!.getBoundingClientRect())),
      })),
    );
    const nodes = await page
      .locator('.map-node')
      .evaluateAll((elements) =>
        elements.map((node) => ({ name: node.getAttribute('data-service'), ...JSON.parse(JSON.stringify(node.getBoundingClientRect())) })),
      );
    return { labels, nodes };
  }

  for (const scheme of ['light', 'dark'] as const) {
    test(`virtual nodes are marked; labels overlap neither each other nor nodes (${scheme})`, async () => {
      const page = await newCheckedPage(browser, errors, scheme);
      await page.goto(`${skein.queryUrl}/map?lookback=1h`);
      await page.locator('.map-node').first().waitFor();
      const services = await page.locator('.map-node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-service')));
      assert.deepEqual(services.sort(), [
        'cart',
        'cart-cache',
        'checkout',
        'frontend',
        'order-events',
        'orders',
        'payment',
        'stripe-api',
        'user',
      ]);
      const virtual = await page
        .locator('.map-node.virtual')
        .evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('data-service'), n.getAttribute('data-type')]));
      assert.deepEqual(Object.fromEntries(virtual), VIRTUAL);
      assert.equal(await page.locator('.map-node[data-service="orders"] .map-node-kind').textContent(), 'DB');
      assert.equal(await page.locator('.map-node[data-service="stripe-api"] .map-node-kind').textContent(), 'EXT');
      assert.equal(await page.locator('.map-node[data-service="order-events"] .map-node-kind').textContent(), 'MQ');
      assert.equal(await page.locator('.map-node.virtual .map-node-virtual').count(), 5);
      assert.equal(await page.locator('.map-edge').count(), 8);

      // RED on the map: rate and p99 on every edge; the failing edge says its error share.
      const payment = page.locator('.map-edge[data-from="checkout"][data-to="payment"]');
      assert.match((await payment.getAttribute('class')) ?? '', /\berror\b/);
      assert.match((await payment.locator('.map-edge-label').textContent()) ?? '', /^[\d.]+\/s · p99 [\d.]+ ms20\.0 % errors$/);
      assert.equal(await payment.locator('.map-edge-errors').textContent(), '20.0 % errors');
      for (const label of await page.locator('.map-edge-label').allTextContents()) assert.match(label, /\/s · p99 /);
      assert.match(
        (await page.locator('.map-node[data-service="payment"] .map-node-stats').first().textContent()) ?? '',
        /^[\d.]+\/s · p99 [\d.]+ ms$/,
      );
      assert.equal(await page.locator('.map-node[data-service="payment"] .map-node-errors').textContent(), '20.0 % errors');
      // …and in the table: the virtual callee is badged, rate and p99 have columns.
      const ordersRow = page.locator('.map-table tbody tr', { hasText: 'orders' });
      assert.match(await ordersRow.innerText(), /checkout\s*orders\s*DB\s*40\s*0\s*0\.0 %\s*[\d.]+\/s\s*[\d.]+ ms/);

      // No line is drawn over a label: every line comes before the first label, so the labels'
      // halos mask the lines that pass under them (the error edge crossed a neighbour's label).
      const order = (await page.evaluate(
        `[...document.querySelectorAll('.map-edge-line, .map-edge')].map((element) => element.classList.contains('map-edge-line') ? 'line' : 'label')`,
      )) as string[];
      assert.deepEqual(order, [...Array<string>(8).fill('line'), ...Array<string>(8).fill('label')]);
      // At both screen sizes of issue 21 (the map is laid out for its container's width).
      for (const size of [
        { width: 1440, height: 900 },
        { width: 1920, height: 1080 },
      ]) {
        await page.setViewportSize(size);
        const { labels, nodes } = await boxes(page);
        const at = `at ${size.width}×${size.height}`;
        assert.equal(labels.length, 8);
        for (const [i, a] of labels.entries()) {
          for (const b of labels.slice(i + 1))
            assert.ok(!overlaps(a, b), `labels ${a.name} and ${b.name} overlap ${at}: ${JSON.stringify([a, b])}`);
          for (const node of nodes)
            assert.ok(!overlaps(a, node), `label ${a.name} overlaps node ${node.name} ${at}: ${JSON.stringify([a, node])}`);
        }
        for (const [i, a] of nodes.entries())
          for (const b of nodes.slice(i + 1)) assert.ok(!overlaps(a, b), `nodes ${a.name} and ${b.name} overlap ${at}`);
        // Each shown label beside its own edge (the order→sqlite label sat beside fraud-check's line) with no
        // path running through it; a label with no free spot that close is hidden and shows on focus of its edge.
        const geometry = (await page.evaluate(LABEL_GEOMETRY)) as { name: string; hidden: boolean; gap: number; crossing: number[] }[];
        assert.equal(geometry.length, 8);
        for (const [i, label] of geometry.entries()) {
          if (label.hidden) {
            await page.locator('.map-edge-line').nth(i).focus();
            assert.match(
              (await page.locator('.map-edge').nth(i).getAttribute('class')) ?? '',
              /\bshown\b/,
              `${label.name} not shown on focus`,
            );
            assert.ok((await page.locator('.map-edge-label').nth(i).boundingBox())!.width > 0, `${label.name} not drawn on focus`);
            if (label.name === 'checkout→payment' && size.width === 1440)
              await saveScreenshot(page, `ui-service-map-metrics-${scheme}-focused-edge`);
            await page.locator('.map-edge-line').nth(i).blur();
            continue;
          }
          assert.ok(label.gap <= EDGE_LABEL_MAX_GAP_PX, `label ${label.name} is ${label.gap} px from its edge ${at}`);
          assert.deepEqual(label.crossing, [], `paths run through label ${label.name} ${at}`);
        }
        console.log(`labels hidden ${at}: ${JSON.stringify(geometry.filter((label) => label.hidden).map((label) => label.name))}`);
        await saveScreenshot(page, `ui-service-map-metrics-${scheme}${size.width === 1440 ? '' : `-${size.width}x${size.height}`}`);
      }
      await page.setViewportSize({ width: 1440, height: 900 });

      // The click-through to search stays.
      await page.locator('.map-node[data-service="payment"]').click();
      await page.waitForURL(`${skein.queryUrl}/search?service=payment&lookback=1h`);
      await page.close();
    });
  }

  test('no page logged an error', () => {
    assert.deepEqual(errors, []);
  });
});

interface Rect {
  name: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}
