/**
 * Plain one-line logs on stderr: `2026-11-23T10:00:00.000Z info  message`. Warnings are rate
 * limited (a client hammering us with bad requests must not turn the log into the bottleneck);
 * the count of suppressed lines is reported when the window ends.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface LoggerOptions {
  write?: (line: string) => void;
  maxWarningsPerWindow?: number;
  windowMillis?: number;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const maxWarnings = options.maxWarningsPerWindow ?? 20;
  const windowMillis = options.windowMillis ?? 10_000;
  let windowStart = 0;
  let warningsInWindow = 0;
  let suppressed = 0;

  const line = (level: string, message: string): void => write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}`);

  return {
    info: (message) => line('info', message),
    error: (message) => line('error', message),
    warn: (message) => {
      const now = Date.now();
      if (now - windowStart >= windowMillis) {
        if (suppressed > 0) line('warn', `${suppressed} similar warnings suppressed in the last ${Math.round(windowMillis / 1000)} s`);
        windowStart = now;
        warningsInWindow = 0;
        suppressed = 0;
      }
      if (warningsInWindow < maxWarnings) {
        warningsInWindow++;
        line('warn', message);
      } else {
        suppressed++;
      }
    },
  };
}
