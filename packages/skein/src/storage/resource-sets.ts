import type { TenantId } from '../model/tenant.js';

/**
 * The resource side of a search condition as a literal set of hashes instead of a subquery on
 * `resources_v3` (issue 19 item 3): planning the subquery's set cost ~2.5 ms of a 1 h search's
 * ~33 ms at 10M spans, and the answer (which of a tenant's few resources satisfy `key = value`)
 * changes only when a resource is written.
 *
 * Exact, not "fresh enough": used only where every write to the data comes through this process
 * (chDB: its data directory is locked by one process, "Another server instance in same directory
 * is already running"). Every write of resource rows to a database bumps the database's
 * generation after the rows are stored and before the spans that reference them are written
 * (span-writer.ts); a set is used only while the generation it was read under is current. A set
 * read while a resource was being stored was read under the older generation, so the bump
 * discards it; a set read under the new generation was read after the rows were stored. A span
 * is never readable before its resource (span-writer.ts), so no search can see a span whose
 * resource a current set has not seen. The clickhouse-server engine (other Skein processes and
 * cluster nodes may write) keeps the subquery.
 */

/** Generations of resource writes by database, in this process (see above). */
const generations = new Map<string, number>();

/** Called after resource rows were written to `database` (or a write of them failed part-way). */
export function resourcesWritten(database: string): void {
  generations.set(database, (generations.get(database) ?? 0) + 1);
}

/** A condition's matching hashes, at most this many; more and the search keeps the subquery. */
export const MAX_SET_HASHES = 1000;
/** Cached conditions per database before the cache starts over (tenants × distinct searches). */
const MAX_ENTRIES = 10_000;

interface Entry {
  generation: number;
  /** Undefined when more than {@link MAX_SET_HASHES} resources match. */
  hashes: readonly string[] | undefined;
}

/**
 * Resource hashes satisfying a search condition's resource side, by (tenant, condition), for one
 * database whose writers are all in this process.
 */
export class ResourceSetCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly database: string) {}

  /**
   * The hashes of `tenant`'s resources satisfying the condition named by `conditionKey`, read with
   * `load` (at most {@link MAX_SET_HASHES} + 1 of them) when no current answer is cached;
   * undefined when too many match for a literal set.
   */
  async hashes(tenant: TenantId, conditionKey: string, load: () => Promise<string[]>): Promise<readonly string[] | undefined> {
    const key = `${tenant}\n${conditionKey}`;
    const generation = generations.get(this.database) ?? 0;
    const cached = this.entries.get(key);
    if (cached !== undefined && cached.generation === generation) return cached.hashes;
    // The generation is taken before the read: a write finishing during the read bumps it past.
    const loaded = await load();
    const hashes = loaded.length > MAX_SET_HASHES ? undefined : loaded;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { generation, hashes });
    return hashes;
  }
}
