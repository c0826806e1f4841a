import { describe, expect, it } from 'vitest';
import type { Logger } from '../logging/logger.ts';
import { Requeue, WorkQueue } from './work-queue.ts';

const sleep = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('work queue', () => {
  it('deduplicates and never runs one key twice at once', async () => {
    const runs: string[] = [];
    let active = 0;
    let maxActive = 0;
    const q = new WorkQueue(async (key) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(key);
      await sleep(20);
      active--;
      return {};
    });
    q.add('a');
    q.add('a');
    await sleep();
    q.add('a'); // while running: runs again afterwards, once
    q.add('a');
    await q.idle();
    await sleep(30);
    await q.idle();
    expect(runs).toEqual(['a', 'a']);
    expect(maxActive).toBe(1);
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
        await sleep(20);
        running--;
        return undefined;
      },
      { concurrency: 4 },
    );
    q.add('a');
    q.add('a');
    q.add('b');
    await sleep(5);
    q.add('a'); // while a runs: once more afterwards
    await sleep(80);
    await q.idle();
    expect(seen.sort()).toEqual(['a', 'a', 'b']);
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
    await sleep(50);
    await q.idle();
    expect(runs.sort()).toEqual(['a', 'b', 'b']);
  });

  it('requeues after the time a handler asks for, earliest time wins', async () => {
    let n = 0;
    const q = new WorkQueue(async () => {
      n++;
      return n === 1 ? { requeueAfterMs: 30 } : undefined;
    });
    q.add('k');
    await sleep(10);
    expect(n).toBe(1);
    await sleep(60);
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
    await sleep(60);
    expect(n).toBe(1);
    q.addAfter('k', 30);
    q.add('k');
    expect(q.delayed).toBe(0);
    await q.idle();
    await sleep(60);
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
    q.add('k');
    await sleep(120);
    expect(runs).toHaveLength(3);
    expect((runs[1] as number) - (runs[0] as number)).toBeGreaterThanOrEqual(15);
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
    q.add('x');
    await sleep(700);
    expect(errors).toEqual(['boom']);
    expect(times).toHaveLength(2);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(450);
    q.stop();
  });

  it('backs off exponentially per failing key and resets on success', async () => {
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
    await sleep(400);
    expect(errors).toEqual([1, 2, 3]);
    expect(times.length).toBe(4);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps[1] as number).toBeGreaterThan((gaps[0] as number) * 1.3);
    expect(q.failures('k')).toBe(0);
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
    q.add('k');
    await sleep(150);
    expect(times).toHaveLength(2);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(45);
    q.stop();
  });

  it('logs failures with the queue name when given a logger', async () => {
    const warned: Array<Record<string, unknown>> = [];
    const logger = {
      warn: (fields: Record<string, unknown>, msg: string) => warned.push({ ...fields, msg }),
    } as unknown as Logger;
    let n = 0;
    const q = new WorkQueue(
      async () => {
        if (n++ === 0) throw new Error('boom');
        return undefined;
      },
      { name: 'things', logger, baseBackoffMs: 10 },
    );
    q.add('k');
    await sleep(60);
    expect(warned).toEqual([
      { queue: 'things', key: 'k', err: 'boom', retryInMs: 10, msg: 'reconcile failed' },
    ]);
    expect(n).toBe(2);
    q.stop();
  });

  it('holds keys while paused', async () => {
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
    await sleep(20);
    expect(runs).toEqual([]);
    q.start();
    await q.idle();
    expect(runs).toEqual(['a', 'b']);
  });

  it('collects keys while paused', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        seen.push(k);
        return undefined;
      },
      { paused: true },
    );
    q.add('a');
    await sleep(10);
    expect(seen).toEqual([]);
    q.start();
    await q.idle();
    expect(seen).toEqual(['a']);
    q.stop();
  });

  it('stops: queued and delayed keys are dropped, a running one finishes', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(async (k) => {
      seen.push(k);
      await sleep(20);
      return undefined;
    });
    q.add('a');
    q.add('b');
    q.addAfter('c', 10);
    await sleep(5);
    q.stop();
    await q.idle();
    q.add('d');
    await sleep(40);
    expect(seen).toEqual(['a']);
    expect(q.length).toBe(0);
    expect(q.delayed).toBe(0);
  });
});
