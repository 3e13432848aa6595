import type { z } from 'zod';

/**
 * A configuration problem, from a config file, a flag, an environment variable or a query
 * parameter: carries the key path (`processors.tail_sampling.decision_wait`) and, where known, the
 * value, so every message names both. The one configuration error of the project: `main` prints it
 * without a stack trace.
 */
export class ConfigError extends Error {
  // `string`, not the literal: loadgen's flag and topology errors are ConfigErrors with their own names.
  override readonly name: string = 'ConfigError';

  constructor(
    message: string,
    /** Dotted key path, or undefined for a problem of the whole source (unreadable file). */
    readonly keyPath?: string,
    readonly problems: readonly string[] = [message],
  ) {
    super(message);
  }

  /**
   * One error for many problems (as zod reports them): the message lists each on its own line.
   * Called on a subclass (`TopologyError.ofProblems`), it builds that subclass.
   */
  static ofProblems<E extends ConfigError>(this: ConfigErrorClass<E>, heading: string, problems: readonly string[]): E {
    return new this(listed(heading, problems), undefined, problems);
  }

  /**
   * The ConfigError of a failed zod parse of `raw`: one problem per issue, each `key: message (got value)`.
   * `prefix` is the key path of `raw` in the whole config (`processors.batch`), '' at the top.
   */
  static ofIssues<E extends ConfigError>(
    this: ConfigErrorClass<E>,
    heading: string,
    prefix: string,
    issues: readonly z.core.$ZodIssue[],
    raw: unknown,
  ): E {
    const problems = configProblems(prefix, issues, raw);
    return new this(listed(heading, problems), undefined, problems);
  }
}

function listed(heading: string, problems: readonly string[]): string {
  return `${heading}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`;
}

/** ConfigError or a subclass with its constructor (loadgen's TopologyError). */
type ConfigErrorClass<E extends ConfigError> = new (message: string, keyPath?: string, problems?: readonly string[]) => E;

/** `a.b.0.c`: the dotted key path after `prefix`, list indices as keys (as the config loader has always named them). */
export function keyPathOf(prefix: string, path: readonly PropertyKey[]): string {
  return [...(prefix === '' ? [] : [prefix]), ...path.map(String)].join('.');
}

/**
 * One line per zod issue, naming the key and the value found there (unless the message already
 * names it, as the duration schema's does). The one formatter of config problems.
 */
export function configProblems(prefix: string, issues: readonly z.core.$ZodIssue[], raw: unknown): string[] {
  return issues.map((issue) => {
    const key = keyPathOf(prefix, issue.path);
    if (issue.code === 'unrecognized_keys') {
      return `${key || '(root)'}: unknown key(s) ${issue.keys.map((name) => JSON.stringify(name)).join(', ')}`;
    }
    // A check of the whole section (cross-references) says everything in its message.
    if (issue.path.length === 0 && issue.code === 'custom') return prefix === '' ? issue.message : `${prefix}: ${issue.message}`;
    const value = valueAt(raw, issue.path);
    const shown = value === undefined || issue.message.includes('(got ') ? '' : ` (got ${shortJson(value)})`;
    return `${key || '(root)'}: ${issue.message}${shown}`;
  });
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = raw;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
