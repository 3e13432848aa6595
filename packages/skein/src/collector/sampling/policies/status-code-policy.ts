import { StatusCode } from '../../../model/span.js';
import { anySpan, type Decision, type PolicyEvaluator, type TraceView } from './policy.js';

/** `status_code`: any span's status is one of `status_codes` (ERROR, OK, UNSET). */
export class StatusCodePolicy implements PolicyEvaluator {
  private readonly codes: ReadonlySet<number>;

  constructor(statusCodes: readonly ('ERROR' | 'OK' | 'UNSET')[]) {
    this.codes = new Set(statusCodes.map((name) => StatusCode[name]));
  }

  evaluate(trace: TraceView): Decision {
    return anySpan(trace, (span) => this.codes.has(span.status.code));
  }
}
