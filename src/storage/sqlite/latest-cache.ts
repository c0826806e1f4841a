/**
 * The latest value of recently read keys, so that hot GETs skip SQLite. Bounded (least
 * recently used goes first), so the store still does not hold every object in memory.
 *
 * It stays exact because one process owns the database and every write goes through the
 * store's commit: after each commit the store updates the keys it wrote that are cached
 * (before anyone learns of the commit). Writes do not add keys, so a write-only load
 * costs no memory. Reads at an older revision never come here.
 */
import type { KeyValue } from '../store.ts';

/** A cached "no live value" (never created, or deleted). */
const ABSENT = null;

export class LatestCache {
  private readonly entries = new Map<string, KeyValue | typeof ABSENT>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** The cached latest value; `null` when cached as absent, `undefined` when not cached. */
  get(key: string): KeyValue | null | undefined {
    const kv = this.entries.get(key);
    if (kv === undefined) return undefined;
    // Most recently used goes last in the Map's order.
    this.entries.delete(key);
    this.entries.set(key, kv);
    return kv;
  }

  /** Remembers what a read found. */
  remember(key: string, kv: KeyValue | undefined): void {
    this.entries.delete(key);
    this.entries.set(key, kv ?? ABSENT);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** A committed write: the key's new latest value (`undefined` after a delete), if cached. */
  written(key: string, kv: KeyValue | undefined): void {
    if (this.entries.has(key)) this.entries.set(key, kv ?? ABSENT);
  }
}
