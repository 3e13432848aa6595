/**
 * The UI half of the compact-format round trip: the backend's test (packages/skein/test/unit/
 * compact-trace-encoder.test.ts) pins the encoder's output for a trace with every awkward case in
 * fixtures/golden-trace.compact.json, next to the native JSON of the same spans. Decoding the one
 * must give exactly the other: ns beyond 2^53, typed attributes, events, links, orphans, repeats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkCompactTrace, decodeCompactTrace, materializeTrace, transferables } from './compact-trace';
import { nativeTraceSchema } from './schemas';

const fixture = (name: string): unknown => JSON.parse(readFileSync(resolve(import.meta.dirname, 'fixtures', name), 'utf8'));

test('the golden compact trace decodes to exactly its native JSON', () => {
  const native = fixture('golden-trace.native.json');
  const decoded = decodeCompactTrace(fixture('golden-trace.compact.json'));
  assert.deepEqual(decoded, native);
  // And it is a valid native trace by the same schema the native path checks.
  assert.ok(nativeTraceSchema.safeParse(decoded).success);
  const root = decoded.spans[0]!;
  assert.equal(root.startTimeUnixNano, '1795428000123456789');
  assert.equal(root.endTimeUnixNano, '1795428000623456790');
  assert.equal(root.events[0]!.timeUnixNano, '1795428000123456782');
  assert.deepEqual(
    root.attributes.find((attribute) => attribute.key === 'big.int'),
    { key: 'big.int', value: { intValue: '9223372036854775807' } },
  );
  const far = decoded.spans.at(-1)!;
  assert.equal(far.startTimeUnixNano, (1795428000123456789n + 200n * 86_400_000_000_000n + 9n).toString());
  assert.equal(far.durationNano, (300n * 86_400_000_000_000n + 2n).toString());
});

test('the columns survive a structured clone with their buffers transferred (the worker hop)', () => {
  const columns = checkCompactTrace(fixture('golden-trace.compact.json'));
  const buffers = transferables(columns);
  assert.ok(buffers.length > 10);
  const moved = structuredClone(columns, { transfer: buffers });
  assert.equal(columns.spans.parent.length, 0, 'transferred, not copied');
  assert.deepEqual(materializeTrace(moved), fixture('golden-trace.native.json'));
});

test('a malformed body is refused with the place it went wrong', () => {
  const good = fixture('golden-trace.compact.json') as Record<string, Record<string, unknown>>;
  const broken = (change: (body: Record<string, Record<string, unknown>>) => void): unknown => {
    const copy = structuredClone(good);
    change(copy);
    return copy;
  };
  assert.throws(() => checkCompactTrace({ ...good, format: 'skein-compact-trace/9' }), /format: expected skein-compact-trace\/1/);
  assert.throws(() => checkCompactTrace(broken((body) => (body['spans']!['kind'] = [2]))), /spans\.kind: expected 7 values, got 1/);
  assert.throws(() => checkCompactTrace(broken((body) => ((body['spans']!['parent'] as number[])[1] = 99))), /spans\.parent\[1\]/);
  assert.throws(() => checkCompactTrace(broken((body) => ((body['spans']!['name'] as unknown[])[0] = '0'))), /spans\.name\[0\]/);
  assert.throws(() => checkCompactTrace(broken((body) => (body['spans']!['spanIds'] = 'xyz'))), /spans\.spanIds/);
  assert.throws(() => checkCompactTrace(broken((body) => ((body['spans']!['start'] as unknown[])[0] = 1.5))), /spans\.start\[0\]/);
});
