import { describe, expect, it } from 'vitest';
import { WorkQueue } from './queue.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('work queue', () => {
  it('deduplicates keys and never runs one key twice at once', async () => {
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

  it('backs off exponentially per failing key and resets on success', async () => {
    const times: number[] = [];
    const errors: number[] = [];
    const q = new WorkQueue(
      async () => {
        times.push(Date.now());
        if (times.length < 4) throw new Error('boom');
        return undefined;
      },
      { baseBackoffMs: 20, onError: (_k, _e, n) => errors.push(n) },
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
});
