/**
 * A list+watch cache (client-go's reflector and store): lists every page, then watches from
 * the list's resourceVersion with bookmarks, resumes from the last seen resourceVersion
 * when a stream ends, relists on 410 Gone, and backs off exponentially (with jitter) while
 * the server is unreachable or the resource is not served yet. A relist reports what
 * changed while the watch was down (adds, updates and deletes), so handlers never miss a
 * deletion. With `cache: 'metadata'` only object metadata is kept (for event-only watches
 * over large kinds such as every Secret of a service cluster).
 */

import type { KubeList, KubeObject } from '../../apimachinery/meta.ts';
import type { Logger } from '../../logging/logger.ts';
import {
  type KubeClient,
  KubeError,
  type ResourceRef,
  resourcePath,
  type WatchEvent,
  watchErrorCode,
} from './client.ts';

export type EventType = 'add' | 'update' | 'delete';
export type ReflectorHandler<T> = (type: EventType, obj: T, old: T | undefined) => void;

export interface ReflectorOptions<T extends KubeObject> {
  readonly client: KubeClient;
  readonly ref: ResourceRef;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly cache?: 'objects' | 'metadata';
  /** The cache key of an object (default `namespace/name`). */
  readonly key?: (obj: T) => string;
  readonly log: Logger;
  /** Shown in logs. */
  readonly name: string;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Called whenever a watch or list fails (metrics). */
  readonly onFailure?: (err: unknown) => void;
  /**
   * A 404 on list means "nothing there" (a virtual workspace serves nothing while no
   * workspace binds the export): the cache empties instead of keeping its last content.
   */
  readonly notFoundAsEmpty?: boolean;
  /**
   * Secondary indexes (client-go's Indexers): name → the values an object is filed under.
   * `byIndex(name, value)` then finds objects without scanning the whole cache.
   */
  readonly indexes?: Readonly<Record<string, (obj: T) => readonly string[]>>;
}

export const namespacedKey = (obj: KubeObject): string =>
  `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;

function metadataOnly<T extends KubeObject>(obj: T): T {
  const m = obj.metadata;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      labels: m.labels,
      annotations: m.annotations,
      finalizers: m.finalizers,
      deletionTimestamp: m.deletionTimestamp,
      ownerReferences: m.ownerReferences,
    },
  } as T;
}

class WatchEnded extends Error {
  readonly healthy: boolean;
  constructor(healthy: boolean) {
    super('watch ended');
    this.healthy = healthy;
  }
}

export class Reflector<T extends KubeObject = KubeObject> {
  readonly options: ReflectorOptions<T>;
  readonly #store = new Map<string, T>();
  /** index name → value → keys of the objects filed under it. */
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  readonly #handlers: ReflectorHandler<T>[] = [];
  readonly #key: (obj: T) => string;
  #rv = '';
  #stopped = false;
  #abort: (() => void) | undefined;
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #wakeSleep: (() => void) | undefined;
  #failures = 0;
  #loop: Promise<void> | undefined;

  constructor(options: ReflectorOptions<T>) {
    this.options = options;
    this.#key = options.key ?? namespacedKey;
    for (const name of Object.keys(options.indexes ?? {})) this.#indexes.set(name, new Map());
  }

  on(handler: ReflectorHandler<T>): void {
    this.#handlers.push(handler);
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  /** Every cached object, or those of one namespace. */
  list(namespace?: string): T[] {
    const all = [...this.#store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  get size(): number {
    return this.#store.size;
  }

  /** The cached objects an index files under `value` (the index must be declared). */
  byIndex(index: string, value: string): T[] {
    const values = this.#indexes.get(index);
    if (!values) throw new Error(`reflector ${this.options.name} has no index ${index}`);
    const out: T[] = [];
    for (const key of values.get(value) ?? []) {
      const obj = this.#store.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** The values an index files at least one cached object under (the index must be declared). */
  indexValues(index: string): string[] {
    const values = this.#indexes.get(index);
    if (!values) throw new Error(`reflector ${this.options.name} has no index ${index}`);
    return [...values.keys()];
  }

  /** Puts an object into the cache (and its indexes), replacing what was under its key. */
  #set(key: string, obj: T): void {
    const prev = this.#store.get(key);
    if (prev) this.#unindex(key, prev);
    this.#store.set(key, obj);
    for (const [name, values] of this.#indexes) {
      for (const value of this.options.indexes?.[name]?.(obj) ?? []) {
        let keys = values.get(value);
        if (!keys) {
          keys = new Set();
          values.set(value, keys);
        }
        keys.add(key);
      }
    }
  }

  #delete(key: string): void {
    const prev = this.#store.get(key);
    if (prev) this.#unindex(key, prev);
    this.#store.delete(key);
  }

  #unindex(key: string, obj: T): void {
    for (const [name, values] of this.#indexes) {
      for (const value of this.options.indexes?.[name]?.(obj) ?? []) {
        const keys = values.get(value);
        keys?.delete(key);
        if (keys?.size === 0) values.delete(value);
      }
    }
  }

  keyOf(obj: T): string {
    return this.#key(obj);
  }

  /** Starts the loop; resolves once the first list is in the cache. */
  start(): Promise<void> {
    if (!this.#loop) this.#loop = this.#run();
    return this.waitSynced();
  }

  waitSynced(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.();
    this.#wakeSleep?.();
    await this.#loop?.catch(() => undefined);
  }

  /** Forces a relist at the next opportunity (e.g. after the server came back). */
  relist(): void {
    this.#rv = '';
    this.#abort?.();
    this.#wakeSleep?.();
  }

  /** Cuts a backoff short: something suggests the next attempt will work. */
  retryNow(): void {
    this.#failures = 0;
    this.#wakeSleep?.();
  }

  async #run(): Promise<void> {
    const { log, name } = this.options;
    while (!this.#stopped) {
      try {
        if (!this.#rv) await this.#relist();
        await this.#watchOnce();
      } catch (err) {
        if (this.#stopped) break;
        if (err instanceof WatchEnded) {
          if (err.healthy) {
            this.#failures = 0;
            continue;
          }
        } else if (watchErrorCode(err) === 410) {
          log.debug({ reflector: name }, 'resourceVersion too old; relisting');
          this.#rv = '';
          continue;
        }
        if (!(err instanceof WatchEnded)) this.options.onFailure?.(err);
        this.#failures++;
        const code = watchErrorCode(err);
        const min = this.options.minBackoffMs ?? 200;
        // Not served (yet): cheap to ask again, and usually served soon.
        const max = code === 404 ? 5000 : (this.options.maxBackoffMs ?? 30_000);
        const delay = Math.min(max, min * 2 ** Math.min(this.#failures - 1, 20));
        const jittered = delay * (0.8 + Math.random() * 0.4);
        const fields = {
          reflector: name,
          err: (err as Error)?.message ?? String(err),
          retryInMs: Math.round(jittered),
        };
        if (this.#failures === 1 || this.#failures % 10 === 0)
          log[code === 404 ? 'debug' : 'warn'](fields, 'list/watch failed; backing off');
        else log.debug(fields, 'list/watch failed; backing off');
        await this.#sleep(jittered);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wakeSleep = undefined;
        resolve();
      }, ms);
      timer.unref();
      this.#wakeSleep = () => {
        clearTimeout(timer);
        this.#wakeSleep = undefined;
        resolve();
      };
    });
  }

  #query(): Record<string, string | undefined> {
    return {
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
    };
  }

  #prepare(obj: T): T {
    return this.options.cache === 'metadata' ? metadataOnly(obj) : obj;
  }

  async #relist(): Promise<void> {
    const { client, ref, namespace } = this.options;
    let list: KubeList<T>;
    try {
      list = await client.list<T>(ref, namespace, this.#query());
    } catch (err) {
      if (!this.options.notFoundAsEmpty || watchErrorCode(err) !== 404) throw err;
      this.#apply({ metadata: {}, items: [] });
      // Nothing to watch: come back after a backoff (or when woken).
      this.#rv = '';
      throw err;
    }
    this.#failures = 0;
    this.#apply(list);
  }

  #apply(list: KubeList<T>): void {
    const fresh = new Map<string, T>();
    for (const item of list.items) {
      // Lists leave out kind and apiVersion per item.
      const obj = this.#prepare(item);
      fresh.set(this.#key(obj), obj);
    }
    const old = new Map(this.#store);
    this.#store.clear();
    for (const values of this.#indexes.values()) values.clear();
    for (const [k, v] of fresh) this.#set(k, v);
    this.#rv = list.metadata?.resourceVersion ?? '';
    for (const [k, v] of fresh) {
      const prev = old.get(k);
      if (!prev) this.#emit('add', v, undefined);
      else if (prev.metadata.resourceVersion !== v.metadata.resourceVersion)
        this.#emit('update', v, prev);
    }
    for (const [k, v] of old) if (!fresh.has(k)) this.#emit('delete', v, undefined);
    if (!this.#synced) {
      this.#synced = true;
      const waiters = this.#syncWaiters;
      this.#syncWaiters = [];
      for (const w of waiters) w();
    }
  }

  #emit(type: EventType, obj: T, old: T | undefined): void {
    for (const h of this.#handlers) {
      try {
        h(type, obj, old);
      } catch (err) {
        this.options.log.error(
          { reflector: this.options.name, err: (err as Error).message },
          'event handler failed',
        );
      }
    }
  }

  #watchOnce(): Promise<void> {
    const { client, ref, namespace } = this.options;
    const started = Date.now();
    let events = 0;
    return new Promise<void>((resolve, reject) => {
      let finished = false;
      const finish = (err: unknown) => {
        if (finished) return;
        finished = true;
        this.#abort = undefined;
        if (this.#stopped) return resolve();
        if (err) return reject(err);
        // A stream that ends at once without events is a failure in disguise (back off).
        reject(new WatchEnded(events > 0 || Date.now() - started > 2000));
      };
      const onEvent = (event: WatchEvent<T>) => {
        if (finished) return;
        events++;
        const obj = event.object;
        if (event.type === 'ERROR') {
          // An ERROR event carries a Status, not an object.
          const status: Record<string, unknown> = obj;
          const code = typeof status.code === 'number' ? status.code : 500;
          const reason = typeof status.reason === 'string' ? status.reason : '';
          const message = typeof status.message === 'string' ? status.message : 'watch error';
          this.#abort?.();
          if (code === 410) this.#rv = '';
          finish(new KubeError(code, reason, message));
          return;
        }
        const rv = obj?.metadata?.resourceVersion;
        if (rv) this.#rv = rv;
        if (event.type === 'BOOKMARK') return;
        const prepared = this.#prepare(obj);
        const key = this.#key(prepared);
        const prev = this.#store.get(key);
        if (event.type === 'DELETED') {
          this.#delete(key);
          this.#emit('delete', prepared, prev);
        } else {
          this.#set(key, prepared);
          this.#emit(prev ? 'update' : 'add', prepared, prev);
        }
      };
      const timeoutSeconds = String(240 + Math.floor(Math.random() * 240));
      client
        .watch<T>(
          resourcePath(ref, namespace),
          {
            ...this.#query(),
            resourceVersion: this.#rv,
            allowWatchBookmarks: 'true',
            timeoutSeconds,
          },
          onEvent,
          finish,
        )
        .then((abort) => {
          if (finished) return;
          this.#abort = abort;
          if (this.#stopped) abort();
        })
        .catch(finish);
    });
  }
}
