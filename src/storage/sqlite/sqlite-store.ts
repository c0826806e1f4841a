/**
 * The embedded Store on node:sqlite.
 *
 * One process owns the database (exclusive locking). Writes are queued and committed in
 * groups, one transaction per turn of the event loop: every write in a group gets its own
 * revision and its own compare-and-swap check, and all of them are acknowledged only after
 * the commit has been synced, so an acknowledged write survives kill -9 and power loss while
 * concurrent writers share one fsync.
 *
 * The sync runs off the event loop, as etcd's WAL fsync runs off its request path: SQLite
 * commits to the WAL without syncing (synchronous=NORMAL), then an fdatasync of the WAL file
 * on libuv's thread pool makes the group durable, and only then is it acknowledged, made
 * visible to reads (the store's revision) and published to watchers. The next group commits
 * once that is done, so groups grow while a sync is under way. SQLite syncing at COMMIT
 * (synchronous=FULL) held the event loop for a fifth of a busy control plane's time. A lone
 * write with nothing waiting is synced in place, where the round trip would cost it more.
 * With `durability: 'normal'` there is no sync: power loss may take the last commits.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
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
} from '../store.ts';
import { Broadcaster } from '../watch/broadcaster.ts';
import { DEFAULT_WATCH_BUFFER } from '../watch/queue-watcher.ts';
import { SCHEMA, SCHEMA_VERSION } from './schema.ts';

export interface AutoCompaction {
  /** How often to compact. */
  readonly intervalMs: number;
  /** Keep at least this much recent history by time… */
  readonly windowMs: number;
  /** …and at least this many recent revisions. */
  readonly minRevisions: number;
}

export interface SqliteStoreOptions {
  /** `full` syncs every commit (the default); `normal` may lose the last commits on power loss. */
  readonly durability?: 'full' | 'normal';
  /** Background compaction; `false` turns it off (tests, benchmarks). */
  readonly compaction?: AutoCompaction | false;
  /** Default bound of each watcher's queue. */
  readonly watchBufferSize?: number;
  /** How the WAL file is synced (default: fdatasync on the thread pool; tests hold or fail it). */
  readonly syncFile?: (fd: number) => Promise<void>;
}

const fdatasyncOnThreadPool = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));

export const DEFAULT_COMPACTION: AutoCompaction = {
  intervalMs: 60_000,
  windowMs: 5 * 60_000,
  minRevisions: 1000,
};

/** Writes per transaction; bigger groups wait in the queue for the next turn. */
const MAX_GROUP = 1000;
/** Memory for the latest values of recently read keys (see LatestCache). */
const LATEST_CACHE_BYTES = 16 * 1024 * 1024;
/** Rows per replay query and per compaction step. */
const CHUNK = 1000;
const COMPACT_KEY = 'compact_revision';
const FRESH = Promise.resolve();

interface Row {
  key: string;
  revision: number;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string | null;
}

interface ReplayRow extends Row {
  prev_value: string | null;
}

type WriteOp = {
  readonly key: string;
  readonly resolve: (kv: KeyValue) => void;
  readonly reject: (err: unknown) => void;
} & (
  | { readonly kind: 'create'; readonly value: string }
  | { readonly kind: 'update'; readonly value: string; readonly expected: number }
  | { readonly kind: 'delete'; readonly expected: number }
);

type Statements = Record<
  | 'latest'
  | 'atRevision'
  | 'insert'
  | 'listFrom'
  | 'listAfter'
  | 'replay'
  | 'compactStep'
  | 'maxRevision'
  | 'readMeta'
  | 'writeMeta',
  StatementSync
>;

export class SqliteStore implements Store {
  private readonly db: DatabaseSync;
  private readonly stmt: Statements;
  private readonly broadcaster = new Broadcaster();
  private readonly latest = new LatestCache(LATEST_CACHE_BYTES);
  private readonly watchBufferSize: number;
  private revision: number;
  private compacted: number;
  private pending: WriteOp[] = [];
  private flushScheduled = false;
  /** The WAL file, synced after each commit (undefined for `normal` durability or in memory). */
  private readonly walPath: string | undefined;
  private walFd: number | undefined;
  private readonly syncFile: (fd: number) => Promise<void>;
  /** Lone writes sync on the event loop (not with a `syncFile` of the caller's). */
  private readonly syncInline: boolean;
  /** The sync of the last commit, while it runs (its group is not acknowledged yet). */
  private syncing: Promise<void> | undefined;
  /** A sync failed: the disk cannot be trusted, no write is acknowledged any more. */
  private broken: Error | undefined;
  private isClosed = false;
  private compactTimer: NodeJS.Timeout | undefined;
  private compacting: Promise<void> | undefined;
  private readonly samples: Array<{ at: number; revision: number }> = [];

  /** Opens (creating if needed) the store at `path`; ':memory:' for a throwaway store. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(path, options);
  }

  private constructor(path: string, options: SqliteStoreOptions) {
    this.db = new DatabaseSync(path);
    try {
      this.db.exec(`
        PRAGMA busy_timeout = 0;
        PRAGMA locking_mode = EXCLUSIVE;
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        PRAGMA cache_size = -65536;
        PRAGMA temp_store = MEMORY;
      `);
      this.db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
    } catch (err) {
      this.db.close();
      if (String(err).includes('locked')) {
        throw new Error(
          `the store at ${path} is in use by another process; stop it or use another data directory`,
        );
      }
      throw err;
    }
    this.walPath =
      options.durability !== 'normal' && path !== ':memory:' ? `${path}-wal` : undefined;
    this.syncFile = options.syncFile ?? fdatasyncOnThreadPool;
    this.syncInline = options.syncFile === undefined;
    this.stmt = this.prepare();
    this.checkSchemaVersion();
    this.compacted = this.readMeta(COMPACT_KEY) ?? 0;
    const max = (this.stmt.maxRevision.get() as { max: number | null }).max ?? 0;
    this.revision = Math.max(max, this.compacted);
    this.watchBufferSize = options.watchBufferSize ?? DEFAULT_WATCH_BUFFER;
    const compaction = options.compaction ?? DEFAULT_COMPACTION;
    if (compaction) this.startAutoCompaction(compaction);
  }

  private prepare(): Statements {
    const p = (sql: string) => this.db.prepare(sql);
    const listSql = (op: '>=' | '>') => `
      SELECT key, MAX(revision) AS revision, created, deleted, create_revision, prev_revision, value
      FROM log WHERE key ${op} ? AND key < ? AND revision <= ?
      GROUP BY key ORDER BY key LIMIT ?`;
    return {
      latest: p('SELECT * FROM log WHERE key = ? ORDER BY revision DESC LIMIT 1'),
      atRevision: p(
        'SELECT * FROM log WHERE key = ? AND revision <= ? ORDER BY revision DESC LIMIT 1',
      ),
      insert: p(
        'INSERT INTO log (revision, key, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      listFrom: p(listSql('>=')),
      listAfter: p(listSql('>')),
      replay: p(`
        SELECT l.*, p.value AS prev_value FROM log l LEFT JOIN log p ON p.revision = l.prev_revision
        WHERE l.revision > ? AND l.revision <= ? AND l.key >= ? AND l.key < ?
        ORDER BY l.revision LIMIT ?`),
      // A row at or before the compaction point goes if it is a tombstone or if a newer row
      // of the same key also lies at or before it: what is left is each live key's value.
      compactStep: p(`
        DELETE FROM log WHERE revision > ? AND revision <= ? AND (
          deleted = 1 OR EXISTS (
            SELECT 1 FROM log n WHERE n.key = log.key AND n.revision > log.revision AND n.revision <= ?))`),
      maxRevision: p('SELECT MAX(revision) AS max FROM log'),
      readMeta: p('SELECT value FROM meta WHERE name = ?'),
      writeMeta: p(
        'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      ),
    };
  }

  private readMeta(name: string): number | undefined {
    const row = this.stmt.readMeta.get(name) as { value: number } | undefined;
    return row?.value;
  }

  private checkSchemaVersion(): void {
    const version = this.readMeta('schema_version');
    if (version === undefined) {
      this.stmt.writeMeta.run('schema_version', SCHEMA_VERSION);
    } else if (version !== SCHEMA_VERSION) {
      this.db.close();
      throw new Error(
        `the store has schema version ${version}, this Canopy understands ${SCHEMA_VERSION}`,
      );
    }
  }

  // ---- writes ------------------------------------------------------------------------

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue((resolve, reject) => ({ kind: 'create', key, value, resolve, reject }));
  }

  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    return this.enqueue((resolve, reject) => ({
      kind: 'update',
      key,
      value,
      expected: expectedRevision,
      resolve,
      reject,
    }));
  }

  delete(key: string, expectedRevision: number): Promise<KeyValue> {
    return this.enqueue((resolve, reject) => ({
      kind: 'delete',
      key,
      expected: expectedRevision,
      resolve,
      reject,
    }));
  }

  private enqueue(
    make: (resolve: (kv: KeyValue) => void, reject: (err: unknown) => void) => WriteOp,
  ): Promise<KeyValue> {
    return new Promise((resolve, reject) => {
      if (this.isClosed) throw closed();
      if (this.broken) throw this.broken;
      const op = make(resolve, reject);
      assertValidKey(op.key);
      this.pending.push(op);
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.syncing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /**
   * Commits the queued writes as one transaction; once the commit is synced, acknowledges
   * them and publishes them.
   */
  private flush(): void {
    // The group being synced goes first: its sync's completion flushes again.
    if (this.syncing) return;
    const group =
      this.pending.length > MAX_GROUP ? this.pending.splice(0, MAX_GROUP) : this.pending;
    if (group === this.pending) this.pending = [];
    if (this.pending.length > 0) this.scheduleFlush();
    if (group.length === 0) return;

    const outcomes: Array<KeyValue | StoreError> = [];
    const events: WatchEvent[] = [];
    let revision = this.revision;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const op of group) {
        const outcome = this.apply(op, revision + 1);
        if (outcome instanceof StoreError) {
          outcomes.push(outcome);
          continue;
        }
        revision++;
        outcomes.push(outcome.kv);
        events.push(outcome.event);
      }
      this.db.exec('COMMIT');
    } catch (err) {
      // Nothing of the group is acknowledged; the rollback leaves none of it behind.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      for (const op of group) op.reject(err);
      return;
    }
    const acknowledge = () => {
      this.revision = revision;
      group.forEach((op, i) => {
        const outcome = outcomes[i] as KeyValue | StoreError;
        if (outcome instanceof StoreError) {
          op.reject(outcome);
          return;
        }
        this.latest.written(op.key, op.kind === 'delete' ? undefined : outcome);
        op.resolve(outcome);
      });
      this.broadcaster.publish(events);
    };
    if (events.length === 0 || this.walPath === undefined) {
      acknowledge();
      return;
    }
    const failed = (err: unknown) => {
      // Committed but perhaps not on disk: never acknowledged, and nothing after it is.
      this.syncing = undefined;
      this.broken = new Error(`the store's disk failed to sync: ${(err as Error).message}`);
      for (const op of [...group, ...this.pending.splice(0)]) op.reject(this.broken);
    };
    // A lone write with none waiting (a client writing one object at a time) is synced here:
    // the thread pool's round trip would add more to its latency than the sync holds the
    // loop. Under load, writes wait behind a sync and the groups sync off the loop.
    if (group.length === 1 && this.pending.length === 0 && this.syncInline) {
      try {
        fdatasyncSync(this.walFile());
      } catch (err) {
        failed(err);
        return;
      }
      acknowledge();
      return;
    }
    this.syncing = this.syncWal().then(() => {
      this.syncing = undefined;
      acknowledge();
    }, failed);
    void this.syncing.then(() => {
      if (this.pending.length > 0) this.scheduleFlush();
    });
  }

  /** The WAL file's descriptor (an fsync syncs the file, whichever descriptor wrote it). */
  private walFile(): number {
    this.walFd ??= openSync(this.walPath as string, 'r');
    return this.walFd;
  }

  private async syncWal(): Promise<void> {
    await this.syncFile(this.walFile());
  }

  /** Checks one write against the latest row of its key and appends it. */
  private apply(op: WriteOp, revision: number): StoreError | { kv: KeyValue; event: WatchEvent } {
    const latest = this.stmt.latest.get(op.key) as Row | undefined;
    const live = latest && latest.deleted === 0 ? latest : undefined;
    const prevRevision = latest?.revision ?? 0;
    if (op.kind === 'create') {
      if (live) return alreadyExists(op.key);
      this.stmt.insert.run(revision, op.key, 1, 0, revision, prevRevision, op.value);
      return {
        kv: { key: op.key, value: op.value, revision, createRevision: revision },
        event: { type: 'ADDED', key: op.key, revision, value: op.value },
      };
    }
    if (!live) return notFound(op.key);
    if (live.revision !== op.expected) return conflict(op.key, op.expected, live.revision);
    const prevValue = live.value as string;
    if (op.kind === 'update') {
      this.stmt.insert.run(revision, op.key, 0, 0, live.create_revision, live.revision, op.value);
      return {
        kv: { key: op.key, value: op.value, revision, createRevision: live.create_revision },
        event: {
          type: 'MODIFIED',
          key: op.key,
          revision,
          value: op.value,
          prevValue,
          prevRevision: live.revision,
        },
      };
    }
    this.stmt.insert.run(revision, op.key, 0, 1, live.create_revision, live.revision, null);
    return {
      kv: { key: op.key, value: prevValue, revision, createRevision: live.create_revision },
      event: {
        type: 'DELETED',
        key: op.key,
        revision,
        value: prevValue,
        prevValue,
        prevRevision: live.revision,
      },
    };
  }

  // ---- reads -------------------------------------------------------------------------

  async get(key: string, options: GetOptions = {}): Promise<KeyValue | undefined> {
    this.assertOpen();
    assertValidKey(key);
    if (options.revision === undefined) {
      const cached = this.latest.get(key);
      if (cached !== undefined) return cached ?? undefined;
      // While a commit is being synced (or after its sync failed) its rows are in the table
      // but not acknowledged: reads stay at the last acknowledged revision.
      const row =
        this.syncing || this.broken
          ? this.stmt.atRevision.get(key, this.revision)
          : this.stmt.latest.get(key);
      const kv = liveValue(row as Row | undefined);
      this.latest.remember(key, kv);
      return kv;
    }
    assertReadable(options.revision, this.revision, this.compacted);
    return liveValue(this.stmt.atRevision.get(key, options.revision) as Row | undefined);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    assertValidPrefix(prefix);
    const { limit, revision, after } = listStart(prefix, options, this.revision);
    let cursor = after ?? prefix;
    let inclusive = after === undefined;
    assertReadable(revision, this.revision, this.compacted);

    const end = prefixEnd(prefix);
    const items: KeyValue[] = [];
    const want = limit ? limit + 1 : -1;
    for (;;) {
      const batchSize = limit ? want - items.length : -1;
      const rows = (inclusive ? this.stmt.listFrom : this.stmt.listAfter).all(
        cursor,
        end,
        revision,
        batchSize,
      ) as unknown as Row[];
      inclusive = false;
      for (const row of rows) {
        cursor = row.key;
        if (row.deleted === 0) items.push(toKeyValue(row));
      }
      // Tombstones do not count towards the page; read on until it is full or done.
      if (!limit || items.length >= want || rows.length < batchSize) break;
    }
    return listPage(items, limit, revision);
  }

  watch(prefix: string, options: WatchOptions): Watcher {
    this.assertOpen();
    assertValidPrefix(prefix);
    const until = this.revision;
    let cursor = options.fromRevision;
    const end = prefixEnd(prefix);
    // History up to `until` is read lazily as the consumer pulls; everything committed
    // after this point arrives live. Both happen on this thread, so nothing falls between.
    const replay =
      cursor < until
        ? () => {
            if (cursor < this.compacted) throw expired(cursor, this.compacted);
            const rows = this.stmt.replay.all(
              cursor,
              until,
              prefix,
              end,
              CHUNK,
            ) as unknown as ReplayRow[];
            const last = rows.at(-1);
            if (!last) return undefined;
            cursor = last.revision;
            return rows.map(toEvent);
          }
        : undefined;
    return this.broadcaster.watch(
      prefix,
      options.fromRevision,
      options.bufferSize ?? this.watchBufferSize,
      replay,
      this.compacted,
    );
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async compactRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  /** One process owns the database. */
  readonly shared = false;

  /** One process owns the database: every acknowledged write is already visible. */
  fresh(): Promise<void> {
    return this.isClosed ? Promise.reject(closed()) : FRESH;
  }

  async health(): Promise<string | undefined> {
    return this.isClosed ? 'the store is closed' : undefined;
  }

  /** Number of live watchers (for metrics). */
  get watcherCount(): number {
    return this.broadcaster.size;
  }

  // ---- compaction --------------------------------------------------------------------

  compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.revision) return Promise.reject(futureRevision(revision, this.revision));
    const run = (this.compacting ?? Promise.resolve()).then(() => this.compactTo(revision));
    this.compacting = run.finally(() => {
      if (this.compacting === run) this.compacting = undefined;
    });
    return run;
  }

  private async compactTo(revision: number): Promise<void> {
    const from = this.compacted;
    if (revision <= from || this.isClosed) return;
    // Readers below the new point fail from now on, before any row disappears.
    this.stmt.writeMeta.run(COMPACT_KEY, revision);
    this.compacted = revision;
    for (let lo = from; lo < revision && !this.isClosed; lo += CHUNK) {
      this.stmt.compactStep.run(lo, Math.min(lo + CHUNK, revision), revision);
      // Give requests a turn between steps: compaction is never urgent.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private startAutoCompaction(policy: AutoCompaction): void {
    this.compactTimer = setInterval(() => {
      const now = Date.now();
      this.samples.push({ at: now, revision: this.revision });
      while (
        this.samples.length > 1 &&
        (this.samples[1] as { at: number }).at <= now - policy.windowMs
      ) {
        this.samples.shift();
      }
      const oldest = this.samples[0] as { at: number; revision: number };
      if (oldest.at > now - policy.windowMs) return;
      const target = Math.min(oldest.revision, this.revision - policy.minRevisions);
      if (target > this.compacted) this.compact(target).catch(() => {});
    }, policy.intervalMs);
    this.compactTimer.unref();
  }

  // ---- lifecycle ---------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.isClosed) return;
    // Let queued writes commit: they may already be on their way to being acknowledged.
    while (this.syncing || (this.pending.length > 0 && !this.broken)) {
      if (this.syncing) await this.syncing.catch(() => {});
      else this.flush();
    }
    this.isClosed = true;
    clearInterval(this.compactTimer);
    await this.compacting;
    this.broadcaster.failAll((w) => w.fail(closed()));
    this.db.close();
    if (this.walFd !== undefined) closeSync(this.walFd);
  }

  private assertOpen(): void {
    if (this.isClosed) throw closed();
  }
}

function liveValue(row: Row | undefined): KeyValue | undefined {
  return row && row.deleted === 0 ? toKeyValue(row) : undefined;
}

function toKeyValue(row: Row): KeyValue {
  return {
    key: row.key,
    value: row.value as string,
    revision: row.revision,
    createRevision: row.create_revision,
  };
}

function toEvent(row: ReplayRow): WatchEvent {
  if (row.created === 1) {
    return { type: 'ADDED', key: row.key, revision: row.revision, value: row.value as string };
  }
  const prevValue = row.prev_value as string;
  return {
    type: row.deleted === 1 ? 'DELETED' : 'MODIFIED',
    key: row.key,
    revision: row.revision,
    value: row.deleted === 1 ? prevValue : (row.value as string),
    prevValue,
    prevRevision: row.prev_revision,
  };
}
