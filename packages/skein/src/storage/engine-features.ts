/**
 * Newer-engine features, switched on by the version `SELECT version()` reports (architecture
 * decision 3: used when present, never required). The schema's columns and every query are the
 * same on all engines; only column types' storage details, codecs, indexes and TTL differ.
 */
export interface EngineFeatures {
  /** `LowCardinality(String)` without the experimental setting. */
  lowCardinality: boolean;
  /** Column codecs: `CODEC(Delta, ZSTD(1))`. */
  codecs: boolean;
  /** Data-skipping indexes, including `bloom_filter`. */
  skipIndexes: boolean;
  /** Table `TTL` expressions (used only when a retention is configured). */
  ttl: boolean;
  /** `min_compress_block_size` / `max_compress_block_size` as table settings (ClickHouse 21.1). */
  tableCompressBlocks: boolean;
}

export interface EngineVersion {
  major: number;
  minor: number;
}

/**
 * First version where each feature is generally available without experimental settings.
 * ClickHouse 20.3 (LTS) is the first release where all four are GA; none is tested below that,
 * and the only old engine we test (18.16) has none of them.
 */
const MINIMUM: Record<keyof EngineFeatures, EngineVersion> = {
  lowCardinality: { major: 20, minor: 3 },
  codecs: { major: 20, minor: 3 },
  skipIndexes: { major: 20, minor: 3 },
  ttl: { major: 20, minor: 3 },
  tableCompressBlocks: { major: 21, minor: 1 },
};

export const NO_FEATURES: EngineFeatures = {
  lowCardinality: false,
  codecs: false,
  skipIndexes: false,
  ttl: false,
  tableCompressBlocks: false,
};

/** `26.7.2.1` → { 26, 7 }; anything unparsable is treated as the oldest engine. */
export function parseEngineVersion(version: string): EngineVersion {
  const match = /^\s*(\d+)\.(\d+)/.exec(version);
  if (match === null) return { major: 0, minor: 0 };
  return { major: Number(match[1]), minor: Number(match[2]) };
}

function atLeast(v: EngineVersion, min: EngineVersion): boolean {
  return v.major > min.major || (v.major === min.major && v.minor >= min.minor);
}

export function featuresForVersion(version: string): EngineFeatures {
  const v = parseEngineVersion(version);
  return {
    lowCardinality: atLeast(v, MINIMUM.lowCardinality),
    codecs: atLeast(v, MINIMUM.codecs),
    skipIndexes: atLeast(v, MINIMUM.skipIndexes),
    ttl: atLeast(v, MINIMUM.ttl),
    tableCompressBlocks: atLeast(v, MINIMUM.tableCompressBlocks),
  };
}
