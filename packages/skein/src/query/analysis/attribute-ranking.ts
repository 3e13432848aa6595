import type { AttributeCounts, AttributeCountsResult, SampleInfo, ValueCounts } from '../../storage/span-analysis-types.js';

/**
 * Which attributes explain a selection ("why are these spans slow?"): the statistics over
 * storage's counts (storage/attribute-counts-sql.ts).
 *
 * The measure is the **difference of proportions**: for a value v, the share of selected spans
 * carrying v minus the share of baseline spans carrying it ("replica-3 is on 92 % of the slow spans
 * and 8 % of the rest": +0.84). Why this one: it reads directly as the sentence users act on, it is
 * bounded (−1..1) whatever the group sizes, and it is what BubbleUp shows side by side. A value is
 * reported as a likely cause only when all three hold:
 * - **effect**: |difference| ≥ {@link MIN_DIFFERENCE} (10 points): smaller gaps explain little;
 * - **support**: the group where it is over-represented has ≥ {@link MIN_SUPPORT} spans with it;
 * - **significance**: a two-proportion z-test (pooled) rejects "same share in both groups" at
 *   α = 0.05 after a Bonferroni correction over every (attribute, value) compared. With twenty
 *   noisy attributes of five values each, about a hundred comparisons run: without the correction
 *   five of them would pass by chance, which is exactly the invented cause the ranking must not show.
 * High-cardinality attributes keep their most prominent values plus "(other)"; numeric ones with
 * more distinct values than that are compared in log2 ranges; spans without the attribute are the
 * value "(missing)", compared like any other (a cause may be an attribute's absence).
 */

export const MIN_DIFFERENCE = 0.1;
export const MIN_SUPPORT = 5;
export const ALPHA = 0.05;
export const RANKING_MEASURE =
  'difference of proportions (share of the selection minus share of the baseline), reported when |difference| >= 0.1, the over-represented group has >= 5 spans with the value, and a pooled two-proportion z-test is significant at alpha 0.05 after Bonferroni correction over all compared values';

export const OTHER_VALUE = '(other)';
export const MISSING_VALUE = '(missing)';

export interface RankedValue {
  value: string;
  kind: 'value' | 'range' | 'other' | 'missing';
  selectionCount: number;
  baselineCount: number;
  selectionShare: number;
  baselineShare: number;
  difference: number;
  z: number;
  pValue: number;
  significant: boolean;
}

export interface RankedAttribute {
  attribute: string;
  /** The largest |difference| among its values that pass support (significant or not). */
  score: number;
  significant: boolean;
  /** `values`: compared one by one; `ranges`: numeric, compared in log2 ranges. */
  compared: 'values' | 'ranges';
  distinctValues: number;
  /** Most over-represented in the selection first. */
  values: RankedValue[];
}

export interface AttributeRanking {
  measure: string;
  alpha: number;
  minDifference: number;
  minSupport: number;
  /** (attribute, value) pairs compared: the Bonferroni factor. */
  comparisons: number;
  selection: { spans: number; sample: SampleInfo };
  baseline: { spans: number; sample: SampleInfo };
  attributes: RankedAttribute[];
}

export function rankAttributes(counts: AttributeCountsResult, topValues: number, maxAttributes: number): AttributeRanking {
  const S = counts.selectionSpans;
  const B = counts.baselineSpans;
  const prepared = counts.attributes.map((attribute) => ({ attribute, rows: comparedValues(attribute, S, B, topValues) }));
  const comparisons = prepared.reduce((sum, p) => sum + p.rows.values.length, 0);
  const threshold = ALPHA / Math.max(1, comparisons);
  const attributes = prepared.map(({ attribute, rows }) => {
    const values = rows.values.map((v) => scoreValue(v, S, B, threshold));
    values.sort((a, b) => b.difference - a.difference || a.value.localeCompare(b.value));
    const supported = values.filter((v) => supportOf(v) >= MIN_SUPPORT);
    return {
      attribute: attribute.attribute,
      score: supported.reduce((max, v) => Math.max(max, Math.abs(v.difference)), 0),
      significant: values.some((v) => v.significant),
      compared: rows.compared,
      distinctValues: attribute.distinctValues,
      values,
    } satisfies RankedAttribute;
  });
  attributes.sort((a, b) => Number(b.significant) - Number(a.significant) || b.score - a.score || a.attribute.localeCompare(b.attribute));
  return {
    measure: RANKING_MEASURE,
    alpha: ALPHA,
    minDifference: MIN_DIFFERENCE,
    minSupport: MIN_SUPPORT,
    comparisons,
    selection: { spans: S, sample: counts.selectionSample },
    baseline: { spans: B, sample: counts.baselineSample },
    attributes: attributes.slice(0, maxAttributes),
  };
}

interface Compared {
  value: string;
  kind: RankedValue['kind'];
  selection: number;
  baseline: number;
}

function comparedValues(
  attribute: AttributeCounts,
  S: number,
  B: number,
  topValues: number,
): { compared: 'values' | 'ranges'; values: Compared[] } {
  const useRanges = attribute.numeric && attribute.distinctValues > topValues && attribute.buckets.length > 0;
  const shown: ValueCounts[] = useRanges ? attribute.buckets : attribute.raw;
  const values: Compared[] = shown.map((v) => ({
    value: v.value,
    kind: useRanges ? 'range' : 'value',
    selection: v.selection,
    baseline: v.baseline,
  }));
  const otherSelection = attribute.selectionWith - sum(shown, 'selection');
  const otherBaseline = attribute.baselineWith - sum(shown, 'baseline');
  if (otherSelection > 0 || otherBaseline > 0)
    values.push({ value: OTHER_VALUE, kind: 'other', selection: otherSelection, baseline: otherBaseline });
  const missingSelection = S - attribute.selectionWith;
  const missingBaseline = B - attribute.baselineWith;
  if (missingSelection > 0 || missingBaseline > 0) {
    values.push({ value: MISSING_VALUE, kind: 'missing', selection: missingSelection, baseline: missingBaseline });
  }
  // One value on every span in both groups says nothing: it is not a comparison.
  return { compared: useRanges ? 'ranges' : 'values', values: values.length === 1 && values[0]!.kind !== 'missing' ? [] : values };
}

function sum(values: readonly ValueCounts[], side: 'selection' | 'baseline'): number {
  return values.reduce((total, v) => total + v[side], 0);
}

function supportOf(v: RankedValue): number {
  return v.difference >= 0 ? v.selectionCount : v.baselineCount;
}

function scoreValue(v: Compared, S: number, B: number, threshold: number): RankedValue {
  const selectionShare = S > 0 ? v.selection / S : 0;
  const baselineShare = B > 0 ? v.baseline / B : 0;
  const difference = selectionShare - baselineShare;
  const pooled = S + B > 0 ? (v.selection + v.baseline) / (S + B) : 0;
  const se = S > 0 && B > 0 ? Math.sqrt(pooled * (1 - pooled) * (1 / S + 1 / B)) : 0;
  const z = se > 0 ? difference / se : 0;
  const pValue = se > 0 ? erfc(Math.abs(z) / Math.SQRT2) : 1;
  const ranked: RankedValue = {
    value: v.value,
    kind: v.kind,
    selectionCount: v.selection,
    baselineCount: v.baseline,
    selectionShare,
    baselineShare,
    difference,
    z,
    pValue,
    significant: false,
  };
  ranked.significant = Math.abs(difference) >= MIN_DIFFERENCE && supportOf(ranked) >= MIN_SUPPORT && pValue < threshold;
  return ranked;
}

/** Complementary error function (Numerical Recipes' erfcc: relative error < 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
