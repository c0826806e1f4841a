import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isStoreError, StoreError } from '../errors.ts';
import type { WatchEvent, Watcher } from '../store.ts';
import { storeConformance } from '../store-conformance.ts';
import { EtcdClient } from './client.ts';
import { EtcdStore, type EtcdStoreOptions } from './etcd-store.ts';
import { startTestEtcd, type TestEtcd } from './testing.ts';

let etcd: TestEtcd;
let prefixes = 0;
/** Each store of the file gets a prefix of its own on the one etcd. */
const freshPrefix = () => `/test-${process.pid}-${++prefixes}`;

beforeAll(async () => {
  etcd = await startTestEtcd();
});

afterAll(async () => {
  await etcd?.stop();
});

const open = (prefix: string, options: Partial<EtcdStoreOptions> = {}) =>
  EtcdStore.open({
    endpoints: etcd.endpoints,
    prefix,
    compactionIntervalMs: false,
    ...options,
  });

storeConformance('etcd', () => {
  const prefix = freshPrefix();
  return { open: () => open(prefix), reopen: () => open(prefix), cleanup: async () => {} };
});

/** Reads `n` events from a watcher. */
async function take(watcher: Watcher, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  for await (const e of watcher) {
    out.push(e);
    if (out.length === n) break;
  }
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('the etcd store', () => {
  const opened: EtcdStore[] = [];
  const clients: EtcdClient[] = [];
  const track = async (p: Promise<EtcdStore>) => {
    const s = await p;
    opened.push(s);
    return s;
  };
  const rawClient = () => {
    const c = new EtcdClient({ endpoints: etcd.endpoints });
    clients.push(c);
    return c;
  };

  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const c of clients.splice(0)) c.close();
  });

  it("keeps objects under the prefix with etcd's revisions", async () => {
    const prefix = freshPrefix();
    const store = await track(open(prefix));
    const kv = await store.create('/core/configmaps/-/root/default/a', '{"a":1}');
    const raw = await rawClient().range({
      key: Buffer.from(`${prefix}/core/configmaps/-/root/default/a`),
    });
    expect(raw.kvs[0]?.value.toString()).toBe('{"a":1}');
    expect(raw.kvs[0]?.mod_revision).toBe(kv.revision);
    expect(raw.header.revision).toBe(kv.revision);
  });

  it('hides its own bookkeeping keys from reads, lists and writes', async () => {
    const store = await track(open(freshPrefix()));
    await store.create('/k/a', 'v');
    expect((await store.list('/')).items.map((i) => i.key)).toEqual(['/k/a']);
    const page = await store.list('/', { limit: 1 });
    expect(page.items.map((i) => i.key)).toEqual(['/k/a']);
    expect(page.continue).toBeUndefined();
    expect(await store.get('/.canopy/layout')).toBeUndefined();
    const err = await errorOf(store.create('/.canopy/layout', 'mine'));
    expect(isStoreError(err, 'InvalidKey')).toBe(true);
  });

  describe('replicas (several stores on one prefix)', () => {
    it('see each other’s writes once fresh, and watch them in revision order', async () => {
      const prefix = freshPrefix();
      const a = await track(open(prefix));
      const b = await track(open(prefix));
      const watch = b.watch('/k/', { fromRevision: await b.currentRevision() });
      const events = take(watch, 3);
      const x = await a.create('/k/x', '1');
      await b.fresh();
      expect(await b.currentRevision()).toBeGreaterThanOrEqual(x.revision);
      expect((await b.get('/k/x'))?.value).toBe('1');
      const y = await b.update('/k/x', '2', x.revision);
      await a.delete('/k/x', y.revision);
      expect((await events).map((e) => [e.type, e.value, e.revision])).toEqual([
        ['ADDED', '1', x.revision],
        ['MODIFIED', '2', y.revision],
        ['DELETED', '2', y.revision + 1],
      ]);
    });

    it('answer latest reads from memory that follows the other replica’s writes', async () => {
      const prefix = freshPrefix();
      const a = await track(open(prefix));
      const b = await track(open(prefix));
      let kv = await a.create('/k/hot', '1');
      await b.fresh();
      for (let i = 2; i <= 5; i++) {
        // B reads (and keeps) the value, A changes it, B's next fresh read sees the change.
        expect((await b.get('/k/hot'))?.value).toBe(String(i - 1));
        kv = await a.update('/k/hot', String(i), kv.revision);
        await b.fresh();
        expect(await b.get('/k/hot')).toEqual(kv);
      }
      await a.delete('/k/hot', kv.revision);
      await b.fresh();
      expect(await b.get('/k/hot')).toBeUndefined();
      const again = await a.create('/k/hot', 'again');
      await b.fresh();
      expect(await b.get('/k/hot')).toEqual(again);
    });

    it('resume a watch on one replica from a revision seen on the other', async () => {
      const prefix = freshPrefix();
      const a = await track(open(prefix));
      const b = await track(open(prefix));
      const seen = await a.create('/k/1', 'one');
      const missed = [await a.create('/k/2', 'two'), await a.create('/k/3', 'three')];
      await b.fresh();
      const resumed = b.watch('/k/', { fromRevision: seen.revision });
      expect((await take(resumed, 2)).map((e) => [e.key, e.revision])).toEqual(
        missed.map((kv) => [kv.key, kv.revision]),
      );
    });

    it('let exactly one of two replicas win a compare-and-swap', async () => {
      const prefix = freshPrefix();
      const a = await track(open(prefix));
      const b = await track(open(prefix));
      const kv = await a.create('/k/a', '0');
      await b.fresh();
      const results = await Promise.allSettled([
        a.update('/k/a', 'from a', kv.revision),
        b.update('/k/a', 'from b', kv.revision),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(isStoreError(loser.reason, 'Conflict')).toBe(true);
      // The loser's own reads already show the winner: a retry reads what beat it.
      const winner = (
        results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{
          value: string;
        }>
      ).value.value;
      expect((await a.get('/k/a'))?.value).toBe(winner);
      expect((await b.get('/k/a'))?.value).toBe(winner);
    });

    it('replay a watch started on a replica that opened after the writes', async () => {
      const prefix = freshPrefix();
      const a = await track(open(prefix));
      const first = await a.create('/k/a', '1');
      await a.create('/k/b', '2');
      const late = await track(open(prefix));
      const replay = late.watch('/k/', { fromRevision: first.revision - 1 });
      expect((await take(replay, 2)).map((e) => e.key)).toEqual(['/k/a', '/k/b']);
    });
  });

  it('refuses (Stale) a write decided before a change of what decides writes, and only that', async () => {
    const prefix = freshPrefix();
    const decides = { decisionPrefixes: ['/rbac/'] };
    const a = await track(open(prefix, decides));
    const b = await track(open(prefix, decides));
    await a.create('/rbac/role', 'allows');
    await b.fresh();
    const basis = await b.currentRevision();
    // Writes decided at `basis` hold while nothing under /rbac/ changes, whatever else does.
    const other = await a.create('/k/unrelated', 'x');
    const kept = await b.create('/k/one', '1', { basis });
    await b.update('/k/unrelated', 'y', other.revision, { basis });
    // A's change of the role moves the mark: B's next write decided at `basis` is refused,
    // and writes nothing, but B has by then seen the change.
    const role = await a.get('/rbac/role');
    const changed = await a.update('/rbac/role', 'denies', role?.revision ?? 0);
    for (const write of [
      () => b.create('/k/two', '2', { basis }),
      () => b.update('/k/one', '2', kept.revision, { basis }),
      () => b.delete('/k/one', kept.revision, { basis }),
      () => b.create('/rbac/other', 'x', { basis }),
    ]) {
      const err = await errorOf(write());
      expect(isStoreError(err, 'Stale'), String(err)).toBe(true);
    }
    expect(await b.currentRevision()).toBeGreaterThanOrEqual(changed.revision);
    expect(await b.get('/k/two')).toBeUndefined();
    expect((await b.get('/k/one'))?.value).toBe('1');
    // Decided again on what B sees now, it goes through; without a basis it always does.
    expect((await b.create('/k/two', '2', { basis: await b.currentRevision() })).value).toBe('2');
    expect((await b.create('/k/three', '3')).value).toBe('3');
  });

  it('answers a watch from before its window of history with Expired', async () => {
    const store = await track(open(freshPrefix(), { windowBytes: 2000 }));
    const first = await store.create('/k/0', 'x'.repeat(100));
    for (let i = 1; i < 30; i++) await store.create(`/k/${i}`, 'x'.repeat(100));
    const watch = store.watch('/k/', { fromRevision: first.revision });
    expect(await errorOf(take(watch, 1))).toMatchObject({ code: 'Expired' });
    // Recent history is still served.
    const now = await store.currentRevision();
    const recent = store.watch('/k/', { fromRevision: now - 2 });
    expect((await take(recent, 2)).map((e) => e.key)).toEqual(['/k/28', '/k/29']);
  });

  it('becomes fresh even when the last revision belongs to a key outside its prefix', async () => {
    const prefix = freshPrefix();
    const store = await track(open(prefix));
    await store.create('/k/a', 'v');
    const foreign = await rawClient().txn({
      compare: [],
      success: [
        { request_put: { key: Buffer.from(`/elsewhere-${prefix}`), value: Buffer.from('x') } },
      ],
      failure: [],
    });
    await store.fresh();
    expect(await store.currentRevision()).toBeGreaterThanOrEqual(foreign.header.revision);
  });

  describe('a prefix that is not its own', () => {
    it('refuses data of another program, naming a key it found', async () => {
      const prefix = freshPrefix();
      await rawClient().txn({
        compare: [],
        success: [
          {
            request_put: {
              key: Buffer.from(`${prefix}/pods/default/web`),
              value: Buffer.from('{}'),
            },
          },
        ],
        failure: [],
      });
      const err = await errorOf(open(prefix));
      expect((err as Error).message).toMatch(
        new RegExp(
          `prefix ${prefix} holds data that is not Canopy's .*${prefix}/pods/default/web.*--etcd-prefix`,
        ),
      );
    });

    it('refuses Canopy data of another layout', async () => {
      const prefix = freshPrefix();
      await rawClient().txn({
        compare: [],
        success: [
          {
            request_put: {
              key: Buffer.from(`${prefix}/.canopy/layout`),
              value: Buffer.from('canopy-keys/v9'),
            },
          },
        ],
        failure: [],
      });
      const err = await errorOf(open(prefix));
      expect((err as Error).message).toMatch(/layout "canopy-keys\/v9"/);
    });

    it('lets replicas starting together on an empty prefix agree on it', async () => {
      for (let round = 0; round < 5; round++) {
        const prefix = freshPrefix();
        const stores = await Promise.all(Array.from({ length: 6 }, () => track(open(prefix))));
        await stores[0]?.create('/k/a', 'v');
        await stores[5]?.fresh();
        expect((await stores[5]?.get('/k/a'))?.value).toBe('v');
      }
    });
  });

  it('says which endpoint it cannot reach at start, and what to run', async () => {
    const err = await errorOf(
      EtcdStore.open({
        endpoints: ['http://127.0.0.1:1'],
        prefix: freshPrefix(),
        requestTimeoutMs: 3000,
      }),
    );
    expect((err as Error).message).toMatch(
      /cannot reach etcd \(etcd at http:\/\/127\.0\.0\.1:1 is unavailable: connect ECONNREFUSED 127\.0\.0\.1:1\)\. Start it \(one on this machine: canopy etcd\)/,
    );
  });

  it('rejects a prefix that is not an absolute path', async () => {
    await expect(open('registry')).rejects.toThrow(/--etcd-prefix must be a path/);
  });

  it('compacts on an interval, one replica per turn', async () => {
    const prefix = freshPrefix();
    const a = await track(open(prefix, { compactionIntervalMs: 200 }));
    const b = await track(open(prefix, { compactionIntervalMs: 200 }));
    let kv = await a.create('/k/a', '0');
    const first = kv.revision;
    // Compaction goes to the revision seen an interval earlier: keep writing until it passes.
    for (
      let i = 1;
      (await a.compactRevision()) <= first && (await b.compactRevision()) <= first;
      i++
    ) {
      kv = await a.update('/k/a', String(i), kv.revision);
      await new Promise((r) => setTimeout(r, 50));
    }
    const err = await errorOf(a.get('/k/a', { revision: first }));
    expect(isStoreError(err, 'Expired')).toBe(true);
    expect((await b.get('/k/a'))?.value).toBe(kv.value);
  });
});

describe('the etcd store when etcd goes away', () => {
  let own: TestEtcd;
  let store: EtcdStore;

  beforeAll(async () => {
    own = await startTestEtcd();
  });

  afterAll(async () => {
    await store?.close();
    await own?.stop();
  });

  it('fails requests and health quickly, then recovers and resumes its watchers', async () => {
    store = await EtcdStore.open({
      endpoints: own.endpoints,
      prefix: '/registry',
      requestTimeoutMs: 3000,
      compactionIntervalMs: false,
    });
    const before = await store.create('/k/before', 'b');
    const watch = store.watch('/k/', { fromRevision: before.revision });
    expect(await store.health()).toBeUndefined();

    await own.kill(0);
    const err = await errorOf(store.create('/k/lost', 'x'));
    expect(err).toBeInstanceOf(StoreError);
    expect(['Unavailable', 'Timeout']).toContain((err as StoreError).code);
    expect((err as Error).message).toContain(own.endpoints[0] as string);
    expect(await errorOf(store.fresh())).toBeInstanceOf(StoreError);
    expect(await store.health()).toMatch(/etcd/);

    await own.restart(0);
    const after = await waitFor(() => store.create('/k/after', 'a'));
    await store.fresh();
    expect(await store.health()).toBeUndefined();
    // The watch resumed from the last revision it delivered: nothing missed, nothing twice.
    const events = await take(watch, 1);
    expect(events.map((e) => [e.key, e.revision])).toEqual([['/k/after', after.revision]]);
  });
});

/** Retries `fn` until it succeeds (etcd coming back), for at most a minute. */
async function waitFor<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
