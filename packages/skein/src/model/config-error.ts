/**
 * A configuration problem, from a config file, a flag, an environment variable or a query
 * parameter: carries the key path (`processors.tail_sampling.decision_wait`) and, where known, the
 * value, so every message names both. The one configuration error of the project: `main` prints it
 * without a stack trace.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    message: string,
    /** Dotted key path, or undefined for a problem of the whole source (unreadable file). */
    readonly keyPath?: string,
    readonly problems: readonly string[] = [message],
  ) {
    super(message);
  }

  /** One error for many problems (as zod reports them): the message lists each on its own line. */
  static ofProblems(heading: string, problems: readonly string[]): ConfigError {
    return new ConfigError(`${heading}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`, undefined, problems);
  }
}
