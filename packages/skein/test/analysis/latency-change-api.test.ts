import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseTenantId } from '../../src/model/tenant.js';
import { addLatencyChangeApi } from '../../src/query/analysis/latency-change-api.js';
import { HttpRouter } from '../../src/query/http-router.js';
import { openTraceStore } from '../../src/storage/open-trace-store.js';
import type { TraceStore } from '../../src/storage/trace-store.js';
import { findClickHouseServer, startClickHouseServer, type ClickHouseServer } from '../support/clickhouse-server.js';
import { checkoutWorld, JUMP_MINUTE, WORLD_MINUTES } from './latency-datasets.js';

/**
 * `GET /api/v1/analysis/latency-changes` on both engines over the designed checkout world
 * (latency-datasets.ts): the checkout p99 jump is found at its minute with both levels and the
 * slowest stored exemplar traces after it; the steady and the spiking operations raise nothing;
 * another tenant's jump stays its own; bad parameters are precise 400s.
 */

const OTHER_TENANT = parseTenantId('other-team');
/** Two hours ago, on a whole hour: recent, so no retention applies, and the same on every engine. */
const FIRST_MINUTE = Math.floor(Date.now() / 3_600_000) * 60 - 120;
const NANOS_PER_MINUTE = 60_000_000_000n;

interface Engine {
  name: string;
  skip: string | false;
  open(): Promise<TraceStore>;
  stop(): Promise<void>;
}

function engines(): Engine[] {
  const binary = findClickHouseServer();
  let server: ClickHouseServer | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'skein-latency-change-'));
  return [
    {
      name: 'chdb',
      skip: false,
      open: () => openTraceStore({ engine: 'chdb', dataDir, database: `latency_${process.pid}` }),
      stop: async () => rmSync(dataDir, { recursive: true, force: true }),
    },
    {
      name: 'clickhouse-server',
      skip: binary === undefined && process.env['CI'] !== 'true' ? 'clickhouse-server is not installed' : false,
      open: async () => {
        if (binary === undefined) throw new Error('clickhouse-server is not installed');
        server = await startClickHouseServer(binary);
        return openTraceStore({ engine: 'clickhouse', url: server.url, database: `latency_${process.pid}` });
      },
      stop: async () => {
        await server?.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    },
  ];
}

for (const engine of engines()) {
  describe(`latency changes on ${engine.name}`, { skip: engine.skip, timeout: 90_000 }, () => {
    let store: TraceStore;
    let http: Server | undefined;
    let base = '';
    before(async () => {
      store = await engine.open();
      const world = checkoutWorld(FIRST_MINUTE);
      await store.writeSpans(world.spans);
      await store.writeMetrics(world.batch);
      // The other tenant's checkout jumps too, an hour later: the default tenant must not see it.
      await store.writeMetrics(checkoutWorld(FIRST_MINUTE + 60, OTHER_TENANT).batch);
      const router = new HttpRouter();
      addLatencyChangeApi(router, store);
      http = createServer(router.handler({ error: () => undefined, warn: () => undefined, info: () => undefined } as never));
      await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
      const address = http.address();
      base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    });
    after(async () => {
      await new Promise<void>((resolve) => (http === undefined ? resolve() : http.close(() => resolve())));
      await store?.close();
      await engine.stop();
    });
    const get = async (query: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> => {
      const response = await fetch(`${base}/api/v1/analysis/latency-changes?${query}`, { headers, signal: AbortSignal.timeout(20_000) });
      return { status: response.status, body: await response.json() };
    };
    const window = (fromMinute: number, minutes: number): string =>
      new URLSearchParams({
        start: String(BigInt(fromMinute) * NANOS_PER_MINUTE),
        end: String(BigInt(fromMinute + minutes) * NANOS_PER_MINUTE - 1n),
        spanKind: 'all',
      }).toString();

    test('the checkout jump: when, before and after, which operation, and exemplar traces after it', async () => {
      const { status, body } = await get(window(FIRST_MINUTE, WORLD_MINUTES));
      assert.equal(status, 200);
      assert.equal(body.stepMillis, 60_000);
      assert.equal(body.minRatio, 1.5);
      assert.equal(body.changes.length, 1, JSON.stringify(body.changes.map((c: any) => [c.serviceName, c.operation])));
      const [change] = body.changes;
      assert.equal(change.serviceName, 'frontend');
      assert.equal(change.operation, 'GET /checkout');
      assert.equal(change.quantile, 0.99);
      assert.equal(change.direction, 'up');
      assert.equal(change.changeTimeUnixMillis, (FIRST_MINUTE + JUMP_MINUTE) * 60_000);
      assert.equal(change.before.startTimeUnixMillis, FIRST_MINUTE * 60_000);
      assert.equal(change.before.endTimeUnixMillis, change.changeTimeUnixMillis);
      assert.equal(change.after.startTimeUnixMillis, change.changeTimeUnixMillis);
      assert.equal(change.before.calls, JUMP_MINUTE * 200);
      assert.equal(change.after.calls, (WORLD_MINUTES - JUMP_MINUTE) * 200);
      assert.ok(change.before.quantileMillis > 200 && change.before.quantileMillis < 290, `before ${change.before.quantileMillis}`);
      assert.ok(change.after.quantileMillis > 1500 && change.after.quantileMillis < 2200, `after ${change.after.quantileMillis}`);
      assert.ok(change.thresholdMillis > change.before.quantileMillis && change.thresholdMillis < change.after.quantileMillis);
      assert.equal(change.exemplars.length, 5);
      const durations = change.exemplars.map((e: any) => e.durationMillis);
      assert.deepEqual(
        durations,
        [...durations].sort((a, b) => b - a),
        'slowest first',
      );
      for (const exemplar of change.exemplars) {
        assert.ok(exemplar.timeUnixMillis >= change.changeTimeUnixMillis, 'every exemplar is from after the jump');
        assert.match(exemplar.traceId, /^[0-9a-f]{32}$/);
        assert.ok(exemplar.durationMillis > change.thresholdMillis);
      }
    });

    test('one service or operation; no exemplars on request; nothing for a steady or spiking operation', async () => {
      const only = await get(`${window(FIRST_MINUTE, WORLD_MINUTES)}&service=frontend&operation=GET+%2Fcheckout&exemplars=0`);
      assert.equal(only.body.changes.length, 1);
      assert.deepEqual(only.body.changes[0].exemplars, []);
      for (const [service, operation] of [
        ['frontend', 'GET /cart'],
        ['payments', 'POST /pay'],
      ]) {
        const none = await get(
          `${window(FIRST_MINUTE, WORLD_MINUTES)}&${new URLSearchParams({ service: service!, operation: operation! })}`,
        );
        assert.deepEqual(none.body.changes, [], `${service} ${operation}`);
      }
      // Before the jump there is nothing to find.
      assert.deepEqual((await get(window(FIRST_MINUTE, JUMP_MINUTE))).body.changes, []);
      // A higher bar than the jump (about 7×) finds nothing.
      assert.deepEqual((await get(`${window(FIRST_MINUTE, WORLD_MINUTES)}&minRatio=20`)).body.changes, []);
    });

    test("another tenant's jump is its own", async () => {
      const mine = await get(window(FIRST_MINUTE + 60, WORLD_MINUTES));
      assert.deepEqual(mine.body.changes, []);
    });

    test('bad parameters are precise 400s', async () => {
      for (const [query, words] of [
        ['minRatio=1', 'minRatio'],
        ['minRatio=x', 'minRatio'],
        ['exemplars=99', 'exemplars'],
        ['spanKind=sideways', 'spanKind'],
        ['lookback=1h&start=1', 'lookback'],
        ['colour=red', 'colour'],
      ] as const) {
        const { status, body } = await get(query);
        assert.equal(status, 400, query);
        assert.match(JSON.stringify(body), new RegExp(words), query);
      }
    });
  });
}
