/**
 * A keyed work queue (client-go's rate-limited workqueue), for the controllers inside the
 * server and for those outside it (sync agent, PostgreSQL operator) alike:
 * - a key is processed by one worker at a time; a key added again while queued is queued
 *   once; a key added while it is processed runs again afterwards;
 * - a handler asks for a later run by returning `{ requeueAfterMs }` (or returning or
 *   throwing a `Requeue`); delayed adds of one key keep the earliest time, and an add
 *   supersedes a delayed one;
 * - failures retry with exponential backoff per key (optionally jittered, capped) until
 *   the key succeeds; a failing key that changed while it ran keeps backing off;
 * - `paused` collects keys without processing them until `start()` (e.g. until caches
 *   are synced); `stop()` drops what is queued and lets running handlers finish.
 */
import type { Logger } from '../logging/logger.ts';

/** What a handler returns: nothing (done), or when to process the key again. */
export interface QueueResult {
  /** Process the key again after this long (a periodic check or a wait). */
  readonly requeueAfterMs?: number | undefined;
}

/** Returned or thrown to ask for a later run without it counting as a failure. */
export class Requeue implements QueueResult {
  readonly afterMs: number;
  constructor(afterMs: number) {
    this.afterMs = afterMs;
  }
  get requeueAfterMs(): number {
    return this.afterMs;
  }
}

export type Handler = (key: string) => Promise<QueueResult | undefined>;

export interface WorkQueueOptions {
  /** Shown with failures logged to `logger`. */
  readonly name?: string;
  /** When set, every failure is logged here (warn, "reconcile failed"). */
  readonly logger?: Logger;
  /** Called on every failure with the key's consecutive failure count. */
  readonly onError?: (key: string, err: unknown, failures: number) => void;
  /** Keys processed at once (default 1). */
  readonly concurrency?: number;
  /** Collect keys without processing them until start(). */
  readonly paused?: boolean;
  /** First retry delay (default 100 ms); doubles per failure up to `maxBackoffMs`. */
  readonly baseBackoffMs?: number;
  /** Default 30 s. */
  readonly maxBackoffMs?: number;
  /** Spread of retry delays: 0.2 is ±20 % (default 0). */
  readonly jitter?: number;
}

export class WorkQueue {
  readonly #handler: Handler;
  readonly #options: WorkQueueOptions;
  readonly #concurrency: number;
  readonly #pending = new Set<string>();
  #order: string[] = [];
  #head = 0;
  readonly #running = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #failures = new Map<string, number>();
  #stopped = false;
  #paused: boolean;
  #idleWaiters: (() => void)[] = [];

  constructor(handler: Handler, options: WorkQueueOptions = {}) {
    this.#handler = handler;
    this.#options = options;
    this.#concurrency = options.concurrency ?? 1;
    this.#paused = options.paused ?? false;
  }

  add(key: string): void {
    if (this.#stopped) return;
    const t = this.#timers.get(key);
    if (t) {
      clearTimeout(t.timer);
      this.#timers.delete(key);
    }
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#pending.has(key)) return;
    this.#pending.add(key);
    this.#order.push(key);
    this.#pump();
  }

  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    if (this.#pending.has(key)) return;
    const at = Date.now() + ms;
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.#timers.set(key, { at, timer });
  }

  /** Keys queued or running (delayed ones aside). */
  get length(): number {
    return this.#pending.size + this.#running.size;
  }

  /** Keys waiting for a delayed add. */
  get delayed(): number {
    return this.#timers.size;
  }

  /** Consecutive failures of a key (0 once it succeeds). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  isRunning(key: string): boolean {
    return this.#running.has(key);
  }

  /** Starts processing a paused queue. */
  start(): void {
    this.#paused = false;
    this.#pump();
  }

  #next(): string | undefined {
    while (this.#head < this.#order.length) {
      const key = this.#order[this.#head++] as string;
      if (this.#pending.has(key) && !this.#running.has(key)) return key;
    }
    this.#order = [];
    this.#head = 0;
    return undefined;
  }

  #pump(): void {
    while (!this.#stopped && !this.#paused && this.#running.size < this.#concurrency) {
      const key = this.#next();
      if (key === undefined) break;
      this.#pending.delete(key);
      this.#running.add(key);
      void this.#process(key);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
    if (this.#running.size === 0 && (this.#pending.size === 0 || this.#stopped)) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  #backoff(failures: number): number {
    const base = this.#options.baseBackoffMs ?? 100;
    const max = this.#options.maxBackoffMs ?? 30_000;
    const delay = Math.min(base * 2 ** Math.min(failures - 1, 30), max);
    const jitter = this.#options.jitter ?? 0;
    return jitter > 0 ? delay * (1 - jitter + Math.random() * 2 * jitter) : delay;
  }

  async #process(key: string): Promise<void> {
    let requeueAfter: number | undefined;
    try {
      const result = await this.#handler(key);
      this.#failures.delete(key);
      requeueAfter = result?.requeueAfterMs;
    } catch (err) {
      if (err instanceof Requeue) {
        this.#failures.delete(key);
        requeueAfter = err.afterMs;
      } else {
        const n = (this.#failures.get(key) ?? 0) + 1;
        this.#failures.set(key, n);
        requeueAfter = this.#backoff(n);
        const { logger, name, onError } = this.#options;
        logger?.warn(
          {
            queue: name,
            key,
            err: (err as Error)?.message ?? String(err),
            retryInMs: requeueAfter,
          },
          'reconcile failed',
        );
        onError?.(key, err, n);
      }
    } finally {
      this.#running.delete(key);
    }
    if (this.#dirty.delete(key)) {
      // Changed while it ran: right away, unless it is failing (then keep backing off).
      if (this.#failures.has(key) && requeueAfter !== undefined) this.addAfter(key, requeueAfter);
      else this.add(key);
    } else if (requeueAfter !== undefined) this.addAfter(key, requeueAfter);
    this.#pump();
  }

  /** Resolves when nothing is queued or running (delayed adds aside). */
  idle(): Promise<void> {
    if (this.#running.size === 0 && this.#pending.size === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  /** Stops taking work: queued and delayed keys are dropped, running ones finish. */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers.values()) clearTimeout(t.timer);
    this.#timers.clear();
    this.#pending.clear();
    this.#order = [];
    this.#head = 0;
    this.#dirty.clear();
    this.#pump();
  }
}
