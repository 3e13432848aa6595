/**
 * Shared pieces of the interop tests: where the Python and Go OpenTelemetry SDK clients live
 * (installed by `.ci/install-interop.sh`), running them, and turning what a client says it exported
 * into the OTLP JSON that Skein must return for it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, getJson, removeDir, startSkein, type SkeinProcess } from '../support/skein-process.js';

export const INTEROP_DIR = import.meta.dirname;
export const PYTHON = join(INTEROP_DIR, '.venv/bin/python');
export const PYTHON_CLIENT = join(INTEROP_DIR, 'python/client.py');
export const GO_CLIENT = join(INTEROP_DIR, 'go/bin/interop-client');
const INSTALL_SCRIPT = resolve(INTEROP_DIR, '../../../../.ci/install-interop.sh');

function onPath(command: string): boolean {
  return (
    spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0 || spawnSync(command, ['version'], { stdio: 'ignore' }).status === 0
  );
}

/** Why the clients cannot run here, or undefined when they can. */
export function missingClients(which: ReadonlyArray<'python' | 'go'>): string | undefined {
  const missing: string[] = [];
  if (which.includes('python')) {
    if (!onPath('python3')) missing.push('python3 is not installed');
    else if (!existsSync(PYTHON)) missing.push(`the Python client's venv is missing (${PYTHON})`);
  }
  if (which.includes('go')) {
    if (!onPath('go')) missing.push('go is not installed');
    else if (!existsSync(GO_CLIENT)) missing.push(`the Go client is not built (${GO_CLIENT})`);
  }
  return missing.length === 0 ? undefined : `${missing.join('; ')}: run ${INSTALL_SCRIPT}`;
}

/**
 * `describe` options: skip locally with the reason, but never on CI (CI=true), where the suite runs
 * and `requireClients` fails it instead.
 */
export function interopSkip(which: ReadonlyArray<'python' | 'go'>): string | false {
  const missing = missingClients(which);
  return missing !== undefined && process.env.CI !== 'true' ? missing : false;
}

export function requireClients(which: ReadonlyArray<'python' | 'go'>): void {
  const missing = missingClients(which);
  if (missing !== undefined) throw new Error(`interop clients unavailable on CI: ${missing}`);
}

/** Runs a client to completion; resolves with its stdout parsed as JSON, rejects on a non-zero exit. */
export async function runClient(
  command: string,
  args: string[],
  timeoutMillis = 30_000,
  env: Readonly<Record<string, string>> = {},
): Promise<ClientReport> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OTEL_SDK_DISABLED: 'false', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
  const code = await new Promise<number | null>((done) => child.once('close', (c) => done(c)));
  clearTimeout(timer);
  assert.equal(code, 0, `${command} ${args.join(' ')} exited with ${code}\nstdout: ${stdout}\nstderr: ${stderr}`);
  return JSON.parse(stdout) as ClientReport;
}

/** A typed attribute value as a client prints it (its SDK's own view of the type). */
export type TypedValue =
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'int'; value: string }
  | { type: 'double'; value: number | string }
  | { type: 'bytes'; value: string }
  | { type: 'array'; value: TypedValue[] }
  | { type: 'map'; value: TypedAttribute[] }
  | { type: 'empty' };

export interface TypedAttribute {
  key: string;
  value: TypedValue;
}

export interface ClientSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: TypedAttribute[];
  droppedAttributesCount: number;
  events: { name: string; timeUnixNano: string; attributes: TypedAttribute[]; droppedAttributesCount: number }[];
  droppedEventsCount: number;
  links: {
    traceId: string;
    spanId: string;
    traceState: string;
    sdkTraceState?: string;
    flags: number;
    attributes: TypedAttribute[];
    droppedAttributesCount: number;
  }[];
  droppedLinksCount: number;
  status: { code: 'UNSET' | 'OK' | 'ERROR'; message: string };
  resource: { attributes: TypedAttribute[]; schemaUrl: string };
  scope: { name: string; version: string };
}

export interface ClientReport {
  sdk: string;
  spans: ClientSpan[];
  [extra: string]: unknown;
}

const KINDS: Record<string, number> = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };
const STATUS: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };

/** The OTLP JSON value an SDK type must come back as: ints → intValue, floats → doubleValue, sequences → arrayValue. */
export function expectedValue(typed: TypedValue): unknown {
  switch (typed.type) {
    case 'string':
      return { stringValue: typed.value };
    case 'bool':
      return { boolValue: typed.value };
    case 'int':
      return { intValue: typed.value };
    case 'double':
      return { doubleValue: Number(typed.value) };
    case 'bytes':
      return { bytesValue: typed.value };
    case 'array':
      return { arrayValue: { values: typed.value.map(expectedValue) } };
    case 'map':
      return { kvlistValue: { values: expectedAttributes(typed.value) } };
    case 'empty':
      return {};
  }
}

export function expectedAttributes(attributes: TypedAttribute[]): unknown[] {
  return attributes.map((a) => ({ key: a.key, value: expectedValue(a.value) }));
}

/** One span as the flattened OTLP JSON that Skein must return, all default values spelled out. */
export function expectedSpan(span: ClientSpan): FlatSpan {
  return {
    resource: { attributes: expectedAttributes(span.resource.attributes), droppedAttributesCount: 0 },
    schemaUrl: span.resource.schemaUrl,
    scope: { name: span.scope.name, version: span.scope.version },
    span: {
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      traceState: span.traceState,
      flags: span.flags,
      name: span.name,
      kind: KINDS[span.kind] ?? assert.fail(`unknown kind ${span.kind}`),
      startTimeUnixNano: span.startTimeUnixNano,
      endTimeUnixNano: span.endTimeUnixNano,
      attributes: expectedAttributes(span.attributes),
      droppedAttributesCount: span.droppedAttributesCount,
      events: span.events.map((e) => ({
        timeUnixNano: e.timeUnixNano,
        name: e.name,
        attributes: expectedAttributes(e.attributes),
        droppedAttributesCount: e.droppedAttributesCount,
      })),
      droppedEventsCount: span.droppedEventsCount,
      links: span.links.map((l) => ({
        traceId: l.traceId,
        spanId: l.spanId,
        traceState: l.traceState,
        attributes: expectedAttributes(l.attributes),
        droppedAttributesCount: l.droppedAttributesCount,
        flags: l.flags,
      })),
      droppedLinksCount: span.droppedLinksCount,
      status: { code: STATUS[span.status.code] ?? assert.fail(`unknown status ${span.status.code}`), message: span.status.message },
    },
  };
}

export interface FlatSpan {
  resource: { attributes: unknown[]; droppedAttributesCount: number };
  schemaUrl: string;
  scope: { name: string; version: string };
  span: Record<string, unknown>;
}

/** OTLP JSON omits default values (proto3 JSON mapping) and may spell doubles as strings: fill and unify. */
function normaliseValue(value: any): unknown {
  if ('doubleValue' in value) return { doubleValue: Number(value.doubleValue) };
  if ('arrayValue' in value) return { arrayValue: { values: (value.arrayValue.values ?? []).map(normaliseValue) } };
  if ('kvlistValue' in value) return { kvlistValue: { values: normaliseAttributes(value.kvlistValue.values) } };
  if ('intValue' in value) return { intValue: String(value.intValue) };
  return value;
}

function normaliseAttributes(attributes: any[] | undefined): unknown[] {
  return (attributes ?? []).map((a) => ({ key: a.key, value: normaliseValue(a.value ?? {}) }));
}

/** Skein's `?format=otlp` answer flattened to one entry per span, each with its resource and scope. */
export function flattenOtlp(body: any): FlatSpan[] {
  const out: FlatSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          resource: {
            attributes: normaliseAttributes(rs.resource?.attributes),
            droppedAttributesCount: rs.resource?.droppedAttributesCount ?? 0,
          },
          schemaUrl: rs.schemaUrl ?? '',
          scope: { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' },
          span: {
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            traceState: s.traceState ?? '',
            flags: s.flags ?? 0,
            name: s.name,
            kind: s.kind ?? 0,
            startTimeUnixNano: String(s.startTimeUnixNano),
            endTimeUnixNano: String(s.endTimeUnixNano),
            attributes: normaliseAttributes(s.attributes),
            droppedAttributesCount: s.droppedAttributesCount ?? 0,
            events: (s.events ?? []).map((e: any) => ({
              timeUnixNano: String(e.timeUnixNano),
              name: e.name ?? '',
              attributes: normaliseAttributes(e.attributes),
              droppedAttributesCount: e.droppedAttributesCount ?? 0,
            })),
            droppedEventsCount: s.droppedEventsCount ?? 0,
            links: (s.links ?? []).map((l: any) => ({
              traceId: l.traceId,
              spanId: l.spanId,
              traceState: l.traceState ?? '',
              attributes: normaliseAttributes(l.attributes),
              droppedAttributesCount: l.droppedAttributesCount ?? 0,
              flags: l.flags ?? 0,
            })),
            droppedLinksCount: s.droppedLinksCount ?? 0,
            status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          },
        });
      }
    }
  }
  return out;
}

/** Field-by-field comparison, span by span (matched by span ID), so a failure names the span and field. */
export function assertSameSpans(stored: FlatSpan[], sent: ClientSpan[], label: string): void {
  const byId = new Map(stored.map((s) => [s.span['spanId'] as string, s]));
  assert.deepEqual(
    [...byId.keys()].sort(),
    sent.map((s) => s.spanId).sort(),
    `${label}: Skein returned other spans than the client exported`,
  );
  for (const span of sent) {
    const actual = byId.get(span.spanId)!;
    const expected = expectedSpan(span);
    for (const field of Object.keys(expected.span)) {
      assert.deepStrictEqual(actual.span[field], expected.span[field], `${label}: span "${span.name}" field ${field}`);
    }
    assert.deepStrictEqual(actual.resource, expected.resource, `${label}: span "${span.name}" resource`);
    assert.equal(actual.schemaUrl, expected.schemaUrl, `${label}: span "${span.name}" resource schema URL`);
    assert.deepStrictEqual(actual.scope, expected.scope, `${label}: span "${span.name}" scope`);
    assert.deepStrictEqual(actual, expected, `${label}: span "${span.name}"`);
  }
}

/** The attribute of a typed list (the client's view), for spot checks. */
export function typedAttribute(attributes: TypedAttribute[], key: string): TypedValue {
  return attributes.find((a) => a.key === key)?.value ?? assert.fail(`no attribute ${key}`);
}

export interface ProtocolRun {
  protocol: string;
  /** Runs the client against this Skein and returns what it printed. */
  run(skein: SkeinProcess): Promise<ClientReport>;
}

/** Fetches a trace as OTLP JSON once it holds `spanCount` spans. */
export async function fetchOtlpTrace(skein: SkeinProcess, traceId: string, spanCount: number): Promise<any> {
  return eventually(
    async () => {
      const { status, body } = await getJson(`${skein.queryUrl}/api/v1/traces/${traceId}?format=otlp`);
      return status === 200 && flattenOtlp(body).length >= spanCount ? body : undefined;
    },
    10_000,
    `trace ${traceId} with ${spanCount} spans`,
  );
}

/**
 * One suite per SDK: a Skein, then each protocol's client run, its trace read back with
 * `?format=otlp` and compared field by field with what the client printed.
 */
export function describeSdkRoundTrip(sdk: 'python' | 'go', runs: ProtocolRun[]): void {
  describe(`OpenTelemetry ${sdk} SDK → Skein → OTLP JSON`, { skip: interopSkip([sdk]) }, () => {
    let skein: SkeinProcess;
    before(async () => {
      requireClients([sdk]);
      skein = await startSkein();
    });
    after(async () => {
      if (!skein) return;
      const code = await skein.stop();
      assert.equal(code, 0, `skein exited with ${code}:\n${skein.logs.join('\n')}`);
      removeDir(skein.dataDir);
    });

    for (const { protocol, run } of runs) {
      test(`over ${protocol}: every exported field reads back unchanged`, async () => {
        const report = await run(skein);
        assert.equal(report.sdk, sdk);
        const traceIds = new Set(report.spans.map((s) => s.traceId));
        assert.equal(traceIds.size, 1, 'the client exported one trace');
        assert.equal(report.spans.length, 4, `${sdk} exported ${report.spans.map((s) => s.name).join(', ')}`);
        const [traceId] = traceIds;
        const body = await fetchOtlpTrace(skein, traceId!, report.spans.length);
        assertSameSpans(flattenOtlp(body), report.spans, `${sdk}/${protocol}`);

        // Spot checks on the client's own view, so the comparison above cannot pass vacuously.
        const root = report.spans.find((s) => s.parentSpanId === '')!;
        assert.equal(root.kind, 'SERVER');
        assert.equal(root.status.code, 'ERROR');
        assert.deepEqual(typedAttribute(root.attributes, 'int.max'), { type: 'int', value: '9223372036854775807' });
        assert.deepEqual(typedAttribute(root.attributes, 'double.fraction'), { type: 'double', value: 0.1 });
        assert.equal(typedAttribute(root.attributes, 'array.int').type, 'array');
        assert.equal(typedAttribute(root.attributes, 'map.nested').type, 'map');
        assert.equal(typedAttribute(root.attributes, 'bytes.binary').type, 'bytes');
        assert.equal(root.links.length, 1);
        assert.ok(root.events.some((e) => e.name === 'exception'));
        const stored = flattenOtlp(body);
        const storedRoot = stored.find((s) => s.span['spanId'] === root.spanId)!;
        const attr = (key: string): unknown => (storedRoot.span['attributes'] as any[]).find((a) => a.key === key)?.value;
        assert.deepEqual(attr('int.min'), { intValue: '-9223372036854775808' });
        assert.ok(Object.is((attr('double.negative_zero') as any).doubleValue, -0), 'negative zero survives');
        assert.deepEqual(attr('array.double'), { arrayValue: { values: [{ doubleValue: 0.5 }, { doubleValue: -1.25 }] } });
        assert.deepEqual((storedRoot.resource.attributes as any[]).find((a) => a.key === 'service.name').value, {
          stringValue: `${sdk}-${protocol}`,
        });
        assert.deepEqual(storedRoot.scope, { name: `skein-interop-${sdk}`, version: '1.0.0' });
        const kinds = report.spans.map((s) => s.kind).sort();
        assert.deepEqual(kinds, ['CLIENT', 'INTERNAL', 'PRODUCER', 'SERVER']);
      });
    }
  });
}
