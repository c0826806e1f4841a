/**
 * Watches of a resource: the initial state when asked for, then the store's events for
 * the scope's prefix, filtered by the selection with upstream's transition rules (an
 * object that stops matching is DELETED, one that starts matching is ADDED), with
 * bookmarks and an ERROR event carrying 410 when the start revision is gone.
 */
import type { KubeObject } from '../../apimachinery/meta.ts';
import { apiVersionOf } from '../../apimachinery/meta.ts';
import type { Status } from '../../apimachinery/status.ts';
import { clusterOfKey } from '../../storage/keys.ts';
import type { WatchEvent, Watcher } from '../../storage/store.ts';
import { decodeFromStorage } from './codec.ts';
import { parseRevision, type ResourceStorage, storeToStatus } from './resource-storage.ts';
import { type Scope, WILDCARD_CLUSTER } from './scope.ts';
import { checkFieldSelector, type Selection, selects } from './selection.ts';

export interface WatchOptions extends Selection {
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  readonly allowWatchBookmarks?: boolean;
  readonly sendInitialEvents?: boolean;
  /** How often to send a bookmark when allowed (upstream: about a minute). */
  readonly bookmarkIntervalMs?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface ObjectEvent {
  readonly type: WatchEventType;
  readonly object: KubeObject | Status;
}

export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';
const DEFAULT_BOOKMARK_INTERVAL_MS = 60_000;

/** Decoded objects shared by every watcher of the same store event and version. */
const decoded = new WeakMap<WatchEvent, Map<string, { obj: KubeObject; prev?: KubeObject }>>();

export class ObjectWatch implements AsyncIterable<ObjectEvent> {
  private readonly storage: ResourceStorage;
  private readonly scope: Scope;
  private readonly options: WatchOptions;
  private watcher: Watcher | undefined;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(storage: ResourceStorage, scope: Scope, options: WatchOptions) {
    this.storage = storage;
    this.scope = scope;
    this.options = options;
    // The combinations of options upstream refuses are refused where the query is decoded.
    checkFieldSelector(scope.type, options);
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ObjectEvent> {
    const { options } = this;
    const store = this.storage.store;
    const rv = options.resourceVersion;
    const initial =
      options.sendInitialEvents === true ||
      (options.sendInitialEvents === undefined && (!rv || rv === '0'));
    let from: number;
    try {
      if (initial) {
        // The initial state is one consistent list, then the changes after it.
        const list = await this.storage.list(this.scope, {
          labels: options.labels,
          fields: options.fields,
        });
        from = Number(list.metadata.resourceVersion);
        for (const item of list.items) {
          if (this.closed) return;
          yield { type: 'ADDED', object: item };
        }
        // The end of the initial events is a bookmark, sent when bookmarks are allowed.
        if (options.sendInitialEvents && options.allowWatchBookmarks) {
          yield this.bookmark(from, true);
        }
      } else {
        from = parseRevision(rv as string);
      }
      this.watcher = store.watch(this.storage.prefix(this.scope), { fromRevision: from });
    } catch (err) {
      yield errorEvent(err);
      return;
    }

    const watcher = this.watcher;
    const interval = options.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_INTERVAL_MS;
    let tick: Promise<void> | undefined;
    let bookmarkDue = false;
    const timer =
      options.allowWatchBookmarks === true
        ? setInterval(() => {
            bookmarkDue = true;
            this.wake?.();
          }, interval)
        : undefined;
    timer?.unref();
    try {
      while (!this.closed) {
        const event = watcher.poll();
        if (event) {
          const out = this.translate(event);
          if (out) yield out;
          continue;
        }
        // Nothing queued: every change up to now has been seen, so a bookmark is exact.
        if (bookmarkDue) {
          bookmarkDue = false;
          yield this.bookmark(await store.currentRevision(), false);
          continue;
        }
        if (watcher.closed) return;
        tick = new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        await Promise.race([watcher.ready(), tick]);
      }
    } catch (err) {
      yield errorEvent(err);
    } finally {
      clearInterval(timer);
      watcher.close();
    }
  }

  /** A store event as the client sees it, or undefined when the selection hides it. */
  private translate(event: WatchEvent): ObjectEvent | undefined {
    const { obj, prev } = this.decodeEvent(event);
    const now = event.type === 'DELETED' ? false : this.selected(obj);
    const before = event.type === 'ADDED' ? false : prev ? this.selected(prev) : false;
    if (event.type === 'DELETED') return before ? { type: 'DELETED', object: obj } : undefined;
    if (now && before) return { type: 'MODIFIED', object: obj };
    if (now) return { type: 'ADDED', object: obj };
    if (before && prev) {
      // No longer selected: the previous content, at this event's revision.
      return {
        type: 'DELETED',
        object: {
          ...prev,
          metadata: { ...prev.metadata, resourceVersion: String(event.revision) },
        },
      };
    }
    return undefined;
  }

  private selected(obj: KubeObject): boolean {
    const filter = this.scope.filter;
    return selects(this.scope.type, this.options, obj) && (!filter || filter.visible(obj, 'watch'));
  }

  private decodeEvent(event: WatchEvent): { obj: KubeObject; prev?: KubeObject } {
    const cluster =
      this.scope.cluster === WILDCARD_CLUSTER ? clusterOfKey(event.key) : this.scope.cluster;
    const cacheKey = `${this.scope.version}\u0000${cluster}`;
    let perEvent = decoded.get(event);
    const hit = perEvent?.get(cacheKey);
    if (hit) return hit;
    const opts = this.storage.decodeOptions(this.scope, cluster);
    const obj = decodeFromStorage(event.value, event.revision, opts);
    const entry = {
      obj,
      ...(event.prevValue !== undefined && event.prevRevision !== undefined
        ? { prev: decodeFromStorage(event.prevValue, event.prevRevision, opts) }
        : {}),
    };
    if (!perEvent) {
      perEvent = new Map();
      decoded.set(event, perEvent);
    }
    perEvent.set(cacheKey, entry);
    return entry;
  }

  private bookmark(revision: number, initialEventsEnd: boolean): ObjectEvent {
    const type = this.scope.type;
    return {
      type: 'BOOKMARK',
      object: {
        kind: type.names.kind,
        apiVersion: apiVersionOf(type.group, this.scope.version),
        metadata: {
          resourceVersion: String(revision),
          ...(initialEventsEnd ? { annotations: { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } } : {}),
        },
      },
    };
  }
}

function errorEvent(err: unknown): ObjectEvent {
  return { type: 'ERROR', object: storeToStatus(err).status };
}
