/**
 * Follows one key prefix of the store for an in-memory index: lists it, then applies each
 * change as it is committed. Unlike StoreInformer it keeps no copy of the objects (the
 * index keeps what it needs in its own compact form), only the set of keys, so a relist
 * after the watch fell behind can tell which objects vanished.
 *
 * Events are taken with the watcher's synchronous `poll()`, and `drain()` applies whatever
 * is already committed. The SQLite store publishes a write to its watchers before the
 * writer's promise settles, so an index that drains before it answers sees every write
 * that has been acknowledged: a binding created by one request governs the next.
 */
import { isStoreError } from '../storage/errors.ts';
import type { Store, Watcher } from '../storage/store.ts';

/**
 * One change: the new value, or undefined for a deletion, with the value the key had
 * before when the watch knows it (deletions seen live; not those found by a relist).
 */
export type ApplyChange = (key: string, value: string | undefined, previous?: string) => void;

export interface StoreFollowerOptions {
  /** Keep the key set so a relist reports objects deleted while not watching (default true). */
  readonly trackKeys?: boolean;
  /** Only keys this accepts are tracked and applied (a follower of one name per namespace). */
  readonly accept?: (key: string) => boolean;
  readonly onError?: (err: unknown) => void;
}

export class StoreFollower {
  private readonly store: Store;
  readonly prefix: string;
  private readonly apply: ApplyChange;
  private readonly keys: Set<string> | undefined;
  private readonly onError: (err: unknown) => void;
  private readonly accept: (key: string) => boolean;
  private watcher: Watcher | undefined;
  private relisting: Promise<void> | undefined;
  private stopped = false;

  constructor(
    store: Store,
    prefix: string,
    apply: ApplyChange,
    options: StoreFollowerOptions = {},
  ) {
    this.store = store;
    this.prefix = prefix;
    this.apply = apply;
    this.keys = options.trackKeys === false ? undefined : new Set();
    this.onError = options.onError ?? (() => {});
    this.accept = options.accept ?? (() => true);
  }

  /** Resolves once every object under the prefix has been applied. */
  async start(): Promise<void> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let revision = 0;
    do {
      const page = await this.store.list(this.prefix, {
        limit: 500,
        ...(cont ? { continue: cont } : {}),
      });
      revision = page.revision;
      for (const kv of page.items) {
        if (!this.accept(kv.key)) continue;
        seen.add(kv.key);
        this.keys?.add(kv.key);
        this.apply(kv.key, kv.value);
      }
      cont = page.continue;
    } while (cont);
    if (this.keys) {
      for (const key of [...this.keys]) {
        if (!seen.has(key)) {
          this.keys.delete(key);
          this.apply(key, undefined);
        }
      }
    }
    if (this.stopped) return;
    this.watcher = this.store.watch(this.prefix, { fromRevision: revision });
    void this.pump(this.watcher);
  }

  /**
   * Whether the applied changes are every committed change (after a drain): false before
   * the first list has finished and while listing again after the watch failed.
   */
  get current(): boolean {
    return this.watcher !== undefined && this.relisting === undefined && !this.watcher.closed;
  }

  /** Applies every change already delivered to the watcher, synchronously. */
  drain(): void {
    const watcher = this.watcher;
    if (!watcher || this.relisting) return;
    for (;;) {
      let event: ReturnType<Watcher['poll']>;
      try {
        event = watcher.poll();
      } catch (err) {
        this.restart(watcher, err);
        return;
      }
      if (!event) return;
      if (!this.accept(event.key)) continue;
      if (event.type === 'DELETED') {
        this.keys?.delete(event.key);
        this.apply(event.key, undefined, event.value);
      } else {
        this.keys?.add(event.key);
        this.apply(event.key, event.value);
      }
    }
  }

  private async pump(watcher: Watcher): Promise<void> {
    while (!this.stopped && this.watcher === watcher) {
      this.drain();
      if (watcher.closed && watcher.idle) {
        // Closed without an error: the store is shutting down, or stop() was called.
        return;
      }
      await watcher.ready();
    }
  }

  private restart(watcher: Watcher, err: unknown): void {
    watcher.close();
    if (this.watcher === watcher) this.watcher = undefined;
    if (this.stopped || isStoreError(err, 'Closed')) return;
    this.onError(err);
    this.resync();
  }

  /** Lists again (the watch fell behind or its revision was compacted), retrying on failure. */
  private resync(): void {
    if (this.stopped) return;
    this.relisting = this.start()
      .catch((e: unknown) => {
        this.onError(e);
        setTimeout(() => this.resync(), 1000).unref();
      })
      .finally(() => {
        this.relisting = undefined;
      });
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = undefined;
  }
}
