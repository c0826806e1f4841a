/**
 * An informer straight on the store, for controllers inside the server: a StoreFollower
 * (list, watch, list again when the watch fails) feeding a cache of decoded objects and
 * telling handlers about each change.
 */
import type { KubeObject } from '../apimachinery/meta.ts';
import { parseObjectKey } from '../storage/keys.ts';
import type { Store } from '../storage/store.ts';
import { StoreFollower } from './store-follower.ts';

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
  private readonly follower: StoreFollower;
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private onError: (err: unknown) => void = () => {};

  constructor(store: Store, prefix: string) {
    this.follower = new StoreFollower(
      store,
      prefix,
      (key, value) => this.deliver(key, value === undefined ? undefined : (JSON.parse(value) as T)),
      { onError: (err) => this.onError(err) },
    );
  }

  onEvent(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  onWatchError(handler: (err: unknown) => void): void {
    this.onError = handler;
  }

  /** Resolves once the cache holds the whole prefix (handlers have seen every object). */
  start(): Promise<void> {
    return this.follower.start();
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
    this.follower.stop();
  }
}
