import type { SpanCondition, SpanField, SpanFilter } from '../../storage/span-query-types.js';
import type { SpanSelection } from '../../storage/span-analysis-types.js';
import { badParameter } from '../api-error.js';
import type { QueryParams } from '../query-params.js';
import { planSpanFilter } from '../tempo/traceql-metrics-plan.js';
import { isTraceQLError, parseTraceQL } from '../traceql/index.js';

/**
 * The parameters every analysis shares (docs/api.md, "Analysis"): which spans (a TraceQL spanset
 * filter `q`, or the search form's `service`, `spanName`, `attr`, `minDuration`, `maxDuration`,
 * `status`), the window (`start`, `end` or `lookback`) and, for series, `step`.
 */

const HOUR_NANO = 3_600_000_000_000n;
const MIN_STEP_NANO = 1_000_000_000n;
/** Series points a default step aims at. */
const DEFAULT_SLOTS = 60n;

export interface AnalysisWindow {
  fromNano: bigint;
  toNano: bigint;
}

function nowUnixNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export function analysisWindow(params: QueryParams, defaultLookbackNano = HOUR_NANO): AnalysisWindow {
  const end = params.timeUnixNano('end') ?? nowUnixNano();
  const lookback = params.durationNano('lookback');
  const explicitStart = params.timeUnixNano('start');
  if (explicitStart !== undefined && lookback !== undefined) throw badParameter('lookback', 'give either start or lookback, not both');
  const start = explicitStart ?? end - (lookback ?? defaultLookbackNano);
  if (start >= end) throw badParameter('start', 'must be before end');
  return { fromNano: start < 0n ? 0n : start, toNano: end };
}

/** `step`, or the window / 60 rounded up to whole seconds; at most 1,000 steps. */
export function analysisStep(params: QueryParams, window: AnalysisWindow): bigint {
  const span = window.toNano - window.fromNano;
  const given = params.durationNano('step');
  if (given !== undefined) {
    if (given < MIN_STEP_NANO) throw badParameter('step', 'must be at least 1s');
    if (span / given > 1000n) throw badParameter('step', `gives ${span / given} steps over the window; at most 1000`);
    return given;
  }
  const raw = (span + DEFAULT_SLOTS - 1n) / DEFAULT_SLOTS;
  return raw < MIN_STEP_NANO ? MIN_STEP_NANO : ((raw + MIN_STEP_NANO - 1n) / MIN_STEP_NANO) * MIN_STEP_NANO;
}

/** A TraceQL spanset filter (`{ span.http.status_code >= 500 }`) as a storage filter; 400 naming `name` otherwise. */
export function traceQLFilter(name: string, text: string): SpanFilter {
  try {
    return planSpanFilter(parseTraceQL(text));
  } catch (error) {
    if (isTraceQLError(error)) throw badParameter(name, error.message);
    throw error;
  }
}

const all = (conditions: readonly (SpanCondition | SpanFilter)[]): SpanFilter => ({ combine: 'all', conditions });

/**
 * The population's filter: `q` (TraceQL), or the search form's fields (combined with AND). An
 * `attr=key=value` matches the span's or its resource's attribute whose value is that string,
 * or that integer / boolean when the text reads as one.
 */
export function populationFilter(params: QueryParams): SpanFilter {
  const q = params.string('q');
  const service = params.string('service');
  const spanName = params.string('spanName');
  const attrs = params.all('attr');
  const minDuration = params.durationNano('minDuration');
  const maxDuration = params.durationNano('maxDuration');
  const status = params.string('status');
  if (status !== undefined && status !== 'error' && status !== 'any')
    throw badParameter('status', `expected error or any, got ${JSON.stringify(status)}`);
  const conditions: (SpanCondition | SpanFilter)[] = [];
  if (q !== undefined) conditions.push(traceQLFilter('q', q));
  if (service !== undefined)
    conditions.push({
      field: { kind: 'attribute', scope: 'resource', key: 'service.name' },
      op: '=',
      value: { type: 'string', value: service },
    });
  if (spanName !== undefined)
    conditions.push({ field: { kind: 'intrinsic', name: 'name' }, op: '=', value: { type: 'string', value: spanName } });
  for (const item of attrs) conditions.push(attributeFilter(item));
  if (minDuration !== undefined)
    conditions.push({ field: { kind: 'intrinsic', name: 'duration' }, op: '>=', value: { type: 'duration', nanos: minDuration } });
  if (maxDuration !== undefined)
    conditions.push({ field: { kind: 'intrinsic', name: 'duration' }, op: '<=', value: { type: 'duration', nanos: maxDuration } });
  if (status === 'error') conditions.push({ field: { kind: 'intrinsic', name: 'status' }, op: '=', value: { type: 'status', code: 2 } });
  return all(conditions);
}

function attributeFilter(item: string): SpanFilter {
  const eq = item.indexOf('=');
  if (eq <= 0) throw badParameter('attr', `expected key=value, got ${JSON.stringify(item)}`);
  const key = item.slice(0, eq);
  const value = item.slice(eq + 1);
  const field: SpanField = { kind: 'attribute', scope: 'any', key };
  const alternatives: SpanCondition[] = [{ field, op: '=', value: { type: 'string', value } }];
  if (/^-?\d{1,18}$/.test(value)) alternatives.push({ field, op: '=', value: { type: 'int', value: BigInt(value) } });
  if (value === 'true' || value === 'false') alternatives.push({ field, op: '=', value: { type: 'bool', value: value === 'true' } });
  return { combine: 'any', conditions: alternatives };
}

/** A group-by field: `name`, `status`, `kind`, `statusMessage`, `resource.<key>`, `span.<key>` or `.<key>` (either). */
export function groupField(name: string, text: string): SpanField {
  switch (text) {
    case 'name':
    case 'status':
    case 'kind':
    case 'statusMessage':
      return { kind: 'intrinsic', name: text };
    case 'service':
      return { kind: 'intrinsic', name: 'serviceName' };
  }
  const scoped = /^(resource|span)?\.(.+)$/.exec(text);
  if (scoped === null)
    throw badParameter(name, `expected name, status, kind, service, resource.<key>, span.<key> or .<key>, got ${JSON.stringify(text)}`);
  const scope = scoped[1] === 'resource' ? 'resource' : scoped[1] === 'span' ? 'span' : 'any';
  return { kind: 'attribute', scope, key: scoped[2]! };
}

/**
 * The ranking's selection: `selectionStart`/`selectionEnd` (a time range), `selectionMinDuration`/
 * `selectionMaxDuration` (a duration range: a heatmap brush is both), `selectionStatus=error`,
 * `selectionQ` (TraceQL). At least one is required.
 */
export function selectionOf(params: QueryParams): SpanSelection {
  const selection: SpanSelection = {};
  const start = params.timeUnixNano('selectionStart');
  const end = params.timeUnixNano('selectionEnd');
  const min = params.durationNano('selectionMinDuration');
  const max = params.durationNano('selectionMaxDuration');
  const status = params.string('selectionStatus');
  const q = params.string('selectionQ');
  if (start !== undefined) selection.fromNano = start;
  if (end !== undefined) selection.toNano = end;
  if (start !== undefined && end !== undefined && start >= end) throw badParameter('selectionStart', 'must be before selectionEnd');
  if (min !== undefined) selection.minDurationNano = min;
  if (max !== undefined) selection.maxDurationNano = max;
  if (status !== undefined) {
    if (status !== 'error') throw badParameter('selectionStatus', `expected error, got ${JSON.stringify(status)}`);
    selection.errorsOnly = true;
  }
  if (q !== undefined) selection.filter = traceQLFilter('selectionQ', q);
  if (Object.keys(selection).length === 0) {
    throw badParameter(
      'selectionStart',
      'the ranking needs a selection: selectionStart/End, selectionMin/MaxDuration, selectionStatus=error or selectionQ',
    );
  }
  return selection;
}
