/**
 * A controller work queue (client-go's rate-limited queue): keys are deduplicated, one key
 * is never processed twice at once (a key added while it runs is processed again
 * afterwards), delayed re-adds keep the earliest time, and failures back off
 * exponentially per key (with jitter, capped) until the key succeeds.
 */

export interface QueueResult {
  /** Process the key again after this long (a wait for something to happen). */
  readonly requeueAfterMs?: number;
}

export type Handler = (key: string) => Promise<QueueResult | undefined>;

export interface WorkQueueOptions {
  readonly concurrency?: number;
  readonly onError?: (key: string, err: unknown, failures: number) => void;
  /** Collect keys without processing them until start() (e.g. until caches are synced). */
  readonly paused?: boolean;
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export class WorkQueue {
  readonly #handler: Handler;
  readonly #concurrency: number;
  readonly #onError: (key: string, err: unknown, failures: number) => void;
  readonly #base: number;
  readonly #max: number;
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
    this.#concurrency = options.concurrency ?? 4;
    this.#onError = options.onError ?? (() => undefined);
    this.#paused = options.paused ?? false;
    this.#base = options.baseBackoffMs ?? 250;
    this.#max = options.maxBackoffMs ?? 60_000;
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

  /** Keys queued or running (timers aside). */
  get length(): number {
    return this.#pending.size + this.#running.size;
  }

  /** Keys waiting for a delayed retry. */
  get delayed(): number {
    return this.#timers.size;
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

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

  async #process(key: string): Promise<void> {
    let requeueAfter: number | undefined;
    try {
      const result = await this.#handler(key);
      this.#failures.delete(key);
      requeueAfter = result ? result.requeueAfterMs : undefined;
    } catch (err) {
      const n = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, n);
      this.#onError(key, err, n);
      const delay = Math.min(this.#base * 2 ** Math.min(n - 1, 20), this.#max);
      requeueAfter = delay * (0.8 + Math.random() * 0.4);
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

  /** Resolves when nothing is queued or running (delayed retries aside). */
  idle(): Promise<void> {
    if (this.#running.size === 0 && this.#pending.size === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  /** Stops taking work: queued keys are dropped, running ones finish. */
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
