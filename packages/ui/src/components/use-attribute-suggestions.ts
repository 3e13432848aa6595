import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type AttributeScope } from '../api/client';
import type { AttributeKey, AttributeValue } from '../api/schemas';

const VALUE_LIMIT = 100;

export interface AttributeSuggestions {
  keys: AttributeKey[];
  /** Values per key, once loaded (see `loadValues`). */
  values: ReadonlyMap<string, AttributeValue[]>;
  /** Starts loading the values of `key` unless they are loaded or on their way. */
  loadValues(key: string): void;
  /** Why suggestions are missing, when the API failed for another reason than being too old. */
  problem: string | undefined;
}

/**
 * Keys are loaded once per service and window; the values of a key when a filter first names it.
 * Every filter row shares them, and typing filters them locally (model/attribute-suggest.ts).
 */
export function useAttributeSuggestions(scope: AttributeScope): AttributeSuggestions {
  const [keys, setKeys] = useState<AttributeKey[]>([]);
  const [values, setValues] = useState<ReadonlyMap<string, AttributeValue[]>>(new Map());
  const [problem, setProblem] = useState<string | undefined>();
  const requested = useRef(new Set<string>());
  const scopeKey = `${scope.service ?? ''}|${scope.start ?? ''}|${scope.end ?? ''}`;
  const scopeRef = useRef(scope);
  const scopeKeyRef = useRef(scopeKey);
  useEffect(() => {
    scopeRef.current = scope;
    scopeKeyRef.current = scopeKey;
  });

  useEffect(() => {
    const controller = new AbortController();
    requested.current = new Set();
    setValues(new Map());
    api.attributeKeys(scopeRef.current, controller.signal).then(
      (loaded) => {
        setKeys(loaded);
        setProblem(undefined);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setKeys([]);
        setProblem(error instanceof Error ? error.message : String(error));
      },
    );
    return () => controller.abort();
  }, [scopeKey]);

  const loadValues = useCallback(
    (key: string): void => {
      if (key === '' || requested.current.has(key)) return;
      requested.current.add(key);
      const loadedFor = scopeKey;
      api.attributeValues(key, { ...scopeRef.current, limit: VALUE_LIMIT }).then(
        (loaded) => {
          // Values from a previous service or window would mislead.
          if (loadedFor === scopeKeyRef.current) setValues((current) => new Map(current).set(key, loaded));
        },
        () => {
          if (loadedFor === scopeKeyRef.current) setValues((current) => new Map(current).set(key, []));
        },
      );
    },
    [scopeKey],
  );
  return { keys, values, loadValues, problem };
}
