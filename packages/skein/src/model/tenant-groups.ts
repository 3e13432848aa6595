import type { Span } from './span.js';
import type { TenantId } from './tenant.js';

/** Spans grouped by their resource's tenant, in first-seen order; one group in the common case. */
export function splitByTenant(spans: Span[]): Span[][] {
  const first = spans[0]?.resource.tenant;
  if (spans.every((span) => span.resource.tenant === first)) return [spans];
  const groups = new Map<TenantId, Span[]>();
  for (const span of spans) {
    const group = groups.get(span.resource.tenant);
    if (group) group.push(span);
    else groups.set(span.resource.tenant, [span]);
  }
  return [...groups.values()];
}
