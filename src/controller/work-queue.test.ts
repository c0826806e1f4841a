import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordingLogger } from '../logging/logger.ts';
import { Requeue, WorkQueue } from './work-queue.ts';

// The queue's delays run on vitest's fake clock (setTimeout and Date), so each test says
// exactly what has happened after how long, whatever the machine's load.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A handler's own work taking `ms` on the fake clock. */
const work = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Moves the fake clock on by `ms`, running the timers and promises due on the way. */
const elapse = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('work queue', () => {
  it('deduplicates and never runs one key twice at once', async () => {
    const runs: string[] = [];
    let active = 0;
    let maxActive = 0;
    const q = new WorkQueue(async (key) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(key);
      await work(20);
      active--;
      return {};
    });
    q.add('a');
    q.add('a');
    await elapse(5);
    expect(runs).toEqual(['a']);
    q.add('a'); // while running: runs again afterwards, once
    q.add('a');
    await elapse(15);
    expect(runs).toEqual(['a', 'a']);
    await elapse(100);
    expect(runs).toEqual(['a', 'a']);
    expect(maxActive).toBe(1);
    expect(q.length).toBe(0);
  });

  it('deduplicates keys and runs different keys concurrently', async () => {
    const seen: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const q = new WorkQueue(
      async (key) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        seen.push(key);
        await work(20);
        running--;
        return undefined;
      },
      { concurrency: 4 },
    );
    q.add('a');
    q.add('a');
    q.add('b');
    await elapse(5);
    expect(seen).toEqual(['a', 'b']);
    q.add('a'); // while a runs: once more afterwards
    await elapse(100);
    expect(seen).toEqual(['a', 'b', 'a']);
    expect(maxRunning).toBe(2);
    q.stop();
  });

  it('runs different keys concurrently and requeues on request', async () => {
    const runs: string[] = [];
    let first = true;
    const q = new WorkQueue(
      async (key) => {
        runs.push(key);
        if (key === 'b' && first) {
          first = false;
          return { requeueAfterMs: 10 };
        }
        return {};
      },
      { concurrency: 4 },
    );
    q.add('a');
    q.add('b');
    await elapse(9);
    expect(runs).toEqual(['a', 'b']);
    expect(q.delayed).toBe(1);
    await elapse(1);
    expect(runs).toEqual(['a', 'b', 'b']);
    expect(q.delayed).toBe(0);
  });

  it('requeues after the time a handler asks for', async () => {
    let n = 0;
    const q = new WorkQueue(async () => {
      n++;
      return n === 1 ? { requeueAfterMs: 30 } : undefined;
    });
    q.add('k');
    await elapse(29);
    expect(n).toBe(1);
    await elapse(1);
    expect(n).toBe(2);
    await elapse(100);
    expect(n).toBe(2);
    q.stop();
  });

  it('keeps the earliest delayed add, and an add supersedes a delayed one', async () => {
    let n = 0;
    const q = new WorkQueue(async () => {
      n++;
      return undefined;
    });
    q.addAfter('k', 200);
    q.addAfter('k', 20);
    q.addAfter('k', 100);
    expect(q.delayed).toBe(1);
    await elapse(19);
    expect(n).toBe(0);
    await elapse(1);
    expect(n).toBe(1);
    await elapse(300); // the later delays were dropped
    expect(n).toBe(1);
    q.addAfter('k', 30);
    q.add('k');
    expect(q.delayed).toBe(0);
    await elapse(0);
    expect(n).toBe(2);
    await elapse(100);
    expect(n).toBe(2);
    q.stop();
  });

  it('requeues on a returned or thrown Requeue without counting a failure', async () => {
    const runs: number[] = [];
    const errors: unknown[] = [];
    const q = new WorkQueue(
      async () => {
        runs.push(Date.now());
        if (runs.length === 1) return new Requeue(20);
        if (runs.length === 2) throw new Requeue(20);
        return undefined;
      },
      { onError: (_k, e) => errors.push(e) },
    );
    const start = Date.now();
    q.add('k');
    await elapse(100);
    expect(runs.map((t) => t - start)).toEqual([0, 20, 40]);
    expect(errors).toEqual([]);
    expect(q.failures('k')).toBe(0);
    q.stop();
  });

  it('backs off after failures', async () => {
    const times: number[] = [];
    const errors: string[] = [];
    const q = new WorkQueue(
      async () => {
        times.push(Date.now());
        if (times.length < 2) throw new Error('boom');
        return {};
      },
      { baseBackoffMs: 500, onError: (_k, e) => errors.push((e as Error).message) },
    );
    const start = Date.now();
    q.add('x');
    await elapse(499);
    expect(times.map((t) => t - start)).toEqual([0]);
    expect(q.failures('x')).toBe(1);
    await elapse(1);
    expect(times.map((t) => t - start)).toEqual([0, 500]);
    expect(errors).toEqual(['boom']);
    expect(q.failures('x')).toBe(0);
    q.stop();
  });

  it('backs off exponentially per failing key, within its jitter, and resets on success', async () => {
    const times: number[] = [];
    const errors: number[] = [];
    const q = new WorkQueue(
      async () => {
        times.push(Date.now());
        if (times.length < 4) throw new Error('boom');
        return undefined;
      },
      { baseBackoffMs: 20, jitter: 0.2, onError: (_k, _e, n) => errors.push(n) },
    );
    q.add('k');
    await elapse(1_000);
    expect(errors).toEqual([1, 2, 3]);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    // 20, 40 and 80 ms, each ±20 % (the fake clock counts whole milliseconds).
    [20, 40, 80].forEach((delay, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(Math.floor(delay * 0.8));
      expect(gaps[i]).toBeLessThanOrEqual(Math.ceil(delay * 1.2));
    });
    expect(q.failures('k')).toBe(0);
    q.stop();
  });

  it('caps the backoff', async () => {
    let n = 0;
    const q = new WorkQueue(
      async () => {
        n++;
        throw new Error('boom');
      },
      { baseBackoffMs: 100, maxBackoffMs: 250 },
    );
    q.add('k');
    await elapse(100 + 200); // the first two retries: 100, 200
    expect(n).toBe(3);
    await elapse(249); // then 250, not 400
    expect(n).toBe(3);
    await elapse(1);
    expect(n).toBe(4);
    await elapse(250);
    expect(n).toBe(5);
    q.stop();
  });

  it('keeps backing off a failing key that changed while it ran', async () => {
    const times: number[] = [];
    const q = new WorkQueue(
      async () => {
        times.push(Date.now());
        if (times.length === 1) {
          q.add('k'); // a change arrives while the failing run is in flight
          throw new Error('boom');
        }
        return undefined;
      },
      { baseBackoffMs: 50 },
    );
    const start = Date.now();
    q.add('k');
    await elapse(200);
    expect(times.map((t) => t - start)).toEqual([0, 50]);
    q.stop();
  });

  it('logs failures with the queue name when given a logger', async () => {
    const { logger, entries } = recordingLogger();
    let n = 0;
    const q = new WorkQueue(
      async () => {
        if (n++ === 0) throw new Error('boom');
        return undefined;
      },
      { name: 'things', logger, baseBackoffMs: 10 },
    );
    q.add('k');
    await elapse(10);
    expect(entries).toEqual([
      {
        level: 'WARN',
        queue: 'things',
        key: 'k',
        err: 'boom',
        retryInMs: 10,
        msg: 'reconcile failed',
      },
    ]);
    expect(n).toBe(2);
    q.stop();
  });

  it('holds keys while paused, then runs them in order', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(
      async (key) => {
        runs.push(key);
        return {};
      },
      { paused: true },
    );
    q.add('a');
    q.add('b');
    q.add('a');
    await elapse(1_000);
    expect(runs).toEqual([]);
    expect(q.length).toBe(2);
    q.start();
    await q.idle();
    expect(runs).toEqual(['a', 'b']);
    q.stop();
  });

  it('stops: queued and delayed keys are dropped, a running one finishes', async () => {
    const seen: string[] = [];
    const finished: string[] = [];
    const q = new WorkQueue(async (k) => {
      seen.push(k);
      await work(20);
      finished.push(k);
      return undefined;
    });
    q.add('a');
    q.add('b');
    q.addAfter('c', 10);
    await elapse(5);
    q.stop();
    expect(q.delayed).toBe(0);
    q.add('d');
    await elapse(100);
    expect(seen).toEqual(['a']);
    expect(finished).toEqual(['a']);
    expect(q.length).toBe(0);
    await q.idle();
  });
});
