/**
 * The Store contract as tests. Each backend's test file calls `storeConformance` with a
 * way to open a fresh store and to open it again on the same data, so both backends
 * (SQLite, etcd) pass the same suite. Revisions are counted from the store's revision
 * when the test starts: an etcd shared by several tests is already further along.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreError, StoreError } from './errors.ts';
import type { Store, WatchEvent, Watcher } from './store.ts';

/** A store as the suite drives it: the contract plus its count of live watchers. */
export type TestStore = Store & { readonly watcherCount: number };

export interface ConformanceBackend {
  /** A new, empty store. */
  open(): Promise<TestStore>;
  /** The store of the last `open()` again, after it was closed. */
  reopen(): Promise<TestStore>;
  /** Removes what `open()` made, after the store was closed. */
  cleanup(): Promise<void>;
}

async function expectCode(p: Promise<unknown>, code: StoreError['code']) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe(code);
}

/** Reads `n` events from a watcher, or fails after a while. */
async function take(watcher: Watcher, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  if (n === 0) return out;
  const it = watcher[Symbol.asyncIterator]();
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

export function storeConformance(name: string, makeBackend: () => ConformanceBackend): void {
  describe(`the Store contract (${name})`, () => {
    let backend: ConformanceBackend;
    let store: TestStore;
    /** The store's revision when the test started. */
    let base: number;
    const r = (n: number) => base + n;

    beforeEach(async () => {
      backend = makeBackend();
      store = await backend.open();
      base = await store.currentRevision();
    });

    afterEach(async () => {
      await store.close();
      await backend.cleanup();
    });

    describe('create', () => {
      it('assigns increasing revisions and returns the value', async () => {
        const a = await store.create('/core/configmaps/-/root/default/a', '{"a":1}');
        const b = await store.create('/core/configmaps/-/root/default/b', '{"b":1}');
        expect(a).toEqual({
          key: '/core/configmaps/-/root/default/a',
          value: '{"a":1}',
          revision: r(1),
          createRevision: r(1),
        });
        expect(b.revision).toBe(r(2));
        expect(await store.currentRevision()).toBe(r(2));
      });

      it('fails AlreadyExists on an existing key and writes nothing', async () => {
        await store.create('/k/a', 'v1');
        await expectCode(store.create('/k/a', 'v2'), 'AlreadyExists');
        expect((await store.get('/k/a'))?.value).toBe('v1');
        expect(await store.currentRevision()).toBe(r(1));
      });

      it('can create a key again after it was deleted, with a new createRevision', async () => {
        const a = await store.create('/k/a', 'v1');
        await store.delete('/k/a', a.revision);
        const again = await store.create('/k/a', 'v2');
        expect(again.createRevision).toBe(r(3));
        expect((await store.get('/k/a'))?.value).toBe('v2');
      });

      it.each([
        ['', 'empty'],
        ['no-slash', 'relative'],
        ['/a//b', 'empty segment'],
        ['/a b', 'space'],
        ['/caf\u00e9', 'non-ASCII'],
        [`/${'x'.repeat(3000)}`, 'too long'],
      ])('rejects the invalid key %j (%s)', async (key) => {
        await expectCode(store.create(key, 'v'), 'InvalidKey');
        await expectCode(store.get(key), 'InvalidKey');
      });
    });

    describe('update', () => {
      it('replaces the value when the expected revision matches', async () => {
        const a = await store.create('/k/a', 'v1');
        const b = await store.update('/k/a', 'v2', a.revision);
        expect(b).toMatchObject({ value: 'v2', revision: r(2), createRevision: r(1) });
        expect((await store.get('/k/a'))?.value).toBe('v2');
      });

      it('fails Conflict on a stale revision and writes nothing', async () => {
        const a = await store.create('/k/a', 'v1');
        await store.update('/k/a', 'v2', a.revision);
        await expectCode(store.update('/k/a', 'v3', a.revision), 'Conflict');
        expect((await store.get('/k/a'))?.value).toBe('v2');
        expect(await store.currentRevision()).toBe(r(2));
      });

      it('fails NotFound for a missing or deleted key', async () => {
        await expectCode(store.update('/k/missing', 'v', 1), 'NotFound');
        const a = await store.create('/k/a', 'v1');
        const d = await store.delete('/k/a', a.revision);
        await expectCode(store.update('/k/a', 'v2', d.revision), 'NotFound');
      });

      it('lets exactly one of two racing writers win', async () => {
        const a = await store.create('/k/a', '0');
        const results = await Promise.allSettled([
          store.update('/k/a', 'x', a.revision),
          store.update('/k/a', 'y', a.revision),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect((loser.reason as StoreError).code).toBe('Conflict');
      });
    });

    describe('delete', () => {
      it('removes the key and returns its last value', async () => {
        const a = await store.create('/k/a', 'v1');
        const d = await store.delete('/k/a', a.revision);
        expect(d).toMatchObject({ value: 'v1', revision: r(2) });
        expect(await store.get('/k/a')).toBeUndefined();
      });

      it('fails Conflict on a stale revision and NotFound on a missing key', async () => {
        const a = await store.create('/k/a', 'v1');
        await store.update('/k/a', 'v2', a.revision);
        await expectCode(store.delete('/k/a', a.revision), 'Conflict');
        await expectCode(store.delete('/k/nope', 1), 'NotFound');
        expect((await store.get('/k/a'))?.value).toBe('v2');
      });
    });

    describe('get', () => {
      it('reads the latest value or the value at a revision', async () => {
        const a = await store.create('/k/a', 'v1');
        const b = await store.update('/k/a', 'v2', a.revision);
        await store.delete('/k/a', b.revision);
        expect(await store.get('/k/a')).toBeUndefined();
        expect((await store.get('/k/a', { revision: r(1) }))?.value).toBe('v1');
        expect((await store.get('/k/a', { revision: r(2) }))?.value).toBe('v2');
        expect(await store.get('/k/a', { revision: r(3) })).toBeUndefined();
      });

      it('fails FutureRevision beyond the current revision', async () => {
        await store.create('/k/a', 'v1');
        await expectCode(store.get('/k/a', { revision: r(5) }), 'FutureRevision');
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        for (const ns of ['a', 'b']) {
          for (let i = 0; i < 5; i++)
            await store.create(`/core/secrets/-/root/${ns}/s${i}`, `${ns}${i}`);
        }
        await store.create('/core/secrets/-/other/a/s0', 'other');
      });

      it('lists keys under a prefix in key order', async () => {
        const all = await store.list('/core/secrets/-/root/');
        expect(all.items.map((i) => i.value)).toEqual([
          'a0',
          'a1',
          'a2',
          'a3',
          'a4',
          'b0',
          'b1',
          'b2',
          'b3',
          'b4',
        ]);
        expect(all.revision).toBe(r(11));
        expect(all.continue).toBeUndefined();
        const one = await store.list('/core/secrets/-/root/b/');
        expect(one.items).toHaveLength(5);
        const everywhere = await store.list('/core/secrets/-/');
        expect(everywhere.items).toHaveLength(11);
      });

      it('pages with limit and continue at the revision of the first page', async () => {
        const first = await store.list('/core/secrets/-/root/', { limit: 4 });
        expect(first.items.map((i) => i.value)).toEqual(['a0', 'a1', 'a2', 'a3']);
        expect(first.continue).toBeDefined();
        // Changes after the first page are invisible to the rest of the list.
        const b0 = await store.get('/core/secrets/-/root/b/s0');
        await store.update('/core/secrets/-/root/b/s0', 'changed', b0?.revision ?? 0);
        const a4 = await store.get('/core/secrets/-/root/a/s4');
        await store.delete('/core/secrets/-/root/a/s4', a4?.revision ?? 0);
        await store.create('/core/secrets/-/root/a/s9', 'new');

        const second = await store.list('/core/secrets/-/root/', {
          limit: 4,
          continue: first.continue as string,
        });
        expect(second.revision).toBe(first.revision);
        expect(second.items.map((i) => i.value)).toEqual(['a4', 'b0', 'b1', 'b2']);
        const third = await store.list('/core/secrets/-/root/', {
          limit: 4,
          continue: second.continue as string,
        });
        expect(third.items.map((i) => i.value)).toEqual(['b3', 'b4']);
        expect(third.continue).toBeUndefined();

        const now = await store.list('/core/secrets/-/root/');
        expect(now.items.map((i) => i.value)).toContain('changed');
        expect(now.items.map((i) => i.value)).toContain('new');
        expect(now.items.map((i) => i.value)).not.toContain('a4');
      });

      it('skips deleted keys without shortening pages', async () => {
        for (let i = 0; i < 4; i++) {
          const kv = await store.get(`/core/secrets/-/root/a/s${i}`);
          await store.delete(`/core/secrets/-/root/a/s${i}`, kv?.revision ?? 0);
        }
        const page = await store.list('/core/secrets/-/root/', { limit: 3 });
        expect(page.items.map((i) => i.value)).toEqual(['a4', 'b0', 'b1']);
      });

      it('lists at an older revision', async () => {
        const kv = await store.get('/core/secrets/-/root/a/s0');
        await store.delete('/core/secrets/-/root/a/s0', kv?.revision ?? 0);
        const before = await store.list('/core/secrets/-/root/a/', { revision: r(5) });
        expect(before.items.map((i) => i.value)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
        expect(before.revision).toBe(r(5));
      });

      it('rejects a continue token from another prefix or a garbled one', async () => {
        const first = await store.list('/core/secrets/-/root/', { limit: 2 });
        await expectCode(
          store.list('/core/secrets/-/other/', { continue: first.continue as string }),
          'InvalidContinue',
        );
        await expectCode(
          store.list('/core/secrets/-/root/', { continue: '!!!' }),
          'InvalidContinue',
        );
        await expectCode(
          store.list('/core/secrets/-/root/', {
            continue: Buffer.from('{"v":1,"rv":"x"}').toString('base64url'),
          }),
          'InvalidContinue',
        );
      });

      it('fails FutureRevision for a revision not yet written', async () => {
        await expectCode(store.list('/core/secrets/-/', { revision: r(100) }), 'FutureRevision');
      });
    });

    describe('watch', () => {
      it('delivers live ADDED, MODIFIED and DELETED events with previous values', async () => {
        const watcher = store.watch('/k/', { fromRevision: await store.currentRevision() });
        const events = take(watcher, 3);
        const a = await store.create('/k/a', 'v1');
        const b = await store.update('/k/a', 'v2', a.revision);
        await store.delete('/k/a', b.revision);
        expect(await events).toEqual([
          { type: 'ADDED', key: '/k/a', revision: r(1), value: 'v1' },
          {
            type: 'MODIFIED',
            key: '/k/a',
            revision: r(2),
            value: 'v2',
            prevValue: 'v1',
            prevRevision: r(1),
          },
          {
            type: 'DELETED',
            key: '/k/a',
            revision: r(3),
            value: 'v2',
            prevValue: 'v2',
            prevRevision: r(2),
          },
        ]);
        watcher.close();
      });

      it('replays history after a revision, then continues live, in revision order', async () => {
        const a = await store.create('/k/a', 'v1');
        await store.create('/other/x', 'x');
        await store.update('/k/a', 'v2', a.revision);
        const watcher = store.watch('/k/', { fromRevision: r(1) });
        const events = take(watcher, 2);
        await store.create('/k/b', 'b');
        const got = await events;
        expect(got.map((e) => [e.type, e.key, e.revision])).toEqual([
          ['MODIFIED', '/k/a', r(3)],
          ['ADDED', '/k/b', r(4)],
        ]);
        expect(got[0]?.prevValue).toBe('v1');
        watcher.close();
      });

      it('only sees keys under its prefix, including mid-segment prefixes', async () => {
        const aligned = store.watch('/k/a/', { fromRevision: base });
        const unaligned = store.watch('/k/a', { fromRevision: base });
        const gotAligned = take(aligned, 1);
        const gotUnaligned = take(unaligned, 2);
        await store.create('/k/b/1', 'no');
        await store.create('/k/a/1', 'yes');
        await store.create('/k/ab/1', 'unaligned only');
        expect((await gotAligned).map((e) => e.value)).toEqual(['yes']);
        expect((await gotUnaligned).map((e) => e.value)).toEqual(['yes', 'unaligned only']);
        aligned.close();
        unaligned.close();
      });

      it('closes a watcher that falls too far behind with Expired, without slowing writers', async () => {
        const slow = store.watch('/k/', { fromRevision: base, bufferSize: 5 });
        for (let i = 0; i < 10; i++) await store.create(`/k/${i}`, 'v');
        const it = slow[Symbol.asyncIterator]();
        const results: unknown[] = [];
        let error: unknown;
        try {
          for (;;) {
            const r = await it.next();
            if (r.done) break;
            results.push(r.value);
          }
        } catch (err) {
          error = err;
        }
        expect(error).toMatchObject({ code: 'Expired' });
        expect(results).toHaveLength(5);
      });

      it('drops live events queued behind history that was never replayed, so there is no gap', async () => {
        for (let i = 0; i < 3; i++) await store.create(`/k/old${i}`, 'v');
        const watcher = store.watch('/k/', { fromRevision: base, bufferSize: 2 });
        // Nothing is read: three live writes overflow the queue while revisions 1-3 wait.
        for (let i = 0; i < 3; i++) await store.create(`/k/new${i}`, 'v');
        expect(watcher.closed).toBe(true);
        expect(() => watcher.poll()).toThrow(expect.objectContaining({ code: 'Expired' }));
        expect(watcher.poll()).toBeUndefined();
      });

      it('polls without waiting: replay, then live events, then idle until the next write', async () => {
        await store.create('/k/a', 'a');
        const watcher = store.watch('/k/', { fromRevision: base });
        expect(watcher.idle).toBe(false);
        expect(watcher.poll()?.key).toBe('/k/a');
        expect(watcher.poll()).toBeUndefined();
        expect(watcher.idle).toBe(true);
        const ready = watcher.ready();
        await store.create('/k/b', 'b');
        await ready;
        expect(watcher.idle).toBe(false);
        expect(watcher.poll()?.key).toBe('/k/b');
        watcher.close();
        expect(watcher.closed).toBe(true);
        await watcher.ready();
      });

      it('fails Expired when the start revision was compacted', async () => {
        let kv = await store.create('/k/a', '0');
        for (let i = 1; i < 5; i++) kv = await store.update('/k/a', String(i), kv.revision);
        await store.compact(r(4));
        const watcher = store.watch('/k/', { fromRevision: r(2) });
        await expect(take(watcher, 1)).rejects.toMatchObject({ code: 'Expired' });
        const ok = store.watch('/k/', { fromRevision: r(4) });
        expect((await take(ok, 1)).map((e) => e.value)).toEqual(['4']);
        ok.close();
      });

      it('ends iteration when closed', async () => {
        const watcher = store.watch('/k/', { fromRevision: base });
        const done = take(watcher, 1);
        watcher.close();
        expect(await done).toEqual([]);
      });

      it('fans one write out to many watchers', async () => {
        const watchers = Array.from({ length: 200 }, () =>
          store.watch('/k/', { fromRevision: base }),
        );
        const all = Promise.all(watchers.map((w) => take(w, 1)));
        await store.create('/k/a', 'v');
        for (const events of await all) expect(events.map((e) => e.value)).toEqual(['v']);
        for (const w of watchers) w.close();
        expect(store.watcherCount).toBe(0);
      });
    });

    describe('compaction', () => {
      it('keeps the latest value of live keys and expires older reads', async () => {
        const a = await store.create('/k/a', 'a1');
        await store.update('/k/a', 'a2', a.revision);
        const b = await store.create('/k/b', 'b1');
        await store.delete('/k/b', b.revision);
        await store.create('/k/c', 'c1');
        await store.compact(r(4));

        expect(await store.compactRevision()).toBe(r(4));
        expect((await store.list('/k/')).items.map((i) => i.value)).toEqual(['a2', 'c1']);
        await expectCode(store.get('/k/a', { revision: r(1) }), 'Expired');
        await expectCode(store.list('/k/', { revision: r(3) }), 'Expired');
        expect((await store.get('/k/a', { revision: r(4) }))?.value).toBe('a2');
        expect((await store.list('/k/', { revision: r(4) })).items.map((i) => i.value)).toEqual([
          'a2',
        ]);
      });

      it('expires continue tokens pinned before the compaction point', async () => {
        let kv = await store.create('/k/a', '1');
        await store.create('/k/b', '1');
        await store.create('/k/c', '1');
        const first = await store.list('/k/', { limit: 1 });
        kv = await store.update('/k/a', '2', kv.revision);
        await store.compact(kv.revision);
        await expectCode(store.list('/k/', { continue: first.continue as string }), 'Expired');
      });

      it('refuses to compact the future and survives a reopen', async () => {
        await store.create('/k/a', '1');
        await expectCode(store.compact(r(10)), 'FutureRevision');
        const kv = await store.get('/k/a');
        await store.update('/k/a', '2', kv?.revision ?? 0);
        await store.compact(r(2));
        await store.close();
        store = await backend.reopen();
        expect(await store.compactRevision()).toBe(r(2));
        expect(await store.currentRevision()).toBe(r(2));
        await expectCode(store.get('/k/a', { revision: r(1) }), 'Expired');
      });
    });

    describe('durability and lifecycle', () => {
      it('keeps every object across a reopen', async () => {
        for (let i = 0; i < 50; i++) await store.create(`/k/${i}`, `v${i}`);
        await store.close();
        store = await backend.reopen();
        expect((await store.list('/k/')).items).toHaveLength(50);
        expect(await store.currentRevision()).toBe(r(50));
      });

      it('fails Closed after close, and commits writes queued before close', async () => {
        const pending = store.create('/k/a', 'v');
        await store.close();
        expect((await pending).revision).toBe(r(1));
        await expectCode(store.get('/k/a'), 'Closed');
        await expectCode(store.create('/k/b', 'v'), 'Closed');
        store = await backend.reopen();
        expect((await store.get('/k/a'))?.value).toBe('v');
      });

      it('closes watchers with Closed when the store closes', async () => {
        const watcher = store.watch('/k/', { fromRevision: base });
        const got = take(watcher, 1);
        await store.close();
        await expect(got).rejects.toMatchObject({ code: 'Closed' });
        store = await backend.reopen();
      });
    });

    describe('reads of the latest value after writes (and any cache of them)', () => {
      const key = '/core/configmaps/-/root/default/cached';

      it('see every committed write, whether or not the key was read before', async () => {
        expect(await store.get(key)).toBeUndefined(); // cached as absent
        const created = await store.create(key, '{"v":1}');
        expect(await store.get(key)).toEqual(created);
        const updated = await store.update(key, '{"v":2}', created.revision);
        expect((await store.get(key))?.value).toBe('{"v":2}');
        await expectCode(store.update(key, '{"v":3}', created.revision), 'Conflict');
        expect(await store.get(key)).toEqual(updated);
        await store.delete(key, updated.revision);
        expect(await store.get(key)).toBeUndefined();
        const again = await store.create(key, '{"v":4}');
        expect(await store.get(key)).toEqual(again);
        expect((await store.get(key, { revision: updated.revision }))?.value).toBe('{"v":2}');
      });

      it('see writes of concurrent writers in one commit', async () => {
        const keys = Array.from({ length: 20 }, (_, i) => `${key}-${i}`);
        await Promise.all(keys.map((k) => store.get(k)));
        await Promise.all(keys.map((k, i) => store.create(k, `{"i":${i}}`)));
        expect((await Promise.all(keys.map((k) => store.get(k)))).map((kv) => kv?.value)).toEqual(
          keys.map((_, i) => `{"i":${i}}`),
        );
      });
    });

    describe('concurrent writers', () => {
      it('serialise to a history where every increment counts and no revision repeats', async () => {
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
      });
    });
  });
}
