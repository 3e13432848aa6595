import type { InstrumentationScope, Resource, Span } from './span.js';

export interface ScopeGroup {
  scope: InstrumentationScope;
  spans: Span[];
}

export interface ResourceGroup {
  resource: Resource;
  scopes: ScopeGroup[];
}

/**
 * Rebuilds OTLP's resource → scope → spans nesting from flat spans, keeping first-seen order.
 * Spans decoded from one request share Resource/Scope objects, so identity is checked first;
 * spans read back from storage carry equal-but-distinct objects, so `contentKey` groups those.
 */
export function groupByResourceAndScope(
  spans: readonly Span[],
  contentKey: (value: Resource | InstrumentationScope) => string = defaultContentKey,
): ResourceGroup[] {
  const groups: ResourceGroup[] = [];
  const byResourceObject = new Map<Resource, ResourceGroup>();
  const byResourceKey = new Map<string, ResourceGroup>();
  const scopeIndex = new Map<ResourceGroup, { byObject: Map<InstrumentationScope, ScopeGroup>; byKey: Map<string, ScopeGroup> }>();

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
