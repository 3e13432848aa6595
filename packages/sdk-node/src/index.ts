export { register } from './setup.js';
export type { SkeinTracing } from './setup.js';
export { PROPAGATORS, PROTOCOLS, SkeinOptionsError, validateOptions } from './options.js';
export type { OtlpProtocol, PropagatorName, RegisterOptions, ResourceAttributeValue } from './options.js';
export { resolveConfig } from './config.js';
export type { Env, ResolvedConfig, SamplerSpec } from './config.js';
export { JaegerRemoteSampler, RateLimitingSampler, samplerFromStrategy } from './remote-sampler.js';
export type { RemoteSamplerOptions } from './remote-sampler.js';
