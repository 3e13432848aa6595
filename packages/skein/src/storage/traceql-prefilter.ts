import { arrayHasSql } from './array-sql.js';
import { TENANT } from './trace-queries.js';
import type { AttributeTest, PrefilterOp, SpanNumberColumn, SpanPredicate, TraceCondition } from './traceql-condition.js';

/**
 * The SQL side of TraceQL search: a prefilter that picks candidate traces on the narrowest
 * columns. The query layer derives a {@link TraceCondition} from a TraceQL query: a condition every
 * matching trace necessarily meets (a superset: the exact query then runs per candidate trace), as
 * AND/OR of "the trace has a span (starting in the window) satisfying P". This file renders it as
 * one statement: every span predicate P_i becomes a fixed SQL fragment with bound values, the
 * WHERE keeps spans meeting any of them, and HAVING combines `countIf(P_i) > 0` per trace. Only
 * what ClickHouse 18.16 has is used (countIf, arrayExists with several arrays, match, extractAll).
 */

export interface PrefilterStatement {
  sql: string;
  params: Record<string, unknown>;
}

const DURATION = 'if(duration_ns < 9223372036854775808, duration_ns, 0)';
const WINDOW = `bucket >= {startBucket:UInt32} AND bucket <= {endBucket:UInt32}
    AND start_ns >= {startNs:UInt64} AND start_ns <= {endNs:UInt64}`;
const SQL_OPS: Record<PrefilterOp, string> = { '=': '=', '!=': '!=', '>': '>', '>=': '>=', '<': '<', '<=': '<=' };

/**
 * Candidate trace IDs: newest first by their earliest span in the window, ties by trace ID, at
 * most `{limit}`. `params` holds the predicates' values; the caller adds tenant, window and limit.
 */
export function prefilterSql(db: string, condition: TraceCondition): PrefilterStatement {
  const renderer = new Renderer(db);
  const having = renderer.trace(condition);
  const leaves = renderer.leaves;
  const where = [TENANT, WINDOW];
  if (leaves.length > 0 && having !== '1') where.push(`(${leaves.join('\n    OR ')})`);
  const sql = `SELECT trace_id
FROM ${db}.trace_spans_v3
WHERE ${where.join('\n  AND ')}
GROUP BY trace_id${having === '1' ? '' : `\nHAVING ${having}`}
ORDER BY min(start_ns) DESC, trace_id
LIMIT {limit:UInt32}`;
  return { sql, params: renderer.params };
}

class Renderer {
  readonly params: Record<string, unknown> = {};
  readonly leaves: string[] = [];
  private counter = 0;
  constructor(private readonly db: string) {}

  trace(c: TraceCondition): string {
    switch (c.kind) {
      case 'true':
        return '1';
      case 'hasSpan': {
        const span = this.span(c.span);
        this.leaves.push(span);
        return `countIf(${span}) > 0`;
      }
      default: {
        const parts = c.parts.map((p) => this.trace(p));
        if (c.kind === 'and') {
          const needed = parts.filter((p) => p !== '1');
          return needed.length === 0 ? '1' : `(${needed.join(' AND ')})`;
        }
        return parts.includes('1') || parts.length === 0 ? '1' : `(${parts.join(' OR ')})`;
      }
    }
  }

  private bind(value: unknown, type: string): string {
    const name = `p${this.counter++}`;
    this.params[name] = value;
    return `{${name}:${type}}`;
  }

  span(p: SpanPredicate): string {
    switch (p.kind) {
      case 'and':
      case 'or':
        return p.parts.length === 0
          ? p.kind === 'and'
            ? '1'
            : '0'
          : `(${p.parts.map((x) => this.span(x)).join(p.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'string':
        return `${p.column} ${SQL_OPS[p.op]} ${this.bind(p.value, 'String')}`;
      case 'regex':
        return `${p.negated ? 'NOT ' : ''}match(${p.column}, ${this.bind(anchored(p.pattern), 'String')})`;
      case 'number':
        return this.number(p.column, p.op, p.value);
      case 'attribute':
        return this.attribute(p.scope, p.key, p.test);
    }
  }

  private number(column: SpanNumberColumn, op: PrefilterOp, value: bigint): string {
    const expression = column === 'duration_ns' ? DURATION : column;
    const max = column === 'duration_ns' ? 9223372036854775807n : 255n;
    // Columns are unsigned: a bound outside their range decides the test without SQL.
    if (value < 0n) return op === '>' || op === '>=' || op === '!=' ? '1' : '0';
    if (value > max) return op === '<' || op === '<=' || op === '!=' ? '1' : '0';
    return `${expression} ${SQL_OPS[op]} ${this.bind(value, 'UInt64')}`;
  }

  private attribute(scope: 'span' | 'resource' | 'either', key: string, test: AttributeTest): string {
    const keyParam = this.bind(key, 'String');
    let valueTest: string;
    switch (test.kind) {
      case 'exists':
        valueTest = '';
        break;
      case 'text':
        valueTest = `v ${SQL_OPS[test.op]} ${this.bind(test.value, 'String')}`;
        break;
      case 'number':
        // Non-strict bounds: rounding to Float64 never turns a true comparison false then.
        // JS prints infinite doubles as `Infinity`, which the engine's number parser does not read.
        valueTest = `toFloat64OrZero(v) ${SQL_OPS[test.op === '>' ? '>=' : test.op === '<' ? '<=' : test.op]} ${this.bind(test.value, 'Float64')} OR v = 'Infinity' OR v = '-Infinity' OR v = 'NaN'`;
        break;
      case 'regex':
        valueTest = `match(v, ${this.bind(anchored(test.pattern), 'String')})`;
        break;
    }
    const inColumns =
      valueTest === ''
        ? arrayHasSql('attr_keys', keyParam)
        : // The type tags as an array of one-character strings: 18.16's lambdas cannot read other columns.
          `arrayExists((k, v, t) -> k = ${keyParam} AND (${valueTest} OR t = 'a'), attr_keys, attr_values, extractAll(attr_types, '.'))`;
    const spanSide = inColumns;
    const resourceSide = `resource_hash IN (SELECT resource_hash FROM ${this.db}.resources_v3 WHERE ${TENANT} AND ${inColumns})`;
    if (scope === 'span') return spanSide;
    if (scope === 'resource') return resourceSide;
    return `(${spanSide} OR ${resourceSide})`;
  }
}

/** TraceQL regular expressions are fully anchored; ClickHouse's match() is RE2 like Tempo's. */
function anchored(pattern: string): string {
  return `^(?:${pattern})$`;
}
