import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIRST_SLICE_NANO, searchInSlices, type SliceMatch } from '../../src/storage/search-slices.js';

const MINUTE = 60_000_000_000n;

/** A tiny store: spans of traces, some matching the search. Deterministic pseudo-random. */
interface FakeSpan {
  traceId: string;
  start: bigint;
  matches: boolean;
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function world(seed: number, traces: number, spreadMinutes: number): FakeSpan[] {
  const next = random(seed);
  const spans: FakeSpan[] = [];
  for (let t = 0; t < traces; t++) {
    const traceId = t.toString(16).padStart(32, '0');
    const begin = BigInt(Math.floor(next() * spreadMinutes * 60)) * 1_000_000_000n;
    // Mostly short traces, some lasting up to 20 minutes: they straddle slice boundaries.
    const lengthNano = BigInt(Math.floor(next() < 0.2 ? next() * 20 * 60 : next() * 2)) * 1_000_000_000n;
    const count = 1 + Math.floor(next() * 5);
    for (let s = 0; s < count; s++) {
      const offset = s === 0 ? 0n : (lengthNano * BigInt(Math.floor(next() * 1000))) / 1000n;
      spans.push({ traceId, start: begin + offset, matches: next() < 0.3 });
    }
  }
  return spans;
}

/** What the search statement answers over [from, to]: newest earliest match first, ties by ID. */
function statement(spans: readonly FakeSpan[], calls: string[]) {
  return (from: bigint, to: bigint, limit: number): Promise<SliceMatch[]> => {
    calls.push(`${from}..${to}`);
    const keys = new Map<string, bigint>();
    for (const span of spans) {
      if (!span.matches || span.start < from || span.start > to) continue;
      const key = keys.get(span.traceId);
      if (key === undefined || span.start < key) keys.set(span.traceId, span.start);
    }
    return Promise.resolve(rank(keys).slice(0, limit));
  };
}

function rank(keys: Map<string, bigint>): SliceMatch[] {
  return [...keys]
    .map(([traceId, firstMatchNano]) => ({ traceId, firstMatchNano }))
    .sort((a, b) =>
      a.firstMatchNano !== b.firstMatchNano ? (a.firstMatchNano > b.firstMatchNano ? -1 : 1) : a.traceId < b.traceId ? -1 : 1,
    );
}

/** The summaries step: refuses (undefined) when a found trace has any span before `notBefore`. */
function summarise(spans: readonly FakeSpan[]) {
  return (traceIds: readonly string[], notBefore: bigint | undefined): Promise<string[] | undefined> => {
    if (notBefore !== undefined && spans.some((span) => traceIds.includes(span.traceId) && span.start < notBefore)) {
      return Promise.resolve(undefined);
    }
    return Promise.resolve([...traceIds]);
  };
}

test('sliced search finds exactly what one statement over the whole window finds', async () => {
  for (let seed = 1; seed <= 60; seed++) {
    const spreadMinutes = [30, 240, 1440][seed % 3]!;
    const spans = world(seed, [5, 60, 400][seed % 4 === 0 ? 0 : seed % 2 === 0 ? 1 : 2]!, spreadMinutes);
    for (const limit of [1, 3, 20, 100]) {
      const start = BigInt(seed % 5) * MINUTE;
      const end = BigInt(spreadMinutes) * MINUTE - BigInt(seed % 7) * MINUTE;
      const expected = (await statement(spans, [])(start, end, limit)).map((m) => m.traceId);
      const calls: string[] = [];
      const found = await searchInSlices(start, end, limit, statement(spans, calls), summarise(spans));
      assert.deepStrictEqual(found, expected, `seed ${seed}, limit ${limit}, statements ${calls.join(' ')}`);
    }
  }
});

test('a busy window is answered from its newest slice; an empty one reads every slice once', async () => {
  const busy: FakeSpan[] = [];
  for (let i = 0; i < 100; i++)
    busy.push({ traceId: i.toString(16).padStart(32, '0'), start: 3000n * MINUTE - BigInt(i) * 1_000_000_000n, matches: true });
  const calls: string[] = [];
  const found = await searchInSlices(0n, 3000n * MINUTE, 20, statement(busy, calls), summarise(busy));
  assert.equal(found.length, 20);
  assert.deepStrictEqual(calls, [`${3000n * MINUTE - FIRST_SLICE_NANO + 1n}..${3000n * MINUTE}`]);

  const emptyCalls: string[] = [];
  assert.deepStrictEqual(await searchInSlices(0n, 1440n * MINUTE, 20, statement([], emptyCalls), summarise([])), []);
  // Disjoint slices, each twice as long as the one before: 5, 10, 20, … minutes, the last one cut at the start.
  assert.equal(emptyCalls.length, 10);
  assert.equal(emptyCalls.at(-1)?.startsWith('0..'), true);
});
