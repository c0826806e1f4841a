/**
 * A keyed work queue (client-go's workqueue): a key is processed by one worker at a time,
 * a key added again while queued is queued once, a key added while being processed runs
 * again afterwards, and failures retry with exponential backoff.
 */
import type { Logger } from '../cli/log.ts';

export interface WorkQueueOptions {
  readonly name: string;
  readonly logger: Logger;
  readonly concurrency?: number;
  /** First retry delay; doubles per failure up to `maxBackoffMs`. */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** Thrown (or returned as a result) to ask for a later retry without logging an error. */
export class Requeue {
  readonly afterMs: number;
  constructor(afterMs: number) {
    this.afterMs = afterMs;
  }
}

export class WorkQueue {
  private readonly handler: (key: string) => Promise<Requeue | undefined>;
  private readonly options: WorkQueueOptions;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private active = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(handler: (key: string) => Promise<Requeue | undefined>, options: WorkQueueOptions) {
    this.handler = handler;
    this.options = options;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 1;
    while (!this.stopped && this.active < concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      const result = await this.handler(key);
      if (result instanceof Requeue) this.addAfter(key, result.afterMs);
      else this.failures.delete(key);
    } catch (err) {
      if (err instanceof Requeue) {
        this.addAfter(key, err.afterMs);
      } else {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        const base = this.options.baseBackoffMs ?? 100;
        const delay = Math.min(base * 2 ** (n - 1), this.options.maxBackoffMs ?? 30_000);
        this.options.logger.warn(
          { queue: this.options.name, key, err: (err as Error).message, retryInMs: delay },
          'reconcile failed',
        );
        this.addAfter(key, delay);
      }
    } finally {
      this.processing.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      if (this.active === 0 && this.queue.length === 0) {
        for (const w of this.idleWaiters.splice(0)) w();
      }
    }
  }

  /** Resolves when nothing is queued or running (tests). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
