/**
 * A controller work queue: keys are deduplicated, one key is never processed twice at
 * once (a key added while it runs is processed again afterwards), delayed re-adds keep
 * the earliest time, and failures back off exponentially per key.
 */

export interface QueueResult {
  /** Process the key again after this long (a periodic check or a wait). */
  readonly requeueAfterMs?: number;
}

export type Handler = (key: string) => Promise<QueueResult | undefined>;

export class WorkQueue {
  readonly #handler: Handler;
  readonly #concurrency: number;
  readonly #onError: (key: string, err: unknown) => void;
  readonly #pending = new Set<string>();
  readonly #order: string[] = [];
  readonly #running = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #failures = new Map<string, number>();
  #stopped = false;
  #paused: boolean;
  #idleWaiters: (() => void)[] = [];

  constructor(
    handler: Handler,
    options: {
      concurrency?: number;
      onError?: (key: string, err: unknown) => void;
      /** Collect keys without processing them until start() (e.g. until caches are synced). */
      paused?: boolean;
    } = {},
  ) {
    this.#paused = options.paused ?? false;
    this.#handler = handler;
    this.#concurrency = options.concurrency ?? 4;
    this.#onError = options.onError ?? (() => undefined);
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

  get length(): number {
    return this.#pending.size + this.#running.size;
  }

  isRunning(key: string): boolean {
    return this.#running.has(key);
  }

  /** Starts processing a paused queue. */
  start(): void {
    this.#paused = false;
    this.#pump();
  }

  #pump(): void {
    while (!this.#stopped && !this.#paused && this.#running.size < this.#concurrency) {
      const index = this.#order.findIndex((k) => !this.#running.has(k));
      if (index < 0) break;
      const key = this.#order.splice(index, 1)[0] as string;
      this.#pending.delete(key);
      this.#running.add(key);
      void this.#process(key);
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
      requeueAfter = result?.requeueAfterMs;
    } catch (err) {
      const n = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, n);
      this.#onError(key, err);
      requeueAfter = Math.min(500 * 2 ** (n - 1), 30_000);
    } finally {
      this.#running.delete(key);
    }
    if (this.#dirty.delete(key)) this.add(key);
    else if (requeueAfter !== undefined) this.addAfter(key, requeueAfter);
    this.#pump();
  }

  /** Resolves when nothing is queued or running (timers aside). */
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
    this.#order.length = 0;
    this.#dirty.clear();
    this.#pump();
  }
}
