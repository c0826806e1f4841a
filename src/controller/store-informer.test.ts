import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { objectKey, resourcePrefix } from '../storage/keys.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store, Watcher } from '../storage/store.ts';
import { StoreInformer } from './store-informer.ts';

const PREFIX = resourcePrefix({ group: '', resource: 'configmaps' });
const key = (name: string) =>
  objectKey({ group: '', resource: 'configmaps', cluster: 'root', namespace: 'a', name });
const value = (name: string) => JSON.stringify({ metadata: { name, namespace: 'a' } });

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A watcher that fails at once, as one whose connection broke. */
const brokenWatcher = (): Watcher =>
  ({
    closed: false,
    idle: false,
    close() {},
    poll() {
      throw new Error('watch broke');
    },
    ready: () => Promise.resolve(),
  }) as unknown as Watcher;

describe('StoreInformer', () => {
  it('lists again after a broken watch, and keeps trying while listing fails too', async () => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-informer-'));
    const real = SqliteStore.open(join(dir, 'store.db'), { compaction: false });
    await real.create(key('one'), value('one'));
    let watches = 0;
    let lists = 0;
    // The first watch breaks; the relist after it fails twice before the store answers.
    const flaky: Store = Object.assign(Object.create(real) as Store, {
      list: (prefix: string, options?: Parameters<Store['list']>[1]) => {
        lists++;
        if (lists === 2 || lists === 3) return Promise.reject(new Error('store unavailable'));
        return real.list(prefix, options);
      },
      watch: (prefix: string, options: Parameters<Store['watch']>[1]) =>
        ++watches === 1 ? brokenWatcher() : real.watch(prefix, options),
    });
    const informer = new StoreInformer(flaky, PREFIX);
    const errors: string[] = [];
    informer.onWatchError((err) => errors.push((err as Error).message));
    await informer.start();
    await real.create(key('two'), value('two'));
    for (let i = 0; i < 400 && !informer.get(key('two')); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(informer.get(key('two'))).toBeDefined();
    expect(errors).toEqual(['watch broke', 'store unavailable', 'store unavailable']);
    informer.stop();
    await real.close();
  });
});
