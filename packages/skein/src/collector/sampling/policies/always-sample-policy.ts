import type { Decision, PolicyEvaluator } from './policy.js';

/** `always_sample`: every trace (usually the last of a `composite`, or a catch-all). */
export class AlwaysSamplePolicy implements PolicyEvaluator {
  evaluate(): Decision {
    return 'sampled';
  }
}
