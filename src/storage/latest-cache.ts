/**
 * The latest value of recently read keys, so that hot GETs skip the backend. Bounded in
 * bytes (keys not read lately go first, and a value too big to be worth holding is not
 * held), so the store still does not hold every object in memory.
 *
 * It stays exact because every change reaches the store in order before anyone learns of
 * it: the SQLite store's own commits (one process owns the database), the etcd store's
 * one watch (which every replica's writes come through). The store updates the keys it
 * caches as each change lands. Changes do not add keys, so a write-only load costs no
 * memory. Reads at an older revision never come here.
 */
import type { KeyValue } from './store.ts';

/** A cached "no live value" (never created, or deleted). */
const ABSENT = null;
type Entry = KeyValue | typeof ABSENT;

interface Slot {
  readonly entry: Entry;
  /** Read since it was last passed over for eviction (second chance). */
  used: boolean;
}

/** What an entry costs beyond its strings: the Map slot and the objects. */
const ENTRY_OVERHEAD = 100;

const sizeOf = (key: string, entry: Entry) =>
  ENTRY_OVERHEAD + key.length + (entry ? entry.value.length : 0);

/**
 * Eviction is "second chance" (CLOCK) in insertion order rather than strict LRU: a read
 * only sets a flag. Moving the read key to the end of the Map on every hit (delete, then
 * set) leaves a deleted slot in that key's hash chain each time, and V8 walks them all on
 * the next lookup until the table is rebuilt: a hot key's reads grew to tens of µs.
 */
export class LatestCache {
  private readonly slots = new Map<string, Slot>();
  private readonly maxBytes: number;
  private bytes = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** The cached latest value; `null` when cached as absent, `undefined` when not cached. */
  get(key: string): KeyValue | null | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.entry;
  }

  /** Remembers what a read found. */
  remember(key: string, kv: KeyValue | undefined): void {
    this.put(key, kv ?? ABSENT);
  }

  /** A committed write: the key's new latest value (`undefined` after a delete), if cached. */
  written(key: string, kv: KeyValue | undefined): void {
    if (this.slots.has(key)) this.put(key, kv ?? ABSENT);
  }

  /** Forgets everything (the changes it followed were interrupted). */
  clear(): void {
    this.slots.clear();
    this.bytes = 0;
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
    this.slots.set(key, { entry, used: false });
    this.bytes += size;
    if (this.bytes <= this.maxBytes) return;
    for (const [oldest, slot] of this.slots) {
      if (slot.used) {
        // Read since: goes to the back once, to be looked at again after the others.
        slot.used = false;
        this.slots.delete(oldest);
        this.slots.set(oldest, slot);
        continue;
      }
      this.drop(oldest);
      if (this.bytes <= this.maxBytes) return;
    }
  }

  private drop(key: string): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.slots.delete(key);
    this.bytes -= sizeOf(key, slot.entry);
  }
}
