import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeConformance } from '../store-conformance.ts';
import { SqliteStore } from './sqlite-store.ts';

storeConformance('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-store-'));
  const open = async () => SqliteStore.open(join(dir, 'store.db'), { compaction: false });
  return { open, reopen: open, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('the SQLite store', () => {
  let dir: string;
  let store: SqliteStore;
  const open = () => SqliteStore.open(join(dir, 'store.db'), { compaction: false });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-store-'));
    store = open();
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts revisions from 1 in a new database', async () => {
    expect(await store.currentRevision()).toBe(0);
    expect((await store.create('/k/a', 'v')).revision).toBe(1);
  });

  it('refuses a second process-level open of the same database', () => {
    expect(() => open()).toThrow(/in use by another process/);
  });

  it('is always fresh and healthy while open, and says so once closed', async () => {
    await store.fresh();
    expect(await store.health()).toBeUndefined();
    await store.close();
    await expect(store.fresh()).rejects.toMatchObject({ code: 'Closed' });
    expect(await store.health()).toMatch(/closed/);
    store = open();
  });
});

describe('the SQLite store syncs each commit off the event loop', () => {
  let dir: string;
  let store: SqliteStore;
  /** Syncs asked for and not answered yet. */
  let held: { resolve: () => void; reject: (err: Error) => void }[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-store-'));
    held = [];
    store = SqliteStore.open(join(dir, 'store.db'), {
      compaction: false,
      syncFile: () => new Promise((resolve, reject) => held.push({ resolve, reject })),
    });
  });

  afterEach(async () => {
    // Syncs asked for while closing (the writes it lets finish) are answered too.
    const answer = setInterval(() => {
      for (const h of held.splice(0)) h.resolve();
    }, 1);
    await store.close();
    clearInterval(answer);
    rmSync(dir, { recursive: true, force: true });
  });

  const syncAsked = async (n: number) => {
    for (let i = 0; i < 1000 && held.length < n; i++) await new Promise((r) => setImmediate(r));
    expect(held).toHaveLength(n);
  };

  it('acknowledges, shows and publishes a write only once its commit is synced', async () => {
    const first = store.create('/k/a', 'v1');
    await syncAsked(1);
    held.shift()?.resolve();
    const v1 = await first;
    const watcher = store.watch('/k/', { fromRevision: v1.revision });
    const events: string[] = [];
    void (async () => {
      for await (const e of watcher) events.push(`${e.type} ${e.value}`);
    })().catch(() => {});

    let acknowledged = false;
    const second = store.update('/k/a', 'v2', v1.revision).then((kv) => {
      acknowledged = true;
      return kv;
    });
    await syncAsked(1);
    // Committed, not synced: nobody sees it yet.
    expect(acknowledged).toBe(false);
    expect((await store.get('/k/a'))?.value).toBe('v1');
    expect((await store.list('/k/')).items.map((kv) => kv.value)).toEqual(['v1']);
    expect(await store.currentRevision()).toBe(v1.revision);
    expect(events).toEqual([]);

    held.shift()?.resolve();
    const v2 = await second;
    expect(v2.revision).toBe(v1.revision + 1);
    expect((await store.get('/k/a'))?.value).toBe('v2');
    expect(await store.currentRevision()).toBe(v2.revision);
    for (let i = 0; i < 10 && events.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['MODIFIED v2']);
  });

  it('commits the writes that came during a sync as one group, with one sync', async () => {
    const first = store.create('/k/first', 'v');
    await syncAsked(1);
    const rest = ['b', 'c', 'd'].map((k) => store.create(`/k/${k}`, 'v'));
    // Still one sync: the others wait for it.
    await new Promise((r) => setImmediate(r));
    expect(held).toHaveLength(1);
    held.shift()?.resolve();
    await first;
    await syncAsked(1);
    held.shift()?.resolve();
    expect((await Promise.all(rest)).map((kv) => kv.revision)).toEqual([2, 3, 4]);
  });

  it('acknowledges nothing once a sync failed, and refuses writes after it', async () => {
    const write = store.create('/k/a', 'v');
    await syncAsked(1);
    const queued = store.create('/k/b', 'v');
    held.shift()?.reject(new Error('EIO'));
    await expect(write).rejects.toThrow(/failed to sync: EIO/);
    await expect(queued).rejects.toThrow(/failed to sync: EIO/);
    await expect(store.create('/k/c', 'v')).rejects.toThrow(/failed to sync/);
    expect(await store.get('/k/a')).toBeUndefined();
  });
});
