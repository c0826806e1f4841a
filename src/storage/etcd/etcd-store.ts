/**
 * The Store on etcd, kept the way kube-apiserver keeps objects there: a key per object
 * under a prefix, resourceVersion = etcd's revision, compare-and-swap = a transaction on
 * the key's mod_revision, compaction = etcd's, on an interval. Acknowledged means
 * committed in etcd.
 *
 * Several API server replicas share one etcd, so what each replica keeps in memory must
 * follow etcd rather than its own writes. Each store runs ONE etcd watch over its whole
 * prefix (with previous values) and is, for its process, a single ordered stream of
 * changes, like the SQLite store's commits:
 * - `currentRevision()` is the last revision that stream delivered ("observed"); reads
 *   are etcd reads at that revision, so a replica's reads, watchers and indexes agree
 *   with each other. Recently read keys are answered from memory (`latest-cache.ts`),
 *   kept exact by the same stream, so a hot GET costs etcd nothing once `fresh()` ran.
 * - A write resolves once the stream has delivered its revision, so this process's own
 *   indexes have applied it (as the SQLite store publishes before it acknowledges).
 * - `fresh()` reads etcd's revision (linearizable, one read shared by the requests that
 *   wait for it) and waits until the stream has delivered it: a write acknowledged by
 *   another replica before a request started governs that request.
 * - Watches are served from the stream; those that start in the past replay from a
 *   bounded window of recent events (`event-window.ts`; older starts get Expired, and the
 *   client lists again, as with kube-apiserver's watch cache).
 *
 * Keys: `<prefix><store key>`; the store's own bookkeeping lives under `<prefix>/.canopy/`
 * (no API group starts with a dot), hidden from reads and watches.
 */
import type { Logger } from '../../logging/logger.ts';
import { listPage, listStart } from '../continue-token.ts';
import {
  alreadyExists,
  assertReadable,
  closed,
  conflict,
  expired,
  futureRevision,
  notFound,
  StoreError,
} from '../errors.ts';
import { assertValidKey, assertValidPrefix, prefixEnd } from '../keys.ts';
import { LatestCache } from '../latest-cache.ts';
import type {
  GetOptions,
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  WatchEvent,
  Watcher,
  WatchOptions,
  WriteOptions,
} from '../store.ts';
import { Broadcaster } from '../watch/broadcaster.ts';
import { DEFAULT_WATCH_BUFFER } from '../watch/queue-watcher.ts';
import {
  type Compare,
  CompareResult,
  CompareTarget,
  DEFAULT_REQUEST_TIMEOUT_MS,
  EtcdClient,
  type EtcdClientOptions,
  type EtcdEvent,
  type EtcdKeyValue,
  type RequestOp,
  type TxnResponse,
  type WatchResponse,
  type WatchStream,
} from './client.ts';
import { EventWindow } from './event-window.ts';

export interface EtcdStoreOptions extends EtcdClientOptions {
  /** Where in etcd the objects live (kube-apiserver's --etcd-prefix). */
  readonly prefix?: string;
  /**
   * Compact etcd this often, to the revision seen one interval earlier (kube-apiserver's
   * --etcd-compaction-interval); false never compacts. Replicas take turns through a key,
   * so one compaction happens per interval whatever their number.
   */
  readonly compactionIntervalMs?: number | false;
  /** Default bound of each watcher's queue. */
  readonly watchBufferSize?: number;
  /** Memory for recent events that watches starting in the past replay. */
  readonly windowBytes?: number;
  readonly logger?: Logger;
  /**
   * Key prefixes of what decides requests (RBAC, workspaces, bindings, CRDs, namespaces…):
   * a write with a `basis` fails Stale when one of these changed after its basis, so a
   * replica can decide a write on what it has seen and still never act on a stale view.
   */
  readonly decisionPrefixes?: readonly string[];
}

export const DEFAULT_ETCD_PREFIX = '/registry';
export const DEFAULT_ETCD_COMPACTION_MS = 5 * 60_000;
const DEFAULT_WINDOW_BYTES = 64 * 1024 * 1024;
/** Memory for the latest values of recently read keys. */
const LATEST_CACHE_BYTES = 16 * 1024 * 1024;

/** What `<prefix>/.canopy/layout` holds: the key layout of `storage/keys.ts`, version 1. */
const LAYOUT = 'canopy-keys/v1';
const META = '/.canopy/';
const LAYOUT_KEY = '/.canopy/layout';
/** Written only when the watch must be shown a revision (see `fresh()`). */
const SYNC_KEY = '/.canopy/sync';
/** Its version is the turn of the replicas' compaction. */
const COMPACTION_KEY = '/.canopy/compaction';
/** Moved by every write to a key that decides requests (see `decisionPrefixes`). */
const DECISIONS_KEY = '/.canopy/decisions';

/** History a starting store reads into its window, so watches may resume from before it. */
const PREFILL_REVISIONS = 5000;
/**
 * How long the watch may stall below a revision before a sync write shows it a later one.
 * Only a revision of a key outside the prefix (an etcd shared with other programs) ever
 * needs it; the watch delivers Canopy's own within a moment.
 */
const SYNC_GRACE_MS = 100;
/** Events per replay chunk and keys per list round trip beyond the page. */
const CHUNK = 1000;
/** How long /readyz waits for etcd. */
const HEALTH_TIMEOUT_MS = 2000;

const PUT = 0;
const DELETE = 1;

interface Waiter {
  readonly revision: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  readonly timers: NodeJS.Timeout[];
}

interface Feed {
  readonly stream: WatchStream;
  readonly endpoint: string;
}

/** Stops a watch stream, its late errors included. */
function cancelFeed(feed: Feed): void {
  feed.stream.removeAllListeners('data');
  feed.stream.on('error', () => {});
  feed.stream.cancel();
}

export class EtcdStore implements Store {
  readonly prefix: string;
  /** Replicas share etcd. */
  readonly shared = true;
  private readonly client: EtcdClient;
  private readonly broadcaster = new Broadcaster();
  private readonly window: EventWindow;
  private readonly latest = new LatestCache(LATEST_CACHE_BYTES);
  /**
   * Keys being read from etcd for the cache, and whether a change to them arrived since
   * the read was sent (then what it returns may be older than the cache must be).
   */
  private readonly reading = new Map<string, { changed: boolean }>();
  private readonly watchBufferSize: number;
  private readonly decisionPrefixes: readonly string[];
  private readonly timeoutMs: number;
  private readonly log: Logger | undefined;
  private observed = 0;
  /** Watch responses with events applied so far (to tell a moving feed from a stalled one). */
  private batches = 0;
  private compacted = 0;
  /** No new operation starts once closing; teardown waits for the writes in flight. */
  private closing = false;
  private isClosed = false;
  private readonly writes = new Set<Promise<unknown>>();
  private opening = true;
  private feed: Feed | undefined;
  private feedUp = false;
  private feedProblem: string | undefined = 'not connected yet';
  private feedRetryMs = 100;
  private feedTimer: NodeJS.Timeout | undefined;
  private waiters: Waiter[] = [];
  private syncing: Promise<void> | undefined;
  private probing: Promise<number> | undefined;
  private nextProbe: Promise<number> | undefined;
  private compactTimer: NodeJS.Timeout | undefined;

  /**
   * Connects, checks (or claims) the prefix's layout, reads recent history and resolves
   * once the watch has caught up with etcd. Fails with what to do when etcd cannot be
   * reached or the prefix holds something else.
   */
  static async open(options: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(options);
    try {
      await store.init(options.compactionIntervalMs ?? DEFAULT_ETCD_COMPACTION_MS);
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  private constructor(options: EtcdStoreOptions) {
    this.prefix = checkPrefix(options.prefix ?? DEFAULT_ETCD_PREFIX);
    this.client = new EtcdClient(options);
    this.window = new EventWindow(options.windowBytes ?? DEFAULT_WINDOW_BYTES, 0);
    this.watchBufferSize = options.watchBufferSize ?? DEFAULT_WATCH_BUFFER;
    this.decisionPrefixes = options.decisionPrefixes ?? [];
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.log = options.logger;
  }

  private async init(compactionIntervalMs: number | false): Promise<void> {
    let current: number;
    try {
      current = await this.checkLayout();
    } catch (err) {
      if (err instanceof StoreError && (err.code === 'Unavailable' || err.code === 'Timeout')) {
        throw new Error(
          `cannot reach etcd (${err.message}). Start it (one on this machine: canopy etcd) or point --etcd-servers at a running etcd cluster`,
        );
      }
      throw err;
    }
    const from = Math.max(0, current - PREFILL_REVISIONS);
    this.observed = from;
    this.window.reset(from);
    this.startFeed(from, false);
    await this.caughtUp(current, { known: false, orResolve: false });
    this.opening = false;
    if (compactionIntervalMs) this.startCompaction(compactionIntervalMs);
  }

  /** Refuses a prefix holding data of another layout; claims an empty one. */
  private async checkLayout(): Promise<number> {
    const marker = this.etcdKey(LAYOUT_KEY);
    for (;;) {
      const found = await this.client.range({ key: marker });
      const kv = found.kvs[0];
      if (kv) {
        const layout = kv.value.toString('utf8');
        if (layout !== LAYOUT) {
          throw new Error(
            `etcd prefix ${this.prefix} holds Canopy data of layout ${JSON.stringify(layout)}; this Canopy reads ${JSON.stringify(LAYOUT)}. Use another --etcd-prefix or a Canopy that reads it`,
          );
        }
        return found.header.revision;
      }
      const any = await this.client.range({
        key: this.etcdKey('/'),
        range_end: this.etcdKey(prefixEnd('/')),
        limit: 1,
        keys_only: true,
      });
      const foreign = any.kvs[0];
      // Another replica claimed the prefix since the marker was read: read it again.
      if (foreign && this.storeKey(foreign.key)?.startsWith(META)) continue;
      if (foreign) {
        throw new Error(
          `etcd prefix ${this.prefix} holds data that is not Canopy's (for example ${foreign.key.toString('utf8')}). Use another --etcd-prefix, or an etcd Canopy does not share with other programs`,
        );
      }
      const claimed = await this.client.txn({
        compare: [
          {
            key: marker,
            target: CompareTarget.CREATE,
            result: CompareResult.EQUAL,
            create_revision: 0,
          },
        ],
        success: [{ request_put: { key: marker, value: Buffer.from(LAYOUT) } }],
        failure: [],
      });
      // Lost a race with another replica claiming it: check what it wrote.
      if (claimed.succeeded) return claimed.header.revision;
    }
  }

  // ---- the watch feed ----------------------------------------------------------------

  private startFeed(after: number, rotate: boolean): void {
    if (this.isClosed) return;
    const { stream, endpoint } = this.client.watchStream(rotate);
    const feed: Feed = { stream, endpoint };
    this.feed = feed;
    stream.on('data', (res: WatchResponse) => {
      if (this.feed !== feed) return;
      try {
        this.onWatchResponse(feed, res);
      } catch (err) {
        this.feedLost(feed, `could not apply a watch response: ${(err as Error).message}`);
      }
    });
    stream.on('error', (err: Error) => this.feedLost(feed, err.message));
    stream.on('end', () => this.feedLost(feed, 'etcd ended the watch stream'));
    stream.write({
      create_request: {
        key: this.etcdKey('/'),
        range_end: this.etcdKey(prefixEnd('/')),
        start_revision: after + 1,
        prev_kv: true,
      },
    });
  }

  private onWatchResponse(feed: Feed, res: WatchResponse): void {
    if (res.compact_revision > 0) {
      this.compacted = Math.max(this.compacted, res.compact_revision);
      void this.restartAfterCompaction(feed, res.compact_revision);
      return;
    }
    if (res.canceled) {
      this.feedLost(feed, `etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`);
      return;
    }
    if (res.created) {
      if (!this.feedUp && this.feedProblem !== 'not connected yet') {
        this.log?.info({ endpoint: feed.endpoint, revision: this.observed }, 'etcd watch resumed');
      }
      this.feedUp = true;
      this.feedProblem = undefined;
      this.feedRetryMs = 100;
    }
    if (res.events.length > 0) this.apply(res.events);
  }

  /** Publishes a batch of changes: window, local watchers, then waiting writers. */
  private apply(events: EtcdEvent[]): void {
    this.batches++;
    const before = this.observed;
    let last = before;
    const out: WatchEvent[] = [];
    for (const e of events) {
      const revision = e.kv.mod_revision;
      if (revision <= before) continue;
      last = Math.max(last, revision);
      const key = this.storeKey(e.kv.key);
      if (key === undefined || key.startsWith(META)) continue;
      const event = toWatchEvent(key, e);
      this.window.append(event);
      this.latest.written(
        key,
        event.type === 'DELETED'
          ? undefined
          : { key, value: event.value, revision, createRevision: e.kv.create_revision },
      );
      const read = this.reading.get(key);
      if (read) read.changed = true;
      out.push(event);
    }
    this.observed = last;
    this.broadcaster.publish(out);
    this.wakeWaiters();
  }

  /**
   * Ends `feed` if it is still the store's watch; says whether the store goes on (false:
   * a later feed replaced it already, or the store is closed).
   */
  private dropFeed(feed: Feed): boolean {
    if (this.feed !== feed) return false;
    this.feed = undefined;
    cancelFeed(feed);
    return !this.isClosed;
  }

  private feedLost(feed: Feed, why: string): void {
    if (!this.dropFeed(feed)) return;
    this.feedUp = false;
    this.feedProblem = `the watch on etcd at ${feed.endpoint} failed: ${why}`;
    const delay = this.feedRetryMs;
    this.feedRetryMs = Math.min(this.feedRetryMs * 2, 2000);
    this.log?.warn(
      { endpoint: feed.endpoint, err: why, revision: this.observed, retryInMs: delay },
      'etcd watch lost; resuming from the last revision delivered',
    );
    this.feedTimer = setTimeout(() => this.startFeed(this.observed, true), delay);
  }

  /**
   * The revision to resume from was compacted while the watch was away: what happened in
   * between is gone, so every watcher ends with Expired (its client lists again) and the
   * store goes on from etcd's current revision.
   */
  private async restartAfterCompaction(feed: Feed, compactRevision: number): Promise<void> {
    if (!this.dropFeed(feed)) return;
    let restartAt: number;
    if (this.opening) {
      // Nobody reads yet: start the window at the oldest history etcd still has.
      restartAt = compactRevision - 1;
    } else {
      try {
        restartAt = await this.probeRevision();
      } catch (err) {
        this.feed = feed;
        this.feedLost(feed, (err as Error).message);
        return;
      }
      this.log?.warn(
        { from: this.observed, compacted: compactRevision, to: restartAt },
        'etcd compacted history this replica had not seen; watchers start over',
      );
      const err = expired(this.observed, compactRevision);
      this.broadcaster.failAll((w) => w.fail(err));
      // What changed in between is unknown, so is whether the cached values still hold.
      this.latest.clear();
      for (const read of this.reading.values()) read.changed = true;
    }
    this.window.reset(restartAt);
    this.observed = Math.max(this.observed, restartAt);
    this.wakeWaiters();
    this.startFeed(restartAt, false);
  }

  // ---- waiting for the feed ---------------------------------------------------------

  /**
   * Resolves once the feed delivered `revision`. A revision this store knows to be a
   * change under its prefix (`known`: its own commit, a key it read) always arrives. One
   * of unknown origin (etcd's current revision) may belong to a key outside the prefix,
   * which the feed never sees: if the feed stalls below it and etcd holds no change of the
   * prefix it has yet to deliver, a write to the sync key shows it a later revision.
   * Past the request timeout it rejects with Timeout, or, where the caller's answer stands
   * anyway (a committed write, a refusal), resolves: only this replica's view lags.
   */
  private caughtUp(revision: number, how: { known: boolean; orResolve: boolean }): Promise<void> {
    if (this.observed >= revision) return Promise.resolve();
    if (this.isClosed) return Promise.reject(closed());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { revision, resolve, reject, timers: [] };
      const deadline = setTimeout(() => {
        this.dropWaiter(waiter);
        if (how.orResolve) resolve();
        else
          reject(
            new StoreError(
              'Timeout',
              `this server's view of etcd is behind: it has revision ${this.observed}, etcd has ${revision}${this.feedProblem ? ` (${this.feedProblem})` : ''}`,
            ),
          );
      }, this.timeoutMs);
      waiter.timers.push(deadline);
      if (!how.known) {
        let batches = this.batches;
        const arm = () => {
          // Timers run before pending I/O after a busy turn: look once the watch's data is in.
          waiter.timers[1] = setTimeout(() => setImmediate(() => void check()), SYNC_GRACE_MS);
        };
        const check = async () => {
          if (!this.waiters.includes(waiter)) return;
          if (this.batches !== batches || !this.feedUp) {
            batches = this.batches;
            arm();
            return;
          }
          if (await this.undelivered(revision)) arm();
          else if (this.waiters.includes(waiter)) {
            this.syncWrite();
            arm();
          }
        };
        arm();
      }
      this.waiters.push(waiter);
    });
  }

  /** Whether etcd holds a change under the prefix the feed has yet to deliver (up to `revision`). */
  private async undelivered(revision: number): Promise<boolean> {
    try {
      const res = await this.client.range({
        key: this.etcdKey('/'),
        range_end: this.etcdKey(prefixEnd('/')),
        revision,
        min_mod_revision: this.observed + 1,
        keys_only: true,
        limit: 1,
      });
      // (etcd counts before it filters, so it is the keys that tell.) Deletions do not
      // show here; a sync write then costs one revision, nothing more.
      return res.kvs.length > 0;
    } catch {
      return true;
    }
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.revision <= this.observed) {
        for (const t of w.timers) clearTimeout(t);
        w.resolve();
      } else still.push(w);
    }
    this.waiters = still;
  }

  private dropWaiter(waiter: Waiter): void {
    for (const t of waiter.timers) clearTimeout(t);
    this.waiters = this.waiters.filter((w) => w !== waiter);
  }

  private syncWrite(): void {
    if (this.syncing) return;
    const key = this.etcdKey(SYNC_KEY);
    this.syncing = this.client
      .txn({
        compare: [],
        success: [{ request_put: { key, value: Buffer.alloc(0) } }],
        failure: [],
      })
      .then(
        () => undefined,
        (err: unknown) => {
          this.log?.debug({ err: (err as Error).message }, 'etcd sync write failed');
        },
      )
      .finally(() => {
        this.syncing = undefined;
      });
  }

  /** etcd's current revision, by a linearizable read that concurrent callers share. */
  private probeRevision(): Promise<number> {
    if (!this.probing) {
      const probe = this.client
        .range({ key: this.etcdKey(LAYOUT_KEY), keys_only: true })
        .then((res) => res.header.revision);
      this.probing = probe.finally(() => {
        this.probing = undefined;
      });
      return this.probing;
    }
    // One is on its way, but it may have been sent before this call: take the next one.
    this.nextProbe ??= this.probing.then(
      () => this.startNextProbe(),
      () => this.startNextProbe(),
    );
    return this.nextProbe;
  }

  private startNextProbe(): Promise<number> {
    this.nextProbe = undefined;
    return this.probeRevision();
  }

  async fresh(): Promise<void> {
    this.assertOpen();
    await this.caughtUp(await this.probeRevision(), { known: false, orResolve: false });
  }

  async health(): Promise<string | undefined> {
    if (this.closing) return 'the store is closed';
    if (!this.feedUp) return this.feedProblem ?? 'the watch on etcd is not connected';
    try {
      await this.client.range(
        { key: this.etcdKey(LAYOUT_KEY), keys_only: true },
        HEALTH_TIMEOUT_MS,
      );
    } catch (err) {
      return (err as Error).message;
    }
    return undefined;
  }

  // ---- writes ------------------------------------------------------------------------

  create(key: string, value: string, options: WriteOptions = {}): Promise<KeyValue> {
    return this.track(this.doCreate(key, value, options.basis));
  }

  update(
    key: string,
    value: string,
    expectedRevision: number,
    options: WriteOptions = {},
  ): Promise<KeyValue> {
    return this.track(this.doUpdate(key, value, expectedRevision, options.basis));
  }

  delete(key: string, expectedRevision: number, options: WriteOptions = {}): Promise<KeyValue> {
    return this.track(this.doDelete(key, expectedRevision, options.basis));
  }

  /** A write in flight when close() is called may already be committed: it finishes first. */
  private track<T>(write: Promise<T>): Promise<T> {
    this.writes.add(write);
    const done = () => this.writes.delete(write);
    write.then(done, done);
    return write;
  }

  private async doCreate(key: string, value: string, basis?: number): Promise<KeyValue> {
    const k = this.writableKey(key);
    const res = await this.transact(
      key,
      [{ key: k, target: CompareTarget.CREATE, result: CompareResult.EQUAL, create_revision: 0 }],
      { request_put: { key: k, value: Buffer.from(value) } },
      basis,
    );
    if (!res.succeeded) {
      await this.refusal(res);
      throw alreadyExists(key);
    }
    const revision = res.header.revision;
    await this.caughtUp(revision, { known: true, orResolve: true });
    return { key, value, revision, createRevision: revision };
  }

  private async doUpdate(
    key: string,
    value: string,
    expected: number,
    basis?: number,
  ): Promise<KeyValue> {
    const k = this.writableKey(key);
    const res = await this.transact(
      key,
      this.unchangedSince(k, expected),
      { request_put: { key: k, value: Buffer.from(value), prev_kv: true } },
      basis,
    );
    if (!res.succeeded) throw this.conflictOrNotFound(key, expected, await this.refusal(res));
    const revision = res.header.revision;
    await this.caughtUp(revision, { known: true, orResolve: true });
    const prev = res.responses[0]?.response_put?.prev_kv;
    return { key, value, revision, createRevision: prev?.create_revision ?? revision };
  }

  private async doDelete(key: string, expected: number, basis?: number): Promise<KeyValue> {
    const k = this.writableKey(key);
    const res = await this.transact(
      key,
      this.unchangedSince(k, expected),
      { request_delete_range: { key: k, prev_kv: true } },
      basis,
    );
    if (!res.succeeded) throw this.conflictOrNotFound(key, expected, await this.refusal(res));
    const revision = res.header.revision;
    await this.caughtUp(revision, { known: true, orResolve: true });
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    return {
      key,
      value: prev ? prev.value.toString('utf8') : '',
      revision,
      createRevision: prev?.create_revision ?? 0,
    };
  }

  /**
   * One write as a transaction: `op` if `compare` holds. A write to a key that decides
   * requests also moves the decision mark; a write made on a decision (`basis`) holds only
   * if the mark has not moved since, and fails Stale otherwise, once this replica has seen
   * what moved it. On failure, responses[0] reads the key.
   */
  private async transact(
    key: string,
    compare: Compare[],
    op: RequestOp,
    basis: number | undefined,
  ): Promise<TxnResponse> {
    const k = this.etcdKey(key);
    const mark = this.etcdKey(DECISIONS_KEY);
    const decides = this.decisionPrefixes.some((p) => key.startsWith(p));
    const res = await this.client.txn({
      compare:
        basis === undefined
          ? compare
          : [
              ...compare,
              {
                key: mark,
                target: CompareTarget.MOD,
                result: CompareResult.LESS,
                mod_revision: basis + 1,
              },
            ],
      success: decides ? [op, { request_put: { key: mark, value: Buffer.alloc(0) } }] : [op],
      failure: [
        { request_range: { key: k } },
        ...(basis === undefined ? [] : [{ request_range: { key: mark, keys_only: true } }]),
      ],
    });
    const moved = res.succeeded ? undefined : res.responses[1]?.response_range?.kvs[0];
    if (basis !== undefined && moved && moved.mod_revision > basis) {
      await this.caughtUp(moved.mod_revision, { known: true, orResolve: true });
      throw new StoreError(
        'Stale',
        `what decides requests changed at revision ${moved.mod_revision}, after the decision to write ${key} (made at ${basis})`,
        key,
      );
    }
    return res;
  }

  /** The key exists and was last written at `expected`. */
  private unchangedSince(k: Buffer, expected: number): Compare[] {
    return [
      { key: k, target: CompareTarget.MOD, result: CompareResult.EQUAL, mod_revision: expected },
      { key: k, target: CompareTarget.VERSION, result: CompareResult.GREATER, version: 0 },
    ];
  }

  /**
   * A refused write: waits until this replica's view holds what refused it (the key's
   * latest write, or etcd's revision when the key is gone), so the caller's next read
   * shows why. Returns that latest write, if any.
   */
  private async refusal(res: TxnResponse): Promise<EtcdKeyValue | undefined> {
    const kv = res.responses[0]?.response_range?.kvs[0];
    await this.caughtUp(kv ? kv.mod_revision : res.header.revision, {
      known: kv !== undefined,
      orResolve: true,
    });
    return kv;
  }

  private conflictOrNotFound(key: string, expected: number, latest: EtcdKeyValue | undefined) {
    return latest ? conflict(key, expected, latest.mod_revision) : notFound(key);
  }

  private writableKey(key: string): Buffer {
    this.assertOpen();
    assertValidKey(key);
    if (key.startsWith(META)) {
      throw new StoreError('InvalidKey', `${META} keys are the store's own`, key);
    }
    return this.etcdKey(key);
  }

  // ---- reads -------------------------------------------------------------------------

  async get(key: string, options: GetOptions = {}): Promise<KeyValue | undefined> {
    this.assertOpen();
    assertValidKey(key);
    if (key.startsWith(META)) return undefined;
    if (options.revision !== undefined) {
      assertReadable(options.revision, this.observed, this.compacted);
      const res = await this.client.range({ key: this.etcdKey(key), revision: options.revision });
      const kv = res.kvs[0];
      return kv ? toKeyValue(key, kv) : undefined;
    }
    const cached = this.latest.get(key);
    if (cached !== undefined) return cached ?? undefined;
    // Read at the revision the watch delivered, and keep the answer unless the watch
    // brought a change of the key meanwhile (it may be newer than what etcd returned).
    const read = this.reading.get(key) ?? { changed: false };
    const own = !this.reading.has(key);
    if (own) this.reading.set(key, read);
    try {
      const res = await this.client.range({ key: this.etcdKey(key), revision: this.observed });
      const found = res.kvs[0];
      const kv = found ? toKeyValue(key, found) : undefined;
      if (own && !read.changed) this.latest.remember(key, kv);
      return kv;
    } finally {
      if (own) this.reading.delete(key);
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    assertValidPrefix(prefix);
    const { limit, revision, after } = listStart(prefix, options, this.observed);
    let from = this.etcdKey(after === undefined ? prefix : `${after}\u0000`);
    assertReadable(revision, this.observed, this.compacted);
    const end = this.etcdKey(prefixEnd(prefix));
    const items: KeyValue[] = [];
    for (;;) {
      const res = await this.client.range({
        key: from,
        range_end: end,
        revision,
        ...(limit ? { limit: limit - items.length + 1 } : {}),
      });
      for (const kv of res.kvs) {
        const key = this.storeKey(kv.key) as string;
        if (!key.startsWith(META)) items.push(toKeyValue(key, kv));
      }
      const last = res.kvs.at(-1);
      // Only a list of "/" can meet the store's own keys, which do not count towards a page.
      if (!limit || items.length > limit || !res.more || !last) break;
      from = Buffer.concat([last.key, Buffer.from([0])]);
    }
    return listPage(items, limit, revision);
  }

  watch(prefix: string, options: WatchOptions): Watcher {
    this.assertOpen();
    assertValidPrefix(prefix);
    const until = this.observed;
    const start = options.fromRevision;
    const oldest = Math.max(this.window.start, this.compacted);
    let cursor = start < until && start >= oldest ? this.window.after(start) : -1;
    const replay =
      cursor >= 0
        ? () => {
            if (cursor < 0) return undefined;
            const chunk = this.window.read(cursor, prefix, until, CHUNK);
            // Fell out of the window while replaying (a slow reader under heavy writes).
            if (!chunk) throw expired(start, this.window.start);
            cursor = chunk.done ? -1 : chunk.next;
            if (chunk.events.length > 0) return chunk.events;
            return cursor < 0 ? undefined : [];
          }
        : undefined;
    return this.broadcaster.watch(
      prefix,
      start,
      options.bufferSize ?? this.watchBufferSize,
      replay,
      oldest,
    );
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.observed;
  }

  async compactRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  /** Number of live watchers (for metrics). */
  get watcherCount(): number {
    return this.broadcaster.size;
  }

  /** Whether the watch on etcd is connected (for metrics). */
  get watching(): boolean {
    return this.feedUp;
  }

  // ---- compaction --------------------------------------------------------------------

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.observed) throw futureRevision(revision, this.observed);
    if (revision <= this.compacted) return;
    try {
      await this.client.compact(revision);
    } catch (err) {
      // Someone compacted further already (another replica, or etcd itself).
      if (!(err instanceof StoreError && err.code === 'Expired')) throw err;
    }
    this.compacted = Math.max(this.compacted, revision);
  }

  /**
   * kube-apiserver's compactor: each interval, whoever moves the compaction key's version
   * on first compacts to the revision it saw one interval earlier; the others learn the
   * version and wait for the next turn. History of at least one interval stays.
   */
  private startCompaction(intervalMs: number): void {
    const key = this.etcdKey(COMPACTION_KEY);
    let version = 0;
    let seen = 0;
    let running = false;
    this.compactTimer = setInterval(() => {
      if (running) return;
      running = true;
      void (async () => {
        const res = await this.client.txn({
          compare: [{ key, target: CompareTarget.VERSION, result: CompareResult.EQUAL, version }],
          success: [{ request_put: { key, value: Buffer.from(String(seen)) } }],
          failure: [{ request_range: { key } }],
        });
        const target = seen;
        seen = res.header.revision;
        if (!res.succeeded) {
          version = res.responses[0]?.response_range?.kvs[0]?.version ?? 0;
          return;
        }
        version++;
        if (target > 0 && target <= this.observed) {
          await this.compact(target);
          this.log?.info({ revision: target }, 'compacted etcd');
        }
      })()
        .catch((err: unknown) =>
          this.log?.warn({ err: (err as Error).message }, 'etcd compaction failed'),
        )
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    this.compactTimer.unref();
  }

  // ---- lifecycle ---------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.allSettled([...this.writes]);
    this.isClosed = true;
    clearTimeout(this.feedTimer);
    clearInterval(this.compactTimer);
    if (this.feed) cancelFeed(this.feed);
    this.feed = undefined;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      for (const t of w.timers) clearTimeout(t);
      w.reject(closed());
    }
    this.broadcaster.failAll((w) => w.fail(closed()));
    await this.syncing;
    this.client.close();
  }

  // ---- helpers -----------------------------------------------------------------------

  private etcdKey(key: string): Buffer {
    return Buffer.from(this.prefix + key, 'latin1');
  }

  /** The store key of an etcd key under the prefix; undefined for anything else. */
  private storeKey(k: Buffer): string | undefined {
    const s = k.toString('latin1');
    return s.startsWith(`${this.prefix}/`) ? s.slice(this.prefix.length) : undefined;
  }

  private assertOpen(): void {
    if (this.closing) throw closed();
  }
}

function toKeyValue(key: string, kv: EtcdKeyValue): KeyValue {
  return {
    key,
    value: kv.value.toString('utf8'),
    revision: kv.mod_revision,
    createRevision: kv.create_revision,
  };
}

function toWatchEvent(key: string, e: EtcdEvent): WatchEvent {
  const revision = e.kv.mod_revision;
  const prev = e.prev_kv;
  const prevValue = prev ? prev.value.toString('utf8') : undefined;
  if (e.type === DELETE) {
    return {
      type: 'DELETED',
      key,
      revision,
      value: prevValue ?? '',
      prevValue: prevValue ?? '',
      prevRevision: prev?.mod_revision ?? 0,
    };
  }
  const value = e.kv.value.toString('utf8');
  if (e.type === PUT && e.kv.create_revision === revision) {
    return { type: 'ADDED', key, revision, value };
  }
  return prev && prevValue !== undefined
    ? { type: 'MODIFIED', key, revision, value, prevValue, prevRevision: prev.mod_revision }
    : { type: 'MODIFIED', key, revision, value };
}

/** `--etcd-prefix`: an absolute key path of printable ASCII, kept without a trailing "/". */
function checkPrefix(prefix: string): string {
  const p = prefix.replace(/\/+$/, '');
  if (!/^\/[\x21-\x7e]*$/.test(p) || p.length > 256) {
    throw new Error(
      `--etcd-prefix must be a path of printable ASCII starting with "/", such as /registry, not ${JSON.stringify(prefix)}`,
    );
  }
  return p;
}
