import { anySpan, type Decision, type PolicyEvaluator, type TraceView } from './policy.js';

/**
 * `trace_state`: any span's W3C tracestate has member `key` with one of `values`
 * (`key=value` list members separated by commas, optional whitespace around them).
 */
export class TraceStatePolicy implements PolicyEvaluator {
  private readonly values: ReadonlySet<string>;

  constructor(
    private readonly key: string,
    values: readonly string[],
  ) {
    this.values = new Set(values);
  }

  evaluate(trace: TraceView): Decision {
    return anySpan(trace, (span) => {
      if (span.traceState === '') return false;
      for (const member of span.traceState.split(',')) {
        const equals = member.indexOf('=');
        if (equals < 0) continue;
        if (member.slice(0, equals).trim() === this.key && this.values.has(member.slice(equals + 1).trim())) return true;
      }
      return false;
    });
  }
}
