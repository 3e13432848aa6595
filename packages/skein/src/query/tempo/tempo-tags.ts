import type { SpanField } from '../../storage/span-query-types.js';
import type { TraceStore } from '../../storage/trace-store.js';
import { readerFor } from '../tenant-of.js';
import { extractMatchers, fieldOf } from './span-filter-text.js';
import { badRequest, json, type TempoRouter } from './tempo-http.js';
import { nowNano, param, positiveIntegerParam, secondsParam } from './tempo-params.js';

/**
 * Tag names and values for Grafana's TraceQL editor and search form: `/api/search/tags`,
 * `/api/v2/search/tags` (`scope`, `q`), `/api/search/tag/{tag}/values` and
 * `/api/v2/search/tag/{tag}/values` (typed values, filtered by a possibly half-typed `q`).
 * Shapes from Tempo's docs and tempo.proto; the intrinsic list is Tempo's autocomplete list.
 *
 * Counts come from storage's bounded samples (the first 100,000 spans of the window), so they
 * answer fast on any store. Without `start`/`end`, Tempo looks at recent data only; Skein looks
 * at the last 24 hours.
 */

const DEFAULT_LOOKBACK_NANO = 24n * 3_600_000_000_000n;
/** Storage's limit per answer; Grafana asks for up to 5,000 (its tag limit). */
const MAX_LIMIT = 1000;
const SAMPLE_SPANS = 100_000;

/** Tempo's intrinsic autocomplete list (pkg/search GetVirtualIntrinsicValues), in its order. */
export const INTRINSIC_TAGS = [
  'duration',
  'name',
  'status',
  'statusMessage',
  'kind',
  'rootServiceName',
  'rootName',
  'traceDuration',
  'event:name',
  'event:timeSinceStart',
  'link:spanID',
  'link:traceID',
  'instrumentation:name',
  'instrumentation:version',
  'trace:id',
  'span:id',
  'span:parentID',
  'span:status',
  'span:statusMessage',
  'span:duration',
  'span:name',
  'span:kind',
  'trace:rootName',
  'trace:rootService',
  'trace:duration',
];

const SCOPES = ['span', 'resource', 'event', 'link', 'instrumentation', 'intrinsic', 'none'];

function window(url: URL): { start: bigint; end: bigint } {
  const end = secondsParam(url, 'end') ?? nowNano();
  const start = secondsParam(url, 'start') ?? end - DEFAULT_LOOKBACK_NANO;
  return { start: start < 0n ? 0n : start, end };
}

function limitOf(url: URL): number {
  const limit = positiveIntegerParam(url, 'limit');
  return limit === undefined || limit === 0 ? MAX_LIMIT : Math.min(limit, MAX_LIMIT);
}

export function addTempoTagRoutes(router: TempoRouter, store: TraceStore): void {
  const keysByScope = async (request: Parameters<typeof readerFor>[1], url: URL): Promise<Map<string, string[]>> => {
    const { start, end } = window(url);
    const filter = extractMatchers(param(url, 'q'));
    const serviceCondition =
      filter.combine === 'all'
        ? filter.conditions.find(
            (c) =>
              c.field.kind === 'attribute' &&
              c.field.key === 'service.name' &&
              c.field.scope !== 'span' &&
              c.op === '=' &&
              c.value.type === 'string',
          )
        : undefined;
    const keys = await readerFor(store, request).listAttributeKeys({
      ...(serviceCondition?.value.type === 'string' && { serviceName: serviceCondition.value.value }),
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      limit: limitOf(url),
    });
    const byScope = new Map<string, string[]>([
      ['resource', []],
      ['span', []],
    ]);
    for (const key of keys) byScope.get(key.scope)!.push(key.key);
    for (const list of byScope.values()) list.sort();
    return byScope;
  };

  router.get('/api/search/tags', async ({ request, url }) => {
    const scope = scopeOf(url);
    if (scope === 'intrinsic') return json({ tagNames: INTRINSIC_TAGS, metrics: {} });
    const byScope = await keysByScope(request, url);
    const names =
      scope === 'span' || scope === 'resource'
        ? byScope.get(scope)!
        : [...new Set([...byScope.get('span')!, ...byScope.get('resource')!])].sort();
    return json({ tagNames: names, metrics: {} });
  });

  router.get('/api/v2/search/tags', async ({ request, url }) => {
    const scope = scopeOf(url);
    const scopes: Array<{ name: string; tags: string[] }> = [];
    // As Tempo: intrinsics first, for an unscoped request too.
    if (scope === undefined || scope === 'intrinsic' || scope === 'none') scopes.push({ name: 'intrinsic', tags: INTRINSIC_TAGS });
    if (scope !== 'intrinsic' && scope !== 'event' && scope !== 'link' && scope !== 'instrumentation') {
      const byScope = await keysByScope(request, url);
      for (const name of ['resource', 'span']) {
        if (scope === undefined || scope === 'none' || scope === name) scopes.push({ name, tags: byScope.get(name)! });
      }
    }
    return json({ scopes, metrics: {} });
  });

  router.get('/api/search/tag/:tag/values', async ({ request, url, params }) => {
    const tag = params['tag']!;
    if (tag === '') throw badRequest('please provide a non-empty tagName');
    // Tempo's virtual values of its v1 tag search.
    if (tag === 'status.code') return json({ tagValues: ['unset', 'ok', 'error'], metrics: {} });
    if (tag === 'error') return json({ tagValues: ['true'], metrics: {} });
    const { start, end } = window(url);
    const values = await readerFor(store, request).listAttributeValues(tag, {
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      limit: limitOf(url),
    });
    return json({ tagValues: values.map((value) => value.value).sort(), metrics: {} });
  });

  router.get('/api/v2/search/tag/:tag/values', async ({ request, url, params }) => {
    const tag = params['tag']!;
    if (tag === '') throw badRequest('please provide a non-empty tagName');
    const virtual = VIRTUAL_VALUES[tag];
    if (virtual !== undefined) return json({ tagValues: virtual, metrics: {} });
    const field = valuesFieldOf(tag);
    if (field === undefined) return json({ tagValues: [], metrics: {} });
    const { start, end } = window(url);
    const rows = await readerFor(store, request).listTypedValues({
      field,
      filter: extractMatchers(param(url, 'q')),
      startNano: start,
      endNano: end,
      sampleSpans: SAMPLE_SPANS,
      limit: limitOf(url),
    });
    return json({ tagValues: rows.map((row) => ({ type: TYPE_NAMES[row.type] ?? 'string', value: row.value })), metrics: {} });
  });
}

function scopeOf(url: URL): string | undefined {
  const scope = param(url, 'scope');
  if (scope === undefined || scope === 'all') return undefined;
  if (!SCOPES.includes(scope)) throw badRequest(`invalid scope: ${scope}`);
  return scope;
}

const TYPE_NAMES: Record<string, string> = { s: 'string', i: 'int', d: 'float', z: 'float', b: 'bool' };

const keyword = (values: string[]): Array<{ type: string; value: string }> => values.map((value) => ({ type: 'keyword', value }));
const STATUS_VALUES = keyword(['ok', 'error', 'unset']);
const KIND_VALUES = keyword(['client', 'server', 'producer', 'consumer', 'internal', 'unspecified']);

/** Tempo's virtual value lists (pkg/search GetVirtualTagValuesV2): enums, and none for durations. */
const VIRTUAL_VALUES: Record<string, Array<{ type: string; value: string }>> = {
  status: STATUS_VALUES,
  'span:status': STATUS_VALUES,
  kind: KIND_VALUES,
  'span:kind': KIND_VALUES,
  duration: [],
  'span:duration': [],
  traceDuration: [],
  'trace:duration': [],
};

/** The stored field a v2 tag names; root intrinsics read the service / span name columns. */
function valuesFieldOf(tag: string): SpanField | undefined {
  if (tag === 'rootServiceName' || tag === 'trace:rootService') return { kind: 'intrinsic', name: 'serviceName' };
  if (tag === 'rootName' || tag === 'trace:rootName') return { kind: 'intrinsic', name: 'name' };
  const field = fieldOf(tag);
  if (field?.kind === 'intrinsic' && field.name !== 'name' && field.name !== 'statusMessage') return undefined;
  return field;
}
