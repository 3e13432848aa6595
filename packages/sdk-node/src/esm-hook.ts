import * as nodeModule from 'node:module';
import type { Instrumentation } from '@opentelemetry/instrumentation';

let registered = false;

/**
 * Registers OpenTelemetry's ESM loader hook (import-in-the-middle) so that named imports of
 * instrumented modules (`import { request } from 'node:http'`) are patched too; CommonJS and
 * default imports are patched without it. Limited to the instrumented modules: hooking every
 * module costs start-up time and trips up a few packages. Only affects modules imported after
 * this call, which is why `--import @skein/sdk-node/register` is the recommended form.
 */
export function registerEsmHook(instrumentations: Instrumentation[]): void {
  // module.register arrived in Node 20.6; on older versions ESM named imports simply stay unpatched.
  if (registered || typeof nodeModule.register !== 'function') return;
  const include = new Set<string>();
  for (const instrumentation of instrumentations) {
    const definitions = (instrumentation as { getModuleDefinitions?: () => { name: string }[] }).getModuleDefinitions?.() ?? [];
    for (const def of definitions) include.add(def.name);
  }
  if (include.size === 0) return;
  nodeModule.register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: [...include] } });
  registered = true;
}
