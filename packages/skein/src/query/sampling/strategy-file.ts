import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError, configProblems } from '../../model/config-error.js';
import type { OperationStrategy, SamplingStrategy } from '../../model/jaeger-sampling.js';

/**
 * Sampling strategies from a file in Jaeger's format (`--sampling.strategies-file`):
 *
 * ```json
 * { "default_strategy": { "type": "probabilistic", "param": 0.5,
 *     "operation_strategies": [{ "operation": "/health", "type": "probabilistic", "param": 0 }] },
 *   "service_strategies": [
 *     { "service": "checkout", "type": "probabilistic", "param": 0.8,
 *       "operation_strategies": [{ "operation": "GET /cart", "type": "probabilistic", "param": 0.2 }] },
 *     { "service": "batch", "type": "ratelimiting", "param": 5 } ] }
 * ```
 *
 * As Jaeger's static provider: a service without its own strategy gets the default; the default's
 * operation strategies apply to every probabilistic service, under its own ones (a service's
 * operation wins). Operations are only sent with a probabilistic strategy.
 */

const probability = z.number().min(0).max(1);
const operationSchema = z.object({ operation: z.string().min(1), type: z.literal('probabilistic'), param: probability }).strict();
const strategyFields = {
  type: z.enum(['probabilistic', 'ratelimiting']),
  param: z.number().min(0),
  operation_strategies: z.array(operationSchema).optional(),
};
const refineParam = (strategy: { type: string; param: number }, context: z.RefinementCtx): void => {
  if (strategy.type === 'probabilistic' && strategy.param > 1) {
    context.addIssue({ code: 'custom', path: ['param'], message: 'a probabilistic param is a probability in 0..1' });
  }
};
const serviceSchema = z
  .object({ service: z.string().min(1), ...strategyFields })
  .strict()
  .superRefine(refineParam);
const defaultSchema = z.object(strategyFields).strict().superRefine(refineParam);

export const strategyFileSchema = z
  .object({
    default_strategy: defaultSchema.optional(),
    service_strategies: z.array(serviceSchema).optional(),
    // Jaeger's file may carry the defaults of its adaptive mode; Skein configures those in YAML.
    default_operation_sampling: z.unknown().optional(),
  })
  .strict();

export type StrategyFile = z.output<typeof strategyFileSchema>;

/** What Skein serves without a file: sample everything (Jaeger's own default, 0.001, would surprise). */
export const SAMPLE_ALL: SamplingStrategy = { type: 'probabilistic', samplingRate: 1 };

/** Parses the file's text; a ConfigError names the file and each bad key. */
export function parseStrategyFile(text: string, path: string): StrategyFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`sampling strategies file ${path}: not JSON: ${(error as Error).message}`, path);
  }
  const parsed = strategyFileSchema.safeParse(raw);
  if (!parsed.success)
    throw ConfigError.ofProblems(`invalid sampling strategies file ${path}`, configProblems('', parsed.error.issues, raw));
  return parsed.data;
}

function toStrategy(
  written: {
    type: 'probabilistic' | 'ratelimiting';
    param: number;
    operation_strategies?: Array<{ operation: string; param: number }> | undefined;
  },
  inherited: readonly OperationStrategy[],
): SamplingStrategy {
  if (written.type === 'ratelimiting') return { type: 'ratelimiting', maxTracesPerSecond: written.param };
  const own = (written.operation_strategies ?? []).map((op) => ({ operation: op.operation, samplingRate: op.param }));
  const names = new Set(own.map((op) => op.operation));
  const perOperation = [...own, ...inherited.filter((op) => !names.has(op.operation))];
  if (perOperation.length === 0) return { type: 'probabilistic', samplingRate: written.param };
  return {
    type: 'probabilistic',
    samplingRate: written.param,
    operations: { defaultSamplingProbability: written.param, defaultLowerBoundTracesPerSecond: 0, perOperation },
  };
}

/** The strategy a file gives `service`. */
export function strategyFromFile(file: StrategyFile | undefined, service: string): SamplingStrategy {
  if (file === undefined) return SAMPLE_ALL;
  const defaults = file.default_strategy;
  const inherited = (defaults?.operation_strategies ?? []).map((op) => ({ operation: op.operation, samplingRate: op.param }));
  const own = file.service_strategies?.find((candidate) => candidate.service === service);
  if (own !== undefined) return toStrategy(own, inherited);
  return defaults === undefined ? SAMPLE_ALL : toStrategy(defaults, []);
}

/**
 * The file, read at start (a bad file stops start-up with its ConfigError) and again every
 * `reloadIntervalMillis` when its text changed; a bad edit is logged and the last good strategies
 * stay served, as Jaeger keeps its last good file.
 */
export class StrategyFileWatcher {
  private current: StrategyFile | undefined;
  private lastText = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly reloadIntervalMillis: number,
    private readonly warn: (message: string) => void,
  ) {}

  async start(): Promise<void> {
    this.lastText = await readFile(this.path, 'utf8').catch((error: Error) => {
      throw new ConfigError(`sampling strategies file ${this.path}: ${error.message}`, this.path);
    });
    this.current = parseStrategyFile(this.lastText, this.path);
    if (this.reloadIntervalMillis > 0) {
      this.timer = setInterval(() => void this.reload(), this.reloadIntervalMillis);
      this.timer.unref();
    }
  }

  strategyFor(service: string): SamplingStrategy {
    return strategyFromFile(this.current, service);
  }

  async reload(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      this.warn(`sampling strategies file ${this.path}: ${(error as Error).message}; serving the last good strategies`);
      return;
    }
    if (text === this.lastText) return;
    this.lastText = text;
    try {
      this.current = parseStrategyFile(text, this.path);
    } catch (error) {
      this.warn(`${(error as Error).message}; serving the last good strategies`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
