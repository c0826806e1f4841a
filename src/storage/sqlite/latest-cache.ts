/**
 * The latest value of recently read keys, so that hot GETs skip SQLite. Bounded in bytes
 * (least recently used goes first, and a value too big to be worth holding is not held), so
 * the store still does not hold every object in memory.
 *
 * It stays exact because one process owns the database and every write goes through the
 * store's commit: after each commit the store updates the keys it wrote that are cached
 * (before anyone learns of the commit). Writes do not add keys, so a write-only load
 * costs no memory. Reads at an older revision never come here.
 */
import type { KeyValue } from '../store.ts';

/** A cached "no live value" (never created, or deleted). */
const ABSENT = null;
type Entry = KeyValue | typeof ABSENT;

/** What an entry costs beyond its strings: the Map slot and the KeyValue object. */
const ENTRY_OVERHEAD = 100;

const sizeOf = (key: string, entry: Entry) =>
  ENTRY_OVERHEAD + key.length + (entry ? entry.value.length : 0);

export class LatestCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxBytes: number;
  private bytes = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** The cached latest value; `null` when cached as absent, `undefined` when not cached. */
  get(key: string): KeyValue | null | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Most recently used goes last in the Map's order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** Remembers what a read found. */
  remember(key: string, kv: KeyValue | undefined): void {
    this.put(key, kv ?? ABSENT);
  }

  /** A committed write: the key's new latest value (`undefined` after a delete), if cached. */
  written(key: string, kv: KeyValue | undefined): void {
    if (this.entries.has(key)) this.put(key, kv ?? ABSENT);
  }

  /** Bytes held, as the budget counts them. */
  get size(): number {
    return this.bytes;
  }

  private put(key: string, entry: Entry): void {
    this.drop(key);
    const size = sizeOf(key, entry);
    // One object may not take more than a sixty-fourth of the budget.
    if (size > this.maxBytes / 64) return;
    this.entries.set(key, entry);
    this.bytes += size;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.bytes -= sizeOf(key, entry);
  }
}
