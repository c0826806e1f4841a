/**
 * An informer straight on the store, for controllers inside the server: lists every key
 * under a prefix, then follows the store's watch, keeping a cache of decoded objects and
 * telling a handler about each change. If the watch falls behind it lists again.
 */
import type { KubeObject } from '../apimachinery/meta.ts';
import { isStoreError } from '../storage/errors.ts';
import { parseObjectKey } from '../storage/keys.ts';
import type { Store, Watcher } from '../storage/store.ts';

export interface InformerEvent<T> {
  readonly key: string;
  /** Logical cluster of the object, from its key. */
  readonly cluster: string;
  readonly namespace: string | undefined;
  readonly name: string;
  /** The object, or undefined when it was deleted. */
  readonly object: T | undefined;
}

export type InformerHandler<T> = (event: InformerEvent<T>) => void;

export class StoreInformer<T extends KubeObject = KubeObject> {
  private readonly store: Store;
  private readonly prefix: string;
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private watcher: Watcher | undefined;
  private stopped = false;
  private onError: (err: unknown) => void = () => {};

  constructor(store: Store, prefix: string) {
    this.store = store;
    this.prefix = prefix;
  }

  onEvent(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  onWatchError(handler: (err: unknown) => void): void {
    this.onError = handler;
  }

  /** Resolves once the cache holds the whole prefix (handlers have seen every object). */
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
        seen.add(kv.key);
        this.deliver(kv.key, JSON.parse(kv.value) as T);
      }
      cont = page.continue;
    } while (cont);
    // Objects that vanished while we were not watching.
    for (const key of [...this.cache.keys()]) if (!seen.has(key)) this.deliver(key, undefined);
    if (this.stopped) return;
    this.watcher = this.store.watch(this.prefix, { fromRevision: revision });
    void this.follow(this.watcher);
  }

  private async follow(watcher: Watcher): Promise<void> {
    try {
      for await (const event of watcher) {
        this.deliver(
          event.key,
          event.type === 'DELETED' ? undefined : (JSON.parse(event.value) as T),
        );
      }
    } catch (err) {
      if (this.stopped || isStoreError(err, 'Closed')) return;
      this.onError(err);
      await this.relist();
    }
  }

  /** Lists again after a failed watch, backing off while the list fails too, until it works
   * or the informer stops: a failure here has nobody to be thrown to. */
  private async relist(): Promise<void> {
    for (let delayMs = 100; !this.stopped; delayMs = Math.min(delayMs * 2, 5000)) {
      try {
        await this.start();
        return;
      } catch (err) {
        if (this.stopped || isStoreError(err, 'Closed')) return;
        this.onError(err);
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  private deliver(key: string, object: T | undefined): void {
    if (object) this.cache.set(key, object);
    else if (!this.cache.delete(key)) return;
    const parts = parseObjectKey(key);
    const event: InformerEvent<T> = {
      key,
      cluster: parts.cluster,
      namespace: parts.namespace,
      name: parts.name,
      object,
    };
    for (const h of this.handlers) h(event);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  values(): IterableIterator<T> {
    return this.cache.values();
  }

  entries(): IterableIterator<[string, T]> {
    return this.cache.entries();
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
  }
}
