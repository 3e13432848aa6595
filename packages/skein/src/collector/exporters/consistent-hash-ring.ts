import { createHash } from 'node:crypto';

/**
 * Maps routing keys (trace IDs, service names) to members (backend endpoints) so that adding or
 * removing one member of N moves only about 1/N of the keys: each member owns many points
 * ("virtual nodes") on a 32-bit ring, and a key belongs to the owner of the first point at or
 * after the key's hash. Many points per member even out the share each one gets.
 */
export class ConsistentHashRing {
  private readonly points: Uint32Array;
  private readonly owners: string[];
  readonly members: readonly string[];

  constructor(members: Iterable<string>, virtualNodesPerMember = DEFAULT_VIRTUAL_NODES) {
    this.members = [...new Set(members)].sort();
    const entries: Array<[number, string]> = [];
    for (const member of this.members) {
      // MD5 of `member#i`, 4 points per digest: well spread, computed only when the set changes.
      for (let i = 0; i * 4 < virtualNodesPerMember; i++) {
        const digest = createHash('md5').update(`${member}#${i}`).digest();
        for (let j = 0; j < 4 && i * 4 + j < virtualNodesPerMember; j++) entries.push([digest.readUInt32LE(j * 4), member]);
      }
    }
    // Ties (two members on one point) are broken by name, so every process builds the same ring.
    entries.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    this.points = Uint32Array.from(entries, (entry) => entry[0]);
    this.owners = entries.map((entry) => entry[1]);
  }

  get size(): number {
    return this.members.length;
  }

  /** The member owning `key`; undefined only for an empty ring. */
  lookup(key: string): string | undefined {
    if (this.points.length === 0) return undefined;
    const hash = hashKey(key);
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.points[middle]! < hash) low = middle + 1;
      else high = middle;
    }
    return this.owners[low === this.points.length ? 0 : low];
  }
}

export const DEFAULT_VIRTUAL_NODES = 256;

/**
 * FNV-1a over the key's UTF-16 code units, then murmur3's finaliser: trace IDs are already random,
 * service names are not, and the finaliser spreads near-identical names over the whole ring.
 * Cheap enough to run per span; the same on every collector, so all of them route alike.
 */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
