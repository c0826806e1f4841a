/**
 * Fans committed events out to watchers in memory. Watchers are indexed by prefix, and an
 * event is offered only to watchers whose prefix ends at one of its key's "/" boundaries
 * (or equals the key), so the cost of a write grows with the depth of its key, not with
 * the number of watchers. Prefixes that end mid-segment fall back to a linear check.
 */
import { expired } from '../errors.ts';
import type { WatchEvent } from '../store.ts';
import { QueueWatcher, type ReplaySource } from './queue-watcher.ts';

export class Broadcaster {
  private readonly byPrefix = new Map<string, Set<QueueWatcher>>();
  private readonly unaligned = new Set<QueueWatcher>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /**
   * A watcher of `prefix` after `fromRevision`: `replay` yields the history up to where
   * live events begin, then it takes what `publish` offers. A start before `oldest` (the
   * oldest revision the store can still replay) fails it with Expired at once, and the
   * client lists again.
   */
  watch(
    prefix: string,
    fromRevision: number,
    bufferSize: number,
    replay: ReplaySource | undefined,
    oldest: number,
  ): QueueWatcher {
    const watcher = new QueueWatcher(
      prefix,
      bufferSize,
      replay,
      (w) => this.remove(w),
      fromRevision,
    );
    this.add(watcher);
    if (fromRevision < oldest) watcher.fail(expired(fromRevision, oldest));
    return watcher;
  }

  private add(watcher: QueueWatcher): void {
    this.count++;
    if (!watcher.prefix.endsWith('/')) {
      // A whole key, or a prefix that ends mid-segment.
      this.unaligned.add(watcher);
      return;
    }
    let set = this.byPrefix.get(watcher.prefix);
    if (!set) {
      set = new Set();
      this.byPrefix.set(watcher.prefix, set);
    }
    set.add(watcher);
  }

  remove(watcher: QueueWatcher): void {
    const set = watcher.prefix.endsWith('/') ? this.byPrefix.get(watcher.prefix) : this.unaligned;
    if (set?.delete(watcher)) {
      this.count--;
      if (set !== this.unaligned && set.size === 0) this.byPrefix.delete(watcher.prefix);
    }
  }

  publish(events: readonly WatchEvent[]): void {
    if (this.count === 0) return;
    for (const event of events) {
      const key = event.key;
      for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
        const set = this.byPrefix.get(key.slice(0, i + 1));
        if (set) for (const watcher of set) watcher.push(event);
      }
      for (const watcher of this.unaligned) {
        if (key.startsWith(watcher.prefix)) watcher.push(event);
      }
    }
  }

  /** Fails every watcher (store closing, or history they need was compacted). */
  failAll(fail: (watcher: QueueWatcher) => void): void {
    const all = [...this.unaligned];
    for (const set of this.byPrefix.values()) all.push(...set);
    for (const watcher of all) fail(watcher);
  }
}
