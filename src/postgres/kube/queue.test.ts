import { describe, expect, it } from 'vitest';
import { WorkQueue } from './queue.ts';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('work queue', () => {
  it('deduplicates and never runs one key twice at once', async () => {
    const runs: string[] = [];
    let active = 0;
    let maxActive = 0;
    const q = new WorkQueue(async (key) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(key);
      await tick(20);
      active--;
      return {};
    });
    q.add('a');
    q.add('a');
    await tick();
    q.add('a'); // while running: runs again afterwards, once
    q.add('a');
    await q.idle();
    await tick(30);
    await q.idle();
    expect(runs).toEqual(['a', 'a']);
    expect(maxActive).toBe(1);
  });

  it('runs different keys concurrently and requeues on request', async () => {
    const runs: string[] = [];
    let first = true;
    const q = new WorkQueue(async (key) => {
      runs.push(key);
      if (key === 'b' && first) {
        first = false;
        return { requeueAfterMs: 10 };
      }
      return {};
    });
    q.add('a');
    q.add('b');
    await tick(50);
    await q.idle();
    expect(runs.sort()).toEqual(['a', 'b', 'b']);
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
      { onError: (_k, e) => errors.push((e as Error).message) },
    );
    q.add('x');
    await tick(700);
    expect(errors).toEqual(['boom']);
    expect(times).toHaveLength(2);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(450);
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
    await tick(20);
    expect(runs).toEqual([]);
    q.start();
    await q.idle();
    expect(runs).toEqual(['a', 'b']);
  });
});
