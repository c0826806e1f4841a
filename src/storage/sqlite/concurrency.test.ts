import { describe, expect, it } from 'vitest';
import { isStoreError } from '../errors.ts';
import type { WatchEvent } from '../store.ts';
import { SqliteStore } from './sqlite-store.ts';

describe('concurrent writers', () => {
  it('serialise to a history where every increment counts and no revision repeats', async () => {
    const store = SqliteStore.open(':memory:', { compaction: false });
    const keys = ['/c/k/0', '/c/k/1', '/c/k/2', '/c/k/3', '/c/k/4'];
    for (const key of keys) await store.create(key, '0');
    const start = await store.currentRevision();
    const history = store.watch('/c/', { fromRevision: start });

    const writers = 50;
    const incrementsPerWriter = 40;
    let conflicts = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < incrementsPerWriter; i++) {
          const key = keys[(w + i) % keys.length] as string;
          for (;;) {
            const kv = await store.get(key);
            try {
              await store.update(key, String(Number(kv?.value) + 1), kv?.revision ?? 0);
              break;
            } catch (err) {
              if (!isStoreError(err, 'Conflict')) throw err;
              conflicts++;
            }
          }
        }
      }),
    );

    const total = writers * incrementsPerWriter;
    const final = await store.list('/c/');
    expect(final.items.reduce((sum, kv) => sum + Number(kv.value), 0)).toBe(total);
    // Racing writers did conflict, and the conflicts were retried, not lost.
    expect(conflicts).toBeGreaterThan(0);

    const events: WatchEvent[] = [];
    for await (const e of history) {
      events.push(e);
      if (events.length === total) break;
    }
    const revisions = events.map((e) => e.revision);
    expect(new Set(revisions).size).toBe(total);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(revisions[0]).toBe(start + 1);
    expect(revisions.at(-1)).toBe(start + total);
    // The history is serial: each write is exactly one more than the value it replaced.
    for (const e of events) {
      expect(e.type).toBe('MODIFIED');
      expect(Number(e.value)).toBe(Number(e.prevValue) + 1);
    }
    await store.close();
  });
});
