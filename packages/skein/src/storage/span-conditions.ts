import { arrayHasSql, arrayIndexSql } from './array-sql.js';
import type { ComparisonOp, SpanCondition, SpanField, SpanFilter, SpanIntrinsic } from './span-query-types.js';
import { TENANT } from './trace-queries.js';

/**
 * Span conditions and span fields as SQL over `trace_spans_v3` (schema v3): the storage side of
 * TraceQL's spanset filters for the reads that aggregate in the engine (TraceQL metrics, filtered
 * tag values). Values are never spliced: each becomes a `{pN:Type}` placeholder collected in a
 * {@link SqlBuilder}, bound by sql-binding.ts like every other statement.
 *
 * Attributes are the parallel columns of attribute-columns.ts; a value's type is the tag character
 * at the same position of `attr_types` (`s` string, `i` int, `d`/`z` double, `b` bool). Resource
 * attributes live in `resources_v3`: a condition on them is `resource_hash IN (resources that
 * satisfy it)`, which runs on 18.16 and reads only that tenant's resources. `resource.service.name`
 * is the span row's own `service_name` column (the sort key's second column).
 */

function isFilter(node: SpanCondition | SpanFilter): node is SpanFilter {
  return 'combine' in node;
}

/** Collects the placeholders of a statement being built. */
export class SqlBuilder {
  readonly params: Record<string, unknown> = {};
  private next = 0;

  constructor(readonly db: string) {}

  bind(type: 'String' | 'UInt64' | 'Int64' | 'Float64' | 'UInt8' | 'Array(String)', value: unknown): string {
    const name = `p${this.next++}`;
    this.params[name] = value;
    return `{${name}:${type}}`;
  }
}

/**
 * `attr_types` as an array parallel to `attr_keys`, one tag character each. The string is passed
 * into the lambda as an array argument: ClickHouse 18.16 does not resolve a String column
 * captured by a lambda ("Unknown identifier: attr_types"; measured against the Debian server).
 */
const TYPES = 'arrayMap((i, s) -> substring(s, i, 1), arrayEnumerate(attr_keys), arrayResize([attr_types], length(attr_keys), attr_types))';

/** SQL: the span satisfies the filter. */
export function filterSql(b: SqlBuilder, filter: SpanFilter): string {
  const parts = filter.conditions.map((node) => (isFilter(node) ? filterSql(b, node) : conditionSql(b, node)));
  if (filter.combine === 'not') return `NOT ${parts[0]!}`;
  if (parts.length === 0) return filter.combine === 'all' ? '1' : '0';
  return `(${parts.join(filter.combine === 'all' ? ' AND ' : ' OR ')})`;
}

function conditionSql(b: SqlBuilder, condition: SpanCondition): string {
  const { field } = condition;
  if (condition.value.type === 'nil') {
    if (condition.op !== '=' && condition.op !== '!=') throw new SpanConditionError(`nil compares with = or !=, not ${condition.op}`);
    if (field.kind === 'intrinsic') return condition.op === '=' ? '0' : '1';
    const exists = existsSql(b, field.scope, field.key);
    return condition.op === '!=' ? exists : `NOT ${exists}`;
  }
  if (field.kind === 'intrinsic') return intrinsicConditionSql(b, field.name, condition);
  if (field.key === 'service.name' && field.scope === 'resource' && condition.value.type === 'string') {
    return compare(b, 'service_name', condition.op, condition.value);
  }
  // Built only when used: every bound placeholder must appear in the statement.
  const spanSide = (): string => attributeConditionSql(b, field.key, condition);
  const resourceSide = (): string =>
    `resource_hash IN (SELECT resource_hash FROM ${b.db}.resources_v3 WHERE ${TENANT} AND ${attributeConditionSql(b, field.key, condition)})`;
  if (field.scope === 'span') return spanSide();
  if (field.scope === 'resource') return resourceSide();
  return `(${spanSide()} OR ${resourceSide()})`;
}

/** The span (or its resource, by scope) has attribute `key`. */
function existsSql(b: SqlBuilder, scope: 'span' | 'resource' | 'any', key: string): string {
  if (scope === 'resource' && key === 'service.name') return '1';
  const span = (): string => arrayHasSql('attr_keys', b.bind('String', key));
  const resource = (): string =>
    `resource_hash IN (SELECT resource_hash FROM ${b.db}.resources_v3 WHERE ${TENANT} AND ${arrayHasSql('attr_keys', b.bind('String', key))})`;
  if (scope === 'span') return span();
  if (scope === 'resource') return resource();
  return `(${span()} OR ${resource()})`;
}

function intrinsicConditionSql(b: SqlBuilder, name: SpanIntrinsic, condition: SpanCondition): string {
  const { op, value } = condition;
  switch (name) {
    case 'name':
    case 'statusMessage':
    case 'serviceName':
      if (value.type !== 'string') throw new SpanConditionError(`${name} compares with a string, got ${value.type}`);
      return compare(b, name === 'name' ? 'name' : name === 'serviceName' ? 'service_name' : 'status_message', op, value);
    case 'status':
      if (value.type !== 'status' || (op !== '=' && op !== '!='))
        throw new SpanConditionError('status compares with = or != and error, ok or unset');
      return `status_code ${op} ${b.bind('UInt8', value.code)}`;
    case 'kind':
      if (value.type !== 'kind' || (op !== '=' && op !== '!=')) throw new SpanConditionError('kind compares with = or != and a span kind');
      return `kind ${op} ${b.bind('UInt8', value.kind)}`;
    case 'duration':
      if (value.type !== 'duration' || op === '=~' || op === '!~')
        throw new SpanConditionError('duration compares with a duration (100ms, 1.5s)');
      return `duration_ns ${op} ${b.bind('UInt64', value.nanos < 0n ? 0n : value.nanos)}`;
  }
}

/** The attribute `key` of the row (span or resource row: same columns) satisfies the condition. */
function attributeConditionSql(b: SqlBuilder, key: string, condition: SpanCondition): string {
  const { op, value } = condition;
  const k = b.bind('String', key);
  let typeCheck: string;
  let test: string;
  switch (value.type) {
    case 'string':
      typeCheck = `t = 's'`;
      test = compare(b, 'v', op, value);
      break;
    case 'bool':
      if (op !== '=' && op !== '!=') throw new SpanConditionError(`a boolean compares with = or !=, not ${op}`);
      typeCheck = `t = 'b'`;
      test = `v ${op} ${b.bind('String', String(value.value))}`;
      break;
    case 'int':
    case 'float':
    case 'duration': {
      if (op === '=~' || op === '!~') throw new SpanConditionError(`a number cannot be matched with ${op}`);
      const number = value.type === 'int' ? Number(value.value) : value.type === 'float' ? value.value : Number(value.nanos);
      typeCheck = `t IN ('i', 'd', 'z')`;
      test = `toFloat64OrZero(v) ${op} ${b.bind('Float64', number)}`;
      break;
    }
    default:
      throw new SpanConditionError(`an attribute cannot be compared with a ${value.type}`);
  }
  return `arrayExists((k, v, t) -> k = ${k} AND ${typeCheck} AND ${test}, attr_keys, attr_values, ${TYPES})`;
}

function compare(b: SqlBuilder, column: string, op: ComparisonOp, value: { type: 'string'; value: string }): string {
  const bound = b.bind('String', value.value);
  // TraceQL regexes match the whole value (Tempo anchors them); RE2 in ClickHouse searches.
  if (op === '=~') return `match(${column}, concat('^(?:', ${bound}, ')$'))`;
  if (op === '!~') return `NOT match(${column}, concat('^(?:', ${bound}, ')$'))`;
  return `${column} ${op} ${bound}`;
}

/** A field's value as SQL, for grouping: the rendering plus its type tag ('' when absent). */
export function fieldSql(b: SqlBuilder, field: SpanField, resourceAlias: (key: string) => string): { value: string; type: string } {
  if (field.kind === 'intrinsic') {
    switch (field.name) {
      case 'name':
        return { value: 'toString(name)', type: `'s'` };
      case 'statusMessage':
        return { value: 'status_message', type: `'s'` };
      case 'serviceName':
        return { value: 'toString(service_name)', type: `'s'` };
      case 'status':
        return { value: 'toString(status_code)', type: `'status'` };
      case 'kind':
        return { value: 'toString(kind)', type: `'kind'` };
      case 'duration':
        return { value: 'toString(duration_ns)', type: `'i'` };
    }
  }
  if (field.scope === 'resource' && field.key === 'service.name') return { value: 'toString(service_name)', type: `'s'` };
  if (field.scope === 'resource') {
    const alias = resourceAlias(field.key);
    return { value: `${alias}_v`, type: `${alias}_t` };
  }
  const k = b.bind('String', field.key);
  const spanIndex = arrayIndexSql('attr_keys', k, field.key);
  const spanValue = `arrayElement(attr_values, ${spanIndex})`;
  const spanType = `if(${spanIndex} = 0, '', substring(attr_types, ${spanIndex}, 1))`;
  if (field.scope === 'span') return { value: spanValue, type: spanType };
  const alias = resourceAlias(field.key);
  return { value: `if(${spanIndex} = 0, ${alias}_v, ${spanValue})`, type: `if(${spanIndex} = 0, ${alias}_t, ${spanType})` };
}

/** A condition the storage cannot express (a TraceQL type error): the query layer answers 400. */
export class SpanConditionError extends Error {
  override readonly name = 'SpanConditionError';
}
