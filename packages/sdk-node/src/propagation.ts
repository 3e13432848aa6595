import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import type { PropagatorName } from './options.js';

function create(name: PropagatorName): TextMapPropagator {
  switch (name) {
    case 'tracecontext':
      return new W3CTraceContextPropagator();
    case 'baggage':
      return new W3CBaggagePropagator();
    case 'b3':
      return new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
    case 'b3multi':
      return new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
  }
}

/**
 * Writes only the chosen formats but reads every listed one. A service that injects W3C headers
 * must still join traces started by Zipkin/B3 callers (Envoy, older meshes), so extraction is wider
 * than injection. Extractors run in order, each over the previous result: later ones win when a
 * request carries several formats, so W3C goes last and takes precedence over B3.
 */
export class InjectExtractPropagator implements TextMapPropagator {
  readonly #injectors: TextMapPropagator[];
  readonly #extractors: TextMapPropagator[];

  constructor(injectors: TextMapPropagator[], extractors: TextMapPropagator[]) {
    this.#injectors = injectors;
    this.#extractors = extractors;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    for (const p of this.#injectors) p.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.#extractors.reduce((ctx, p) => p.extract(ctx, carrier, getter), context);
  }

  fields(): string[] {
    return [...new Set([...this.#injectors, ...this.#extractors].flatMap((p) => p.fields()))];
  }
}

/** Builds the global propagator: inject `inject`; extract `inject` plus, if asked, every known format. */
export function createPropagator(inject: PropagatorName[], extractAllFormats: boolean): TextMapPropagator {
  // B3Propagator extracts both single and multi header forms whatever its inject encoding.
  const extractNames: PropagatorName[] = extractAllFormats ? ['b3', 'tracecontext', 'baggage'] : orderForExtract(inject);
  return new InjectExtractPropagator(inject.map(create), extractNames.map(create));
}

function orderForExtract(names: PropagatorName[]): PropagatorName[] {
  // b3 and b3multi read the same headers: one B3 extractor is enough, and it goes before W3C.
  const hasB3 = names.includes('b3') || names.includes('b3multi');
  const rest = names.filter((n) => n !== 'b3' && n !== 'b3multi');
  return hasB3 ? ['b3', ...rest] : rest;
}
