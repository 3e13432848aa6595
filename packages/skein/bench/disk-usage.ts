/**
 * Bytes per span on disk of a stopped Skein's data directory, as a long-lived deployment would end
 * up: every MergeTree table merged (`OPTIMIZE FINAL`), then the active parts of all tables summed
 * (`system.parts`). Shared by the end-to-end benchmark and the Jaeger side by side.
 */
import { Session } from 'chdb';

export interface DiskUsage {
  storedSpans: number;
  bytesPerSpan: number;
  optimizeSeconds: number;
  tables: Record<string, { rows: number; bytesOnDisk: number; bytesPerSpan: number; uncompressedBytesPerSpan: number }>;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** Merges every part (as a long-lived deployment would end up) and sums the bytes of all tables. */
export async function diskUsage(dataDir: string, storedSpans: number): Promise<DiskUsage> {
  const session = new Session(dataDir);
  try {
    const rows = <T>(sql: string): Promise<T[]> =>
      session.queryAsync(sql, { format: 'JSONEachRow' }).then((result) =>
        result
          .text()
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as T),
      );
    // Every MergeTree table of Skein's database(s), whatever the schema of the day calls them.
    const notSystem = `database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')`;
    const tables = await rows<{ database: string; name: string }>(
      `SELECT database, name FROM system.tables WHERE ${notSystem} AND engine LIKE '%MergeTree%' ORDER BY database, name`,
    );
    const started = performance.now();
    for (const table of tables) {
      console.log(`  OPTIMIZE TABLE ${table.database}.${table.name} FINAL…`);
      await session.queryAsync(`OPTIMIZE TABLE \`${table.database}\`.\`${table.name}\` FINAL`);
    }
    const optimizeSeconds = (performance.now() - started) / 1000;
    const parts = await rows<{ table: string; rows: string; bytes: string; raw: string }>(
      `SELECT concat(database, '.', table) AS table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes,
              sum(data_uncompressed_bytes) AS raw
         FROM system.parts WHERE ${notSystem} AND active GROUP BY table ORDER BY table`,
    );
    const perSpan = (bytes: number): number => round(bytes / storedSpans, 1);
    const total = parts.reduce((sum, p) => sum + Number(p.bytes), 0);
    return {
      storedSpans,
      bytesPerSpan: perSpan(total),
      optimizeSeconds: round(optimizeSeconds, 1),
      tables: Object.fromEntries(
        parts.map((p) => [
          p.table,
          {
            rows: Number(p.rows),
            bytesOnDisk: Number(p.bytes),
            bytesPerSpan: perSpan(Number(p.bytes)),
            uncompressedBytesPerSpan: perSpan(Number(p.raw)),
          },
        ]),
      ),
    };
  } finally {
    session.close();
  }
}
