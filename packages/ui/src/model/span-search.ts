import type { KeyValue, NativeResource } from '../api/schemas';
import { describeValue } from './format';
import type { SpanNode, TraceTree } from './trace-tree';

/**
 * In-trace search: which spans of an open trace match what the user typed. Whitespace separates
 * terms and every term must match (as the search API ANDs its conditions):
 *
 * - `key=value`: a span attribute, or a resource attribute of the span (as the search API), with
 *   that key whose value reads `value` (ints in decimal, booleans `true`/`false`, as docs/api.md);
 *   `key=` alone matches any span that has the key.
 * - anything else: a case-insensitive substring of the span name or service name, or a span ID
 *   (the whole 16-digit ID, or a prefix of at least 4 hex digits).
 */
export type SearchTerm = { kind: 'attribute'; key: string; value: string | undefined } | { kind: 'text'; text: string };

export function parseSpanQuery(query: string): SearchTerm[] {
  return query
    .trim()
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word): SearchTerm => {
      const eq = word.indexOf('=');
      if (eq > 0) {
        const value = word.slice(eq + 1);
        return { kind: 'attribute', key: word.slice(0, eq), value: value === '' ? undefined : value };
      }
      return { kind: 'text', text: word.toLowerCase() };
    });
}

function attributeMatches(attributes: readonly KeyValue[], key: string, value: string | undefined): boolean {
  for (const attribute of attributes) {
    if (attribute.key !== key) continue;
    if (value === undefined || describeValue(attribute.value).text === value) return true;
  }
  return false;
}

/** Whether one span node matches every term (placeholders for missing parents never match). */
export function spanMatches(node: SpanNode, terms: readonly SearchTerm[], resources: readonly NativeResource[]): boolean {
  const span = node.span;
  if (!span || terms.length === 0) return false;
  for (const term of terms) {
    if (term.kind === 'attribute') {
      if (attributeMatches(span.attributes, term.key, term.value)) continue;
      const resource = resources[span.resourceIndex];
      if (resource && attributeMatches(resource.attributes, term.key, term.value)) continue;
      return false;
    }
    const text = term.text;
    if (span.name.toLowerCase().includes(text) || span.serviceName.toLowerCase().includes(text)) continue;
    if (/^[0-9a-f]{4,16}$/.test(text) && span.spanId.startsWith(text)) continue;
    return false;
  }
  return true;
}

export interface SpanSearchResult {
  /** Matching node keys in display order (depth-first, children by start), for next/previous. */
  keys: string[];
  set: ReadonlySet<string>;
}

export const NO_MATCHES: SpanSearchResult = { keys: [], set: new Set() };

/** Every matching span in the whole tree (collapsed subtrees included), O(n · terms). */
export function searchSpans(tree: TraceTree, query: string, resources: readonly NativeResource[]): SpanSearchResult {
  const terms = parseSpanQuery(query);
  if (terms.length === 0) return NO_MATCHES;
  const keys: string[] = [];
  const stack = [...tree.roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (spanMatches(node, terms, resources)) keys.push(node.key);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return { keys, set: new Set(keys) };
}

/** The matches plus all their ancestors: what "filter" mode keeps so each match stays in its tree. */
export function withAncestors(tree: TraceTree, keys: readonly string[]): Set<string> {
  const keep = new Set<string>();
  for (const key of keys) {
    let current: string | undefined = key;
    // Stop at the first ancestor already kept: its chain is in already, so the whole pass is O(n).
    while (current !== undefined && !keep.has(current)) {
      keep.add(current);
      current = tree.byKey.get(current)?.parentKey;
    }
  }
  return keep;
}

/**
 * The match to go to from the current selection: the next (or previous) one in display order,
 * wrapping around; from a selection that is no match, the first match after (before) it.
 */
export function stepMatch(
  matches: readonly string[],
  order: ReadonlyMap<string, number>,
  selectedKey: string | undefined,
  direction: 1 | -1,
): string | undefined {
  if (matches.length === 0) return undefined;
  const current = selectedKey === undefined ? -1 : matches.indexOf(selectedKey);
  if (current >= 0) return matches[(current + direction + matches.length) % matches.length];
  const position = selectedKey === undefined ? undefined : order.get(selectedKey);
  if (position === undefined) return direction === 1 ? matches[0] : matches[matches.length - 1];
  if (direction === 1) return matches.find((key) => (order.get(key) ?? -1) > position) ?? matches[0];
  for (let i = matches.length - 1; i >= 0; i--) if ((order.get(matches[i]!) ?? Infinity) < position) return matches[i];
  return matches[matches.length - 1];
}
