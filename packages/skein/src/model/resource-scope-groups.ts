import type { InstrumentationScope, Resource, Span } from './span.js';

/** What the nesting is rebuilt for: spans, and log records (which point at a Resource and a scope the same way). */
interface Scoped {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
}

export interface ScopeGroup<T extends Scoped = Span> {
  scope: InstrumentationScope;
  spans: T[];
}

export interface ResourceGroup<T extends Scoped = Span> {
  resource: Resource;
  scopes: ScopeGroup<T>[];
}

/**
 * Rebuilds OTLP's resource → scope → spans nesting from flat spans, keeping first-seen order.
 * Spans decoded from one request share Resource/Scope objects, so identity is checked first;
 * spans read back from storage carry equal-but-distinct objects, so `contentKey` groups those.
 */
export function groupByResourceAndScope<T extends Scoped = Span>(
  spans: readonly T[],
  contentKey: (value: Resource | InstrumentationScope) => string = defaultContentKey,
): ResourceGroup<T>[] {
  const groups: ResourceGroup<T>[] = [];
  const byResourceObject = new Map<Resource, ResourceGroup<T>>();
  const byResourceKey = new Map<string, ResourceGroup<T>>();
  const scopeIndex = new Map<ResourceGroup<T>, { byObject: Map<InstrumentationScope, ScopeGroup<T>>; byKey: Map<string, ScopeGroup<T>> }>();

  for (const span of spans) {
    let group = byResourceObject.get(span.resource);
    if (group === undefined) {
      const key = contentKey(span.resource);
      group = byResourceKey.get(key);
      if (group === undefined) {
        group = { resource: span.resource, scopes: [] };
        groups.push(group);
        byResourceKey.set(key, group);
        scopeIndex.set(group, { byObject: new Map(), byKey: new Map() });
      }
      byResourceObject.set(span.resource, group);
    }
    const index = scopeIndex.get(group)!;
    let scopeGroup = index.byObject.get(span.scope);
    if (scopeGroup === undefined) {
      const key = contentKey(span.scope);
      scopeGroup = index.byKey.get(key);
      if (scopeGroup === undefined) {
        scopeGroup = { scope: span.scope, spans: [] };
        group.scopes.push(scopeGroup);
        index.byKey.set(key, scopeGroup);
      }
      index.byObject.set(span.scope, scopeGroup);
    }
    scopeGroup.spans.push(span);
  }
  return groups;
}

function defaultContentKey(value: Resource | InstrumentationScope): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v,
  );
}
