import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { RegisterOptions } from './options.js';

export interface AppPackage {
  name?: string;
  version?: string;
}

/**
 * Finds the app's own package.json: the nearest one above the entry script (or the working
 * directory when there is none, as in a REPL). Its name and version are the service's identity
 * of last resort, so an app needs no configuration to show up under a sensible name.
 */
export function readAppPackage(entry: string | undefined, cwd: string = process.cwd()): AppPackage {
  let dir = entry === undefined ? resolve(cwd) : dirname(resolve(cwd, entry));
  for (;;) {
    const found = readPackageJson(join(dir, 'package.json'));
    if (found !== undefined) return found;
    const parent = dirname(dir);
    if (parent === dir) return {};
    dir = parent;
  }
}

function readPackageJson(path: string): AppPackage | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json !== 'object' || json === null) return {};
    const { name, version } = json as Record<string, unknown>;
    const found: AppPackage = {};
    if (typeof name === 'string' && name !== '') found.name = name;
    if (typeof version === 'string' && version !== '') found.version = version;
    return found;
  } catch {
    // A broken package.json is the app's problem, not a reason to fail tracing.
    return {};
  }
}

/**
 * The resource every span carries. Later layers win: SDK defaults, host and process, the app's
 * package.json, `OTEL_SERVICE_NAME`/`OTEL_RESOURCE_ATTRIBUTES`, then options.
 */
export function buildResource(options: RegisterOptions, pkg: AppPackage): { resource: Resource; serviceName: string } {
  const fromPackage: Record<string, string> = {};
  if (pkg.name !== undefined) fromPackage[ATTR_SERVICE_NAME] = pkg.name;
  if (pkg.version !== undefined) fromPackage[ATTR_SERVICE_VERSION] = pkg.version;

  const fromOptions: Record<string, string | number | boolean> = { ...options.resourceAttributes };
  if (options.serviceName !== undefined) fromOptions[ATTR_SERVICE_NAME] = options.serviceName;
  if (options.serviceVersion !== undefined) fromOptions[ATTR_SERVICE_VERSION] = options.serviceVersion;

  const resource = defaultResource()
    .merge(detectResources({ detectors: [hostDetector, processDetector] }))
    .merge(resourceFromAttributes(fromPackage))
    .merge(resourceFromAttributes(envDetector.detect().attributes ?? {}))
    .merge(resourceFromAttributes(fromOptions));
  // service.name is always synchronous (defaults, package.json, env, options), so reading it is safe.
  const name = resource.attributes[ATTR_SERVICE_NAME];
  return { resource, serviceName: typeof name === 'string' ? name : 'unknown_service:node' };
}
