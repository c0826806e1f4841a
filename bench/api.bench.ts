/**
 * API benchmark: `canopy start --plain` under load from a separate process over HTTPS
 * keep-alive — creates against the store's own creates (same concurrency, same run), GET
 * latency at 50 clients, LIST of 10,000 objects and its memory, and one write fanned out
 * to 500 HTTP watchers. Creates and GETs come from wrk (see lib/wrk.ts), the rest from
 * the Node load generator (lib/api-load.ts).
 *
 * Creates are compared at the same concurrency both ways: 64 HTTPS clients against the
 * store with 64 writers (whose creates share commits), and one client against one writer
 * (a commit, and its sync, per create); the goal applies to both.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { objectKey } from '../src/storage/keys.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import { load, peakRssMiB, resetPeak, rssMiB, startCanopy } from './lib/canopy-server.ts';
import { Report } from './lib/report.ts';
import { targetOf, type WrkResult, wrk } from './lib/wrk.ts';

const CONCURRENCY = 64;
const DURATION_MS = 4000;
/**
 * Writes fanned out to the 500 watchers. Each write's 500 deliveries move together, so with
 * few writes the p99 is the slowest write's tail, and one stall of the machine decides it.
 */
const FANOUT_WRITES = 100;
/** Longer for GETs: a p99 over more requests moves less with the machine's stalls. */
const GET_DURATION_MS = 8000;
const VALUE = JSON.stringify({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'x' },
  data: { payload: 'x'.repeat(512) },
});

async function storeCreates(writers: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-bench-api-store-'));
  const store = SqliteStore.open(join(dir, 'store.db'), { compaction: false });
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() - start < DURATION_MS) {
        await store.create(
          objectKey({
            group: '',
            resource: 'configmaps',
            cluster: 'root',
            namespace: 'b',
            name: `c-${n++}`,
          }),
          VALUE,
        );
      }
    }),
  );
  const rate = n / ((performance.now() - start) / 1000);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

/**
 * The same GET load on a bare Node HTTPS server (lib/https-floor.ts) answering with the
 * object's bytes: the latency this machine gives any Node HTTPS server.
 */
async function httpsFloorGets(dataDir: string, body: string): Promise<WrkResult> {
  const bodyFile = join(dataDir, 'floor-body.json');
  writeFileSync(bodyFile, body);
  const script = join(import.meta.dirname, 'lib', 'https-floor.ts');
  const key = join(dataDir, 'serving.key');
  const child = spawn(process.execPath, [script, key, join(dataDir, 'serving.crt'), bodyFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`https-floor exited with ${code}`)));
    });
    return await wrk({
      target: { server: `https://127.0.0.1:${port}`, token: '' },
      connections: 50,
      durationMs: GET_DURATION_MS,
      get: '/',
    });
  } finally {
    child.kill('SIGTERM');
  }
}

export async function run(): Promise<Report> {
  const report = new Report('api');
  const baseline = report.metric(
    `store creates/s (${CONCURRENCY} writers, in process)`,
    await storeCreates(CONCURRENCY),
    'ops/s',
  );
  const serialBaseline = report.metric(
    'store creates/s (1 writer, in process)',
    await storeCreates(1),
    'ops/s',
  );
  const server = await startCanopy({ plain: true, args: ['--log-level', 'warn'] });
  const pid = server.child.pid as number;
  try {
    const fixtures = await load<{ target: string }>('api-fixtures', server.kubeconfig);
    const target = targetOf(server.kubeconfig);
    const created = await wrk({
      target,
      connections: CONCURRENCY,
      durationMs: DURATION_MS,
      create: { namespace: 'load-create', prefix: 'c-' },
    });
    report.metric(`API creates/s (${CONCURRENCY} HTTPS clients)`, created.perSecond, 'ops/s');
    report.ratio(
      'creates',
      created.perSecond / baseline,
      `API creates/s ÷ store creates/s, ${CONCURRENCY} at once`,
      0.4,
    );
    const serial = await wrk({
      target,
      connections: 1,
      durationMs: DURATION_MS,
      create: { namespace: 'load-create', prefix: 'serial-' },
    });
    report.metric('API creates/s (1 HTTPS client)', serial.perSecond, 'ops/s');
    report.ratio(
      'creates-serial',
      serial.perSecond / serialBaseline,
      'API creates/s ÷ store creates/s, one at a time',
      0.4,
    );

    const gets = await wrk({
      target,
      connections: 50,
      durationMs: GET_DURATION_MS,
      get: '/api/v1/namespaces/load-get/configmaps/target',
    });
    report.metric('GET p50 (50 clients)', gets.p50, 'ms');
    report.metric('GET p99 (50 clients)', gets.p99, 'ms');
    report.goal({ metric: 'GET p99 (50 clients)', atMost: 5 });
    report.metric('GET throughput (50 clients)', gets.perSecond, 'ops/s');
    const floor = await httpsFloorGets(server.dataDir, fixtures.target);
    report.metric('bare Node HTTPS server, same load: GET p50', floor.p50, 'ms');
    report.metric('bare Node HTTPS server, same load: GET p99', floor.p99, 'ms');

    const before = rssMiB(pid);
    resetPeak(pid);
    const list = await load<{ p50: number }>('list', server.kubeconfig, 10_000);
    report.metric('LIST 10,000 objects (p50)', list.p50, 'ms');
    report.metric(
      'memory taken while listing 10,000 objects (peak RSS growth)',
      Math.max(0, peakRssMiB(pid) - before),
      'MiB',
    );

    const watch = await load<{ p50: number; p99: number; events: number }>(
      'watch',
      server.kubeconfig,
      500,
      FANOUT_WRITES,
    );
    report.metric('write → 500 HTTP watchers p50', watch.p50, 'ms');
    report.metric('write → 500 HTTP watchers p99', watch.p99, 'ms');
    report.goal({ metric: 'write → 500 HTTP watchers p99', atMost: 50 });
  } finally {
    await server.stop();
    server.cleanup();
  }
  return report;
}
