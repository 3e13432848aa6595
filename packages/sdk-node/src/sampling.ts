import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import type { Sampler } from '@opentelemetry/sdk-trace';
import type { SamplerSpec } from './config.js';
import { JaegerRemoteSampler } from './remote-sampler.js';

export interface SamplerHandle {
  sampler: Sampler;
  /** Stops background work (the remote sampler's polling). */
  stop(): void;
}

export function createSampler(spec: SamplerSpec, serviceName: string, onRemoteError: (error: unknown) => void): SamplerHandle {
  let root: Sampler;
  let stop = (): void => {};
  switch (spec.type) {
    case 'always_on':
      root = new AlwaysOnSampler();
      break;
    case 'always_off':
      root = new AlwaysOffSampler();
      break;
    case 'ratio':
      root = new TraceIdRatioBasedSampler(spec.ratio);
      break;
    case 'remote': {
      const remote = new JaegerRemoteSampler({
        endpoint: spec.endpoint,
        serviceName,
        pollIntervalMs: spec.pollIntervalMs,
        initialSampler: new TraceIdRatioBasedSampler(spec.initialRatio),
        onError: spec.quiet === true ? () => undefined : onRemoteError,
        ...(spec.headers !== undefined && { headers: spec.headers }),
      });
      remote.start();
      root = remote;
      stop = () => remote.shutdown();
      break;
    }
  }
  return { sampler: spec.parentBased ? new ParentBasedSampler({ root }) : root, stop };
}
