/**
 * Merge levers for the end-to-end benchmark (issue 19 item 2: merges were a third of Skein's CPU
 * per span): table settings applied to a stopped Skein's data directory before the measured run
 * (`ALTER TABLE … MODIFY SETTING`), and the active parts each table is left with after the run
 * (how many, and their merge levels: a row in a level-L part has been rewritten up to L times).
 * chDB 26.7 has no `system.part_log`, so levels are the cheapest record of write amplification.
 */
import { Session } from 'chdb';

/** `TABLE:SETTING=VALUE[,SETTING=VALUE…]`; TABLE `*` means every MergeTree table of Skein's. */
export interface TableSettings {
  table: string;
  settings: string;
}

export function parseTableSettings(spec: string): TableSettings {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1)
    throw new Error(`--table-settings ${JSON.stringify(spec)}: expected TABLE:SETTING=VALUE[,…]`);
  return { table: spec.slice(0, colon), settings: spec.slice(colon + 1) };
}

export interface TableParts {
  activeParts: number;
  rows: number;
  maxLevel: number;
  /** Rows weighted by their part's level, over all rows: merges per row, an upper bound. */
  rowWeightedLevel: number;
  /**
   * Rows written by merges per stored row: the rows of every merged part (level > 0), active or
   * outdated (merged away but not yet deleted: `old_parts_lifetime` keeps them 8 minutes, and a
   * restart loads them as outdated), over the active rows. Write amplification, less any part
   * already deleted (then a lower bound).
   */
  mergeWritesPerRow: number;
  outdatedParts: number;
}

const NOT_SYSTEM = `database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')`;

async function rows<T>(session: Session, sql: string): Promise<T[]> {
  const result = await session.queryAsync(sql, { format: 'JSONEachRow' });
  return result
    .text()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** Applies each table's settings to the (stopped) store in `dataDir`; returns the statements run. */
export async function applyTableSettings(dataDir: string, specs: readonly TableSettings[]): Promise<string[]> {
  const session = new Session(dataDir);
  try {
    const tables = await rows<{ database: string; name: string }>(
      session,
      `SELECT database, name FROM system.tables WHERE ${NOT_SYSTEM} AND engine LIKE '%MergeTree%' ORDER BY database, name`,
    );
    const statements: string[] = [];
    for (const spec of specs) {
      const matching = tables.filter((t) => spec.table === '*' || t.name === spec.table);
      if (matching.length === 0) throw new Error(`--table-settings: no MergeTree table ${spec.table}`);
      for (const t of matching) statements.push(`ALTER TABLE \`${t.database}\`.\`${t.name}\` MODIFY SETTING ${spec.settings}`);
    }
    for (const statement of statements) await session.queryAsync(statement);
    return statements;
  } finally {
    session.close();
  }
}

/** Active parts per table of the (stopped) store in `dataDir`, before any OPTIMIZE. */
export async function partsByTable(dataDir: string): Promise<Record<string, TableParts>> {
  const session = new Session(dataDir);
  try {
    const found = await rows<{
      table: string;
      parts: string;
      total: string;
      maxLevel: string;
      weighted: string;
      merged: string;
      outdated: string;
    }>(
      session,
      `SELECT table, countIf(active) AS parts, sumIf(rows, active) AS total, maxIf(level, active) AS maxLevel,
              sumIf(rows * level, active) AS weighted, sumIf(rows, level > 0) AS merged, countIf(NOT active) AS outdated
         FROM system.parts WHERE ${NOT_SYSTEM} GROUP BY table ORDER BY table`,
    );
    return Object.fromEntries(
      found.map((p) => [
        p.table,
        {
          activeParts: Number(p.parts),
          rows: Number(p.total),
          maxLevel: Number(p.maxLevel),
          rowWeightedLevel: Number((Number(p.weighted) / Math.max(1, Number(p.total))).toFixed(2)),
          mergeWritesPerRow: Number((Number(p.merged) / Math.max(1, Number(p.total))).toFixed(2)),
          outdatedParts: Number(p.outdated),
        },
      ]),
    );
  } finally {
    session.close();
  }
}
