/**
 * Store benchmark: write throughput against raw node:sqlite with the same durability,
 * list latency, watch fan-out latency and memory held after 100,000 objects.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { objectKey } from '../src/storage/keys.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import { percentile, Report, throughput } from './lib/report.ts';

const VALUE = JSON.stringify({ data: 'x'.repeat(1000) });
const DURATION_MS = 3000;
const key = (cluster: string, ns: string, i: number) =>
  objectKey({ group: '', resource: 'configmaps', cluster, namespace: ns, name: `cm-${i}` });

/** The baseline: one INSERT per transaction, WAL, synchronous=FULL, like the store's default. */
function rawSqlite(dir: string) {
  const db = new DatabaseSync(join(dir, 'raw.db'));
  db.exec(`PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
    CREATE TABLE t (id INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL);
    CREATE UNIQUE INDEX t_key ON t (key, id);`);
  const insert = db.prepare('INSERT INTO t (key, value) VALUES (?, ?)');
  return { db, insert };
}

export async function run(): Promise<Report> {
  if (process.argv[2] === '--memory-child') return memoryChild();
  const report = new Report('store');
  const dir = mkdtempSync(join(tmpdir(), 'canopy-bench-store-'));
  try {
    const raw = rawSqlite(dir);
    const rawInserts = report.metric(
      'raw sqlite inserts/s',
      await throughput(DURATION_MS, (i) => raw.insert.run(`/raw/${i}`, VALUE)),
      'ops/s',
    );
    raw.db.close();

    const store = SqliteStore.open(join(dir, 'store.db'), { compaction: false });
    const creates = report.metric(
      'store creates/s (one writer)',
      await throughput(DURATION_MS, (i) => store.create(key('root', 'seq', i), VALUE)),
      'ops/s',
    );
    const revs = new Map<string, number>();
    for (let i = 0; i < 1000; i++)
      revs.set(key('root', 'upd', i), (await store.create(key('root', 'upd', i), VALUE)).revision);
    const updates = report.metric(
      'store updates/s (one writer)',
      await throughput(DURATION_MS, async (i) => {
        const k = key('root', 'upd', i % 1000);
        revs.set(k, (await store.update(k, VALUE, revs.get(k) as number)).revision);
      }),
      'ops/s',
    );
    // 64 concurrent writers share commits (group commit).
    let next = 0;
    const concurrentStart = performance.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (performance.now() - concurrentStart < DURATION_MS)
          await store.create(key('root', 'par', next++), VALUE);
      }),
    );
    const concurrent = report.metric(
      'store creates/s (64 writers)',
      next / ((performance.now() - concurrentStart) / 1000),
      'ops/s',
    );
    report.ratio(
      'creates',
      creates / rawInserts,
      'store creates/s ÷ raw inserts/s, one writer',
      0.5,
    );
    report.ratio(
      'updates',
      updates / rawInserts,
      'store updates/s ÷ raw inserts/s, one writer',
      0.5,
    );
    report.ratio(
      'creates-concurrent',
      concurrent / rawInserts,
      'store creates/s with 64 writers ÷ raw inserts/s',
    );
    await store.close();

    await listBench(report, dir);
    await watchBench(report, dir);
    const memory = JSON.parse(
      execFileSync(process.execPath, [import.meta.filename, '--memory-child', dir], {
        encoding: 'utf8',
      }),
    ) as { rssMiB: number; seconds: number };
    report.metric('RSS after 100,000 objects of 1 KiB', memory.rssMiB, 'MiB');
    report.goal({ metric: 'RSS after 100,000 objects of 1 KiB', atMost: 300 });
    report.metric('time to store 100,000 objects (64 writers)', memory.seconds, 's');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

async function listBench(report: Report, dir: string) {
  const store = SqliteStore.open(join(dir, 'list.db'), { compaction: false });
  const writes: Promise<unknown>[] = [];
  for (let ns = 0; ns < 100; ns++)
    for (let i = 0; i < 100; i++) writes.push(store.create(key('root', `ns-${ns}`, i), VALUE));
  await Promise.all(writes);
  const time = async (f: () => Promise<unknown>, runs: number) => {
    const samples: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      await f();
      samples.push(performance.now() - t);
    }
    return percentile(
      samples.sort((a, b) => a - b),
      50,
    );
  };
  const all = await time(async () => {
    const r = await store.list('/core/configmaps/-/root/');
    if (r.items.length !== 10_000) throw new Error(`listed ${r.items.length}`);
  }, 10);
  report.metric('list 10,000 keys (p50)', all, 'ms');
  const one = await time(async () => {
    const r = await store.list('/core/configmaps/-/root/ns-42/');
    if (r.items.length !== 100) throw new Error(`listed ${r.items.length}`);
  }, 200);
  report.metric('list one 100-key prefix (p50)', one, 'ms');
  await store.close();
}

async function watchBench(report: Report, dir: string) {
  const store = SqliteStore.open(join(dir, 'watch.db'), { compaction: false });
  const watchers = 1000;
  const writes = 200;
  const latencies: number[] = [];
  const from = await store.currentRevision();
  const done = Promise.all(
    Array.from({ length: watchers }, async () => {
      let seen = 0;
      for await (const event of store.watch('/core/configmaps/-/root/', { fromRevision: from })) {
        latencies.push(performance.now() - (JSON.parse(event.value) as { t: number }).t);
        if (++seen === writes) break;
      }
    }),
  );
  for (let i = 0; i < writes; i++) {
    // The timestamp is taken before the write is queued, so the latency includes the commit.
    await store.create(key('root', 'w', i), JSON.stringify({ t: performance.now(), data: VALUE }));
    await new Promise((r) => setTimeout(r, 2));
  }
  await done;
  latencies.sort((a, b) => a - b);
  report.metric('watch delivery to 1,000 watchers p50', percentile(latencies, 50), 'ms');
  report.metric('watch delivery to 1,000 watchers p99', percentile(latencies, 99), 'ms');
  report.goal({ metric: 'watch delivery to 1,000 watchers p99', atMost: 20 });
  await store.close();
}

/** Runs in a child process so its RSS is the store's alone. */
async function memoryChild(): Promise<never> {
  const store = SqliteStore.open(join(process.argv[3] as string, 'memory.db'), {
    compaction: false,
  });
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < 100_000) {
        const i = next++;
        await store.create(key('root', `ns-${i % 100}`, i), VALUE);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  globalThis.gc?.();
  const rssMiB = process.memoryUsage().rss / 1024 / 1024;
  await store.close();
  process.stdout.write(JSON.stringify({ rssMiB, seconds }));
  process.exit(0);
}

if (process.argv[2] === '--memory-child') await memoryChild();
