/**
 * The Store: a revisioned, watchable key-value log (the kine design).
 *
 * Every write appends a row and gets the next global revision, which is the object's
 * resourceVersion. The latest row per key is the object; older rows are history that
 * reads at a revision, continue tokens and watches replay from, until compaction drops
 * them. Writes are compare-and-swap on the revision the writer read, so a lost race is a
 * Conflict, never a silent overwrite. Both backends (SQLite, etcd) implement this, and
 * `store-conformance.ts` is the contract as tests, run against each.
 */

/** One object as stored: its key, its serialized value and the revisions that locate it. */
export interface KeyValue {
  readonly key: string;
  /** The serialized object (JSON text for API objects). */
  readonly value: string;
  /** Revision of the last write to this key (the resourceVersion). */
  readonly revision: number;
  /** Revision at which the key was created (survives updates, reset by delete + create). */
  readonly createRevision: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly key: string;
  /** Revision of this change. */
  readonly revision: number;
  /** The value after the change; for DELETED, the last value the key had. */
  readonly value: string;
  /** The value before the change (MODIFIED and DELETED). */
  readonly prevValue?: string;
  /** Revision of the value before the change (MODIFIED and DELETED). */
  readonly prevRevision?: number;
}

export interface WriteOptions {
  /**
   * The revision of the store the writer's decision was made at (a request's checks of
   * RBAC, workspaces, bindings…): the write fails Stale if anything the store was told
   * decides requests (`decisionPrefixes` of the etcd store) changed after it. A backend one
   * process owns ignores it: there nothing changes behind the writer's back.
   */
  readonly basis?: number;
}

export interface GetOptions {
  /** Read the key as it was at this revision instead of the latest. */
  readonly revision?: number;
}

export interface ListOptions {
  /** Maximum number of items; 0 or absent means all. */
  readonly limit?: number;
  /** A token from a previous page; the list continues at that page's revision. */
  readonly continue?: string;
  /** Read at this revision (an exact, consistent read); ignored when `continue` is set. */
  readonly revision?: number;
}

export interface ListResult {
  /** Items in key order. */
  readonly items: KeyValue[];
  /** The revision the whole list (every page) is consistent at. */
  readonly revision: number;
  /** Present when more items follow; pass it back to get the next page. */
  readonly continue?: string;
}

export interface WatchOptions {
  /**
   * Deliver every change with a revision strictly greater than this one. Changes already
   * in the log are replayed first; a revision before the compaction point fails Expired.
   */
  readonly fromRevision: number;
  /**
   * How many undelivered events the watcher may hold before it is closed with Expired
   * (its client then relists). Keeps a slow watcher from holding memory or writers.
   */
  readonly bufferSize?: number;
}

/**
 * A live watch. Iterate it to receive events in revision order; iteration ends when the
 * watch is closed and throws a StoreError (code Expired) when the watcher fell too far
 * behind or its start revision was compacted.
 */
export interface Watcher extends AsyncIterable<WatchEvent> {
  close(): void;
  /**
   * The next event if one is ready, without waiting; undefined when there is none. Throws
   * the watcher's error (Expired, Closed) once the events before it have been taken. A
   * watcher that ends before its history is replayed drops the live events queued behind
   * it, so what it delivers never skips a revision.
   */
  poll(): WatchEvent | undefined;
  /** Resolves when poll() has something to give (an event, the end or an error). */
  ready(): Promise<void>;
  /** True once closed; poll() then drains what is left. */
  readonly closed: boolean;
  /**
   * True when every event up to the store's current revision has been taken (no replay
   * left, nothing queued): a bookmark at the current revision is then safe.
   */
  readonly idle: boolean;
}

export interface Store {
  /** Create a key; fails AlreadyExists if it exists. Resolves once durable. */
  create(key: string, value: string, options?: WriteOptions): Promise<KeyValue>;
  /** Replace a key's value if its latest revision is `expectedRevision`. */
  update(
    key: string,
    value: string,
    expectedRevision: number,
    options?: WriteOptions,
  ): Promise<KeyValue>;
  /** Delete a key if its latest revision is `expectedRevision`; resolves to the last value. */
  delete(key: string, expectedRevision: number, options?: WriteOptions): Promise<KeyValue>;
  /** The latest value (or the value at `revision`); undefined when absent. */
  get(key: string, options?: GetOptions): Promise<KeyValue | undefined>;
  /** Keys under a prefix, in key order, at one revision across all pages. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Changes to keys under a prefix. */
  watch(prefix: string, options: WatchOptions): Watcher;
  /** The revision of the last acknowledged write. */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable; reads before it fail Expired. */
  compactRevision(): Promise<number>;
  /** Drop history at and before `revision`, keeping the latest value of each live key. */
  compact(revision: number): Promise<void>;
  /**
   * Resolves once this store's reads, watchers and currentRevision include every write
   * acknowledged before the call, by this process or by any other sharing the backend.
   * The API server awaits it before each request, so a write through one replica governs
   * the next request through another. Fails Unavailable or Timeout when the backend
   * cannot say.
   */
  fresh(): Promise<void>;
  /** Undefined while the backend answers; otherwise why not (for /readyz). */
  health(): Promise<string | undefined>;
  /**
   * Whether other processes write to the backend too (etcd: replicas). Only then can what
   * this process has seen lag behind what the backend acknowledged.
   */
  readonly shared: boolean;
  /** Flush, stop background work, close watchers and release the data. */
  close(): Promise<void>;
}
