/**
 * One watcher: replays history lazily from its backend, then delivers live events from a
 * bounded queue. Writers only ever append to the queue; a watcher whose queue overflows is
 * failed with Expired, so a slow consumer costs memory up to its bound and nothing more.
 */
import { StoreError } from '../errors.ts';
import type { WatchEvent, Watcher } from '../store.ts';

/** Pulls history in chunks; returns undefined once the history is exhausted. */
export type ReplaySource = () => WatchEvent[] | undefined;

export const DEFAULT_WATCH_BUFFER = 10_000;

export class QueueWatcher implements Watcher {
  readonly prefix: string;
  private readonly bufferSize: number;
  private readonly onClose: (watcher: QueueWatcher) => void;
  private readonly after: number;
  private replay: ReplaySource | undefined;
  private replayed: WatchEvent[] = [];
  private replayHead = 0;
  private queue: WatchEvent[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private error: StoreError | undefined;
  private done = false;

  constructor(
    prefix: string,
    bufferSize: number,
    replay: ReplaySource | undefined,
    onClose: (watcher: QueueWatcher) => void,
    after = 0,
  ) {
    this.prefix = prefix;
    this.bufferSize = bufferSize;
    this.replay = replay;
    this.onClose = onClose;
    this.after = after;
  }

  /**
   * Called by the broadcaster, synchronously after a commit. Never blocks. Events at or
   * before the watch's start revision are dropped: a watch may start from a revision the
   * store has not published yet (one a list read from a backend that is further along).
   */
  push(event: WatchEvent): void {
    if (this.done || event.revision <= this.after) return;
    if (this.queue.length - this.head >= this.bufferSize) {
      this.fail(
        new StoreError(
          'Expired',
          `watcher fell more than ${this.bufferSize} events behind; list again and resume`,
        ),
      );
      return;
    }
    this.queue.push(event);
    this.notify();
  }

  /** Ends the watch with an error the consumer sees after the events before it. */
  fail(error: StoreError): void {
    if (this.done) return;
    this.error = error;
    this.finish();
  }

  close(): void {
    this.finish();
  }

  get closed(): boolean {
    return this.done;
  }

  get idle(): boolean {
    return (
      this.replay === undefined &&
      this.replayHead >= this.replayed.length &&
      this.head >= this.queue.length
    );
  }

  poll(): WatchEvent | undefined {
    if (this.replayHead < this.replayed.length) return this.replayed[this.replayHead++];
    if (this.replay) {
      const chunk = this.done ? undefined : this.replay();
      if (chunk) {
        this.replayed = chunk;
        this.replayHead = 1;
        return chunk[0];
      }
      if (this.done) {
        // Ended before the history was replayed: the live events queued behind it would
        // follow a gap, so they are dropped too and only the error (if any) is left.
        this.queue = [];
        this.head = 0;
      }
      this.replay = undefined;
      this.replayed = [];
      this.replayHead = 0;
    }
    if (this.head < this.queue.length) {
      const event = this.queue[this.head++];
      if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      return event;
    }
    if (this.error) {
      const error = this.error;
      this.error = undefined;
      throw error;
    }
    return undefined;
  }

  ready(): Promise<void> {
    if (this.done || !this.idle) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.onClose(this);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    try {
      for (;;) {
        const event = this.poll();
        if (event) {
          yield event;
          continue;
        }
        if (this.done) return;
        await this.ready();
      }
    } finally {
      this.close();
    }
  }
}
