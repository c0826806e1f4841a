/**
 * The recent history of the etcd store's one watch, in memory: every event after `start`
 * in revision order, bounded in bytes (the oldest go first and `start` moves up). A watch
 * that begins in the past replays from here, as kube-apiserver's watch cache serves it;
 * a start before the window fails Expired and the client lists again.
 */
import type { WatchEvent } from '../store.ts';

/** What an event costs beyond its strings. */
const EVENT_OVERHEAD = 120;

const sizeOf = (e: WatchEvent) =>
  EVENT_OVERHEAD + e.key.length + e.value.length + (e.prevValue?.length ?? 0);

/** A position in the window that survives eviction of what lies before it. */
export type Cursor = number;

export class EventWindow {
  private events: WatchEvent[] = [];
  /** Index in `events` of the oldest event held. */
  private head = 0;
  /** Cursor of events[head]: cursors count every event ever appended. */
  private base = 0;
  private bytes = 0;
  private startRevision: number;
  private readonly maxBytes: number;

  constructor(maxBytes: number, start: number) {
    this.maxBytes = maxBytes;
    this.startRevision = start;
  }

  /** Every event with a revision above this one is held. */
  get start(): number {
    return this.startRevision;
  }

  get size(): number {
    return this.bytes;
  }

  /** Forgets everything: history resumes after `start` (the watch was restarted there). */
  reset(start: number): void {
    this.base += this.events.length - this.head;
    this.events = [];
    this.head = 0;
    this.bytes = 0;
    this.startRevision = start;
  }

  append(event: WatchEvent): void {
    this.events.push(event);
    this.bytes += sizeOf(event);
    while (this.bytes > this.maxBytes && this.head < this.events.length - 1) {
      const old = this.events[this.head] as WatchEvent;
      this.bytes -= sizeOf(old);
      this.startRevision = old.revision;
      this.head++;
      this.base++;
    }
    if (this.head >= 4096 && this.head * 2 >= this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  /** The cursor of the first event after `revision` (which must be at or after `start`). */
  after(revision: number): Cursor {
    let lo = this.head;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.events[mid] as WatchEvent).revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return this.base + (lo - this.head);
  }

  /**
   * Up to `max` events under `prefix` from `cursor` on, none past `until`; `next` is where
   * to go on. Undefined when the events at `cursor` were evicted (the reader fell behind).
   */
  read(
    cursor: Cursor,
    prefix: string,
    until: number,
    max: number,
  ): { events: WatchEvent[]; next: Cursor; done: boolean } | undefined {
    if (cursor < this.base) return undefined;
    const out: WatchEvent[] = [];
    let i = this.head + (cursor - this.base);
    for (; i < this.events.length && out.length < max; i++) {
      const e = this.events[i] as WatchEvent;
      if (e.revision > until) return { events: out, next: this.base + (i - this.head), done: true };
      if (e.key.startsWith(prefix)) out.push(e);
    }
    const done = i >= this.events.length;
    return { events: out, next: this.base + (i - this.head), done };
  }
}
