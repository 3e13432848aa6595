import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSUME_SUCCESS, type ConsumeResult, type SpanConsumer } from '../../src/collector/pipeline/consume-result.js';
import type { StageContext } from '../../src/collector/pipeline/span-processor.js';
import { tailSamplingConfigSchema, type TailSamplingConfig } from '../../src/collector/sampling/tail-sampling-config.js';
import { TailSamplingStage } from '../../src/collector/sampling/tail-sampling-stage.js';
import type { Span } from '../../src/model/span.js';
import { SkeinMetrics } from '../../src/telemetry/skein-metrics.js';

/** The next stage: records what it was given and answers what the test says (success by default). */
export class RecordingConsumer implements SpanConsumer {
  readonly batches: Span[][] = [];
  answer: () => ConsumeResult = () => CONSUME_SUCCESS;

  consume(spans: Span[]): Promise<ConsumeResult> {
    const result = this.answer();
    if (result.outcome === 'success') this.batches.push(spans);
    return Promise.resolve(result);
  }

  get spans(): Span[] {
    return this.batches.flat();
  }

  traceIds(): Set<string> {
    return new Set(this.spans.map((span) => span.traceId));
  }
}

export class FakeClock {
  constructor(public nowMs = 1_700_000_000_000) {}
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

export interface TestContext extends StageContext {
  readonly warnings: string[];
  readonly errors: string[];
}

export function testContext(stateDir: string | undefined): TestContext {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    metrics: new SkeinMetrics(),
    logger: { info: () => undefined, warn: (m) => warnings.push(m), error: (m) => errors.push(m) },
    stateDir,
    warnings,
    errors,
  };
}

export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'skein-test-tail-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function config(raw: Record<string, unknown>): TailSamplingConfig {
  return tailSamplingConfigSchema.parse(raw);
}

export const ALWAYS = [{ name: 'all', type: 'always_sample' }];

export interface Harness {
  stage: TailSamplingStage;
  next: RecordingConsumer;
  clock: FakeClock;
  context: TestContext;
}

/** A stage with a fake clock and no timer (tests call runDueDecisions); no journal unless a stateDir is given. */
export function harness(raw: Record<string, unknown>, stateDir?: string, next = new RecordingConsumer(), clock = new FakeClock()): Harness {
  const context = testContext(stateDir);
  const cfg = config(stateDir === undefined ? { journal: false, ...raw } : raw);
  const stage = new TailSamplingStage('tail_sampling', cfg, next, context, { clock: clock.now, autoTick: false });
  return { stage, next, clock, context };
}

/** A counter's value for the given labels (0 when never counted). */
export async function counterValue(metrics: SkeinMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const found = metric?.values.find((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted));
  return found?.value ?? 0;
}
