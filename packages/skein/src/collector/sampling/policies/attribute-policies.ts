import type { AnyValue, KeyValue, Span } from '../../../model/span.js';
import type { Decision, PolicyEvaluator, TraceView } from './policy.js';

/**
 * The attribute policies (`string_attribute`, `numeric_attribute`, `boolean_attribute`) look at
 * the span's own attributes and its resource's, as the Collector.
 *
 * `invert_match`, with the Collector's (deprecated but still honoured) meaning: the trace gets
 * `inverted_not_sampled` when any span or resource matches — which vetoes every other policy's
 * "sample" at the top level — and `inverted_sampled` when none does. Inside `and` / `composite`
 * these count as plain not-sampled / sampled.
 */
abstract class AttributePolicy implements PolicyEvaluator {
  constructor(
    protected readonly key: string,
    private readonly invertMatch: boolean,
  ) {}

  protected abstract matchesValue(value: AnyValue): boolean;

  evaluate(trace: TraceView): Decision {
    const matched = trace.spans.some((span) => this.spanMatches(span));
    if (this.invertMatch) return matched ? 'inverted_not_sampled' : 'inverted_sampled';
    return matched ? 'sampled' : 'not_sampled';
  }

  private spanMatches(span: Span): boolean {
    return this.listMatches(span.attributes) || this.listMatches(span.resource.attributes);
  }

  private listMatches(attributes: readonly KeyValue[]): boolean {
    for (const attribute of attributes) if (attribute.key === this.key && this.matchesValue(attribute.value)) return true;
    return false;
  }
}

/**
 * `string_attribute`: the value equals one of `values`, or with `enabled_regex_matching` matches
 * one of them as a regular expression (unanchored, as Go's `MatchString`; anchor with ^…$).
 * `cache_max_size` is accepted for Collector configs and has no effect: the Collector caches
 * regex results per value, JS regexes on short attribute values are cheap enough without one.
 */
export class StringAttributePolicy extends AttributePolicy {
  private readonly exact: ReadonlySet<string>;
  private readonly patterns: readonly RegExp[];

  constructor(key: string, values: readonly string[], regex: boolean, invertMatch: boolean) {
    super(key, invertMatch);
    this.exact = new Set(regex ? [] : values);
    this.patterns = regex ? values.map(compileGoRegex) : [];
  }

  protected matchesValue(value: AnyValue): boolean {
    if (typeof value !== 'string') return false;
    if (this.exact.has(value)) return true;
    return this.patterns.some((pattern) => pattern.test(value));
  }
}

/**
 * `numeric_attribute`: an integer (or, a Skein extension, double) value in [min_value, max_value];
 * an absent bound is open.
 */
export class NumericAttributePolicy extends AttributePolicy {
  constructor(
    key: string,
    private readonly minValue: number | undefined,
    private readonly maxValue: number | undefined,
    invertMatch: boolean,
  ) {
    super(key, invertMatch);
  }

  protected matchesValue(value: AnyValue): boolean {
    if (typeof value !== 'bigint' && typeof value !== 'number') return false;
    // bigint and number compare exactly in JS, so int64 values beyond 2^53 are not rounded.
    return (this.minValue === undefined || value >= this.minValue) && (this.maxValue === undefined || value <= this.maxValue);
  }
}

/** `boolean_attribute`: the boolean value equals `value`. */
export class BooleanAttributePolicy extends AttributePolicy {
  constructor(
    key: string,
    private readonly value: boolean,
    invertMatch: boolean,
  ) {
    super(key, invertMatch);
  }

  protected matchesValue(value: AnyValue): boolean {
    return value === this.value;
  }
}

/** Go (RE2) flags a pattern may start with, and what JavaScript calls them: the same letters. */
const LEADING_GO_FLAGS = /^\(\?([ims]+)\)/;

/**
 * A Collector `string_attribute` regex as a JavaScript RegExp. Collector configs often start a
 * pattern with Go's flag group, `(?i)` above all, which JavaScript (Node 20) rejects: a leading
 * `(?i)`, `(?s)`, `(?m)` or a combination becomes the RegExp's flags. Throws a SyntaxError for a
 * pattern JavaScript cannot compile.
 */
export function compileGoRegex(pattern: string): RegExp {
  const flags = LEADING_GO_FLAGS.exec(pattern);
  if (flags === null) return new RegExp(pattern);
  return new RegExp(pattern.slice(flags[0].length), [...new Set(flags[1])].join(''));
}
