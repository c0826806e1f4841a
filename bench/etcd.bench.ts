/**
 * etcd benchmark: Canopy's store on etcd, and replicas of one control plane.
 *
 * - API creates/s with `canopy start --etcd-servers` ÷ raw etcd transactions/s made by the
 *   same client library (src/storage/etcd/client.ts) at the same concurrency, each the
 *   create-if-absent transaction the store sends: what Canopy adds on top of its store
 *   (the goal: at least 0.8, as kube-apiserver adds little on top of etcd).
 * - GETs/s of 50 clients on two replicas ÷ on one (the clients split between them).
 * - A write on replica A → its watch event on replica B, p50 and p99, against the same
 *   on one replica (A → A).
 * - SIGKILL of the replica running the controllers → its Lease taken over, and a workspace
 *   created right after Ready, with kube-controller-manager's Lease timings (15 s lease,
 *   2 s retry period): the standby judges expiry by its own clock from when it last saw the
 *   Lease renewed, and looks every retry period (±20 %), so the goal is the lease duration
 *   plus two retry periods, plus a workspace's time to Ready while the leader lives.
 *
 * One etcd member on loopback, in a temporary directory; creates and GETs come from wrk
 * (lib/wrk.ts), the watch latency from the Node load generator (lib/api-load.ts). Creates
 * and GETs alternate with their baseline over several rounds and the medians are compared,
 * so a stall of a shared machine does not land on one side only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompareResult, CompareTarget, EtcdClient } from '../src/storage/etcd/client.ts';
import { startTestEtcd } from '../src/storage/etcd/testing.ts';
import { httpClient } from '../test/e2e/harness/http.ts';
import { until } from '../test/e2e/harness/wait.ts';
import {
  type CanopyProcess,
  childrenCpuSeconds,
  cpuSeconds,
  load,
  runQueueSeconds,
  startCanopy,
} from './lib/canopy-server.ts';
import { Report } from './lib/report.ts';
import { targetOf, type WrkResult, wrk } from './lib/wrk.ts';

const CONCURRENCY = 64;
const DURATION_MS = 4000;
const GET_DURATION_MS = 8000;
const WATCH_WRITES = 200;
const ROUNDS = 3;
const LEASE_S = 15;
const RETRY_S = 2;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
/** What wrk's creates store (lib/wrk-load.lua): a ConfigMap with a 512-byte value. */
const VALUE = Buffer.from(
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c-0000', namespace: 'load-create', uid: crypto.randomUUID() },
    data: { payload: 'x'.repeat(512) },
  }),
);

/** The store's create, straight on etcd: a transaction that puts the key unless it exists. */
async function rawTransactions(
  endpoints: readonly string[],
  round: number,
  measuring: () => void,
): Promise<number> {
  const client = new EtcdClient({ endpoints });
  let n = 0;
  measuring();
  const start = performance.now();
  try {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() - start < DURATION_MS) {
          const key = Buffer.from(`/raw/core/configmaps/-/root/load-create/r${round}-${n++}`);
          const res = await client.txn({
            compare: [
              {
                key,
                target: CompareTarget.CREATE,
                result: CompareResult.EQUAL,
                create_revision: 0,
              },
            ],
            success: [{ request_put: { key, value: VALUE } }],
            failure: [],
          });
          if (!res.succeeded) throw new Error('raw create found its key taken');
        }
      }),
    );
  } finally {
    client.close();
  }
  return n / ((performance.now() - start) / 1000);
}

/**
 * Rates of one kind of create over the rounds, and what the process serving them and etcd
 * spent meanwhile: CPU, and time runnable but waiting for a core.
 */
class CreateFigures {
  readonly rates: number[] = [];
  private created = 0;
  private seconds = 0;
  private readonly spent = {
    server: { cpu: 0, waited: 0 },
    etcd: { cpu: 0, waited: 0 },
    load: { cpu: 0, waited: 0 },
  };
  private readonly pids: { server: number; etcd: number };

  constructor(server: number, etcd: number) {
    this.pids = { server, etcd };
  }

  /** Runs `run`, which calls `start` when its measured part begins and returns its rate. */
  async measure(run: (start: () => void) => Promise<number>): Promise<void> {
    const read = () => ({
      server: { cpu: cpuSeconds(this.pids.server), waited: runQueueSeconds(this.pids.server) },
      etcd: { cpu: cpuSeconds(this.pids.etcd), waited: runQueueSeconds(this.pids.etcd) },
      // wrk, once it has exited (raw transactions come from this process: 0 there).
      load: { cpu: childrenCpuSeconds(process.pid), waited: 0 },
    });
    let before = read();
    let startedAt = performance.now();
    const rate = await run(() => {
      before = read();
      startedAt = performance.now();
    });
    const after = read();
    const seconds = (performance.now() - startedAt) / 1000;
    for (const p of ['server', 'etcd', 'load'] as const) {
      this.spent[p].cpu += after[p].cpu - before[p].cpu;
      this.spent[p].waited += after[p].waited - before[p].waited;
    }
    this.created += rate * seconds;
    this.seconds += seconds;
    this.rates.push(rate);
  }

  cpuMsPer(p: 'server' | 'etcd' | 'load'): number {
    return (this.spent[p].cpu * 1000) / this.created;
  }

  waitedPerSecond(p: 'server' | 'etcd'): number {
    return this.spent[p].waited / this.seconds;
  }
}

/**
 * The bare HTTPS server of lib/https-floor.ts, putting each POST's body into etcd, with the
 * replicas' serving certificate (`pki/serving.pem`: certificate, then key).
 */
async function startFloor(
  home: string,
  endpoints: readonly string[],
): Promise<{ url: string; pid: number; stop: () => void }> {
  const script = join(import.meta.dirname, 'lib', 'https-floor.ts');
  const bundle = readFileSync(join(home, 'pki', 'serving.pem'), 'utf8');
  const block = (label: string) => {
    const found = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`).exec(
      bundle,
    );
    if (!found) throw new Error(`pki/serving.pem holds no ${label}`);
    return `${found[0]}\n`;
  };
  const cert = join(home, 'floor.crt');
  const key = join(home, 'floor.key');
  writeFileSync(cert, block('CERTIFICATE'));
  writeFileSync(key, block('PRIVATE KEY'), { mode: 0o600 });
  const child = spawn(process.execPath, [script, key, cert, '--etcd', endpoints.join(',')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`https-floor exited with ${code}`)));
  });
  return {
    url: `https://127.0.0.1:${port}`,
    pid: child.pid as number,
    stop: () => child.kill('SIGTERM'),
  };
}

/** Lease holder identities are host_pid_random: the replica whose process holds it. */
async function leaderOf(
  replicas: readonly CanopyProcess[],
  kubeconfig: string,
  intervalMs = 100,
): Promise<number> {
  const send = httpClient(kubeconfig);
  return until(
    'a replica holding the controllers’ Lease',
    async () => {
      const res = await send({
        path: '/clusters/root/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/canopy-controllers',
      });
      if (res.status !== 200) return undefined;
      const pid = Number(String(JSON.parse(res.body).spec?.holderIdentity ?? '').split('_')[1]);
      const i = replicas.findIndex(
        (r) => r.child.pid === pid && r.child.exitCode === null && r.child.signalCode === null,
      );
      return i >= 0 ? i : undefined;
    },
    60_000,
    intervalMs,
  );
}

/** Creates workspace `name` through `kubeconfig` and returns the seconds until it is Ready. */
async function secondsToReady(kubeconfig: string, name: string): Promise<number> {
  const send = httpClient(kubeconfig);
  const started = performance.now();
  const created = await send({
    method: 'POST',
    path: '/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces',
    body: JSON.stringify({
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      kind: 'Workspace',
      metadata: { name },
    }),
  });
  if (created.status !== 201)
    throw new Error(`workspace ${name}: ${created.status} ${created.body}`);
  await until(
    `workspace ${name} Ready`,
    async () => {
      const res = await send({
        path: `/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces/${name}`,
      });
      return res.status === 200 && JSON.parse(res.body).status?.phase === 'Ready';
    },
    120_000,
    50,
  );
  return (performance.now() - started) / 1000;
}

export async function run(): Promise<Report> {
  const report = new Report('etcd');
  const etcd = await startTestEtcd();
  const home = mkdtempSync(join(tmpdir(), 'canopy-bench-etcd-'));
  const replicas: CanopyProcess[] = [];
  const replica = async () => {
    const r = await startCanopy({
      timeoutMs: 120_000,
      args: [
        '--etcd-servers',
        etcd.endpoints.join(','),
        '--pki-dir',
        join(home, 'pki'),
        '--log-level',
        'warn',
      ],
    });
    replicas.push(r);
    return r;
  };
  try {
    const a = await replica();
    await load('api-fixtures', a.kubeconfig);
    // A server just started compiles its hot paths during its first thousand requests.
    await wrk({
      target: targetOf(a.kubeconfig),
      connections: CONCURRENCY,
      durationMs: DURATION_MS,
      create: { namespace: 'load-create', prefix: 'warm-up-' },
    });
    // Three kinds of create, round after round (so a stall of a shared machine does not
    // land on one side only): raw transactions from this process; the same transaction
    // behind a bare Node HTTPS server (lib/https-floor.ts: HTTPS and the call, no API
    // logic), which bounds what any single-threaded Node server reaches here; API creates.
    // For each: rate, CPU per create of the process serving it and of etcd, and time each
    // spent runnable but waiting for a core (on a machine other work also loads, a
    // single-threaded server gets a share of a core, and the ratio then measures that share).
    const floor = await startFloor(home, etcd.endpoints);
    const etcdPid = etcd.pid(0);
    const sides = {
      raw: new CreateFigures(process.pid, etcdPid),
      floor: new CreateFigures(floor.pid, etcdPid),
      api: new CreateFigures(a.child.pid as number, etcdPid),
    };
    const wrkCreates = (server: string, token: string, figures: CreateFigures, round: number) =>
      figures.measure(async (start) => {
        const run = await wrk({
          target: { server, token },
          connections: CONCURRENCY,
          durationMs: DURATION_MS,
          create: { namespace: 'load-create', prefix: `c${round}-` },
          measuring: start,
        });
        return run.perSecond;
      });
    try {
      const target = targetOf(a.kubeconfig);
      for (let round = 0; round < ROUNDS; round++) {
        await sides.raw.measure((start) => rawTransactions(etcd.endpoints, round, start));
        await wrkCreates(floor.url, '', sides.floor, round);
        await wrkCreates(target.server, target.token, sides.api, round);
      }
    } finally {
      floor.stop();
    }
    const raw = report.metric(
      `raw etcd transactions/s (${CONCURRENCY} at once, same client library; median of ${ROUNDS})`,
      median(sides.raw.rates),
      'ops/s',
    );
    const bare = report.metric(
      `bare HTTPS server + the same transaction, creates/s (${CONCURRENCY} HTTPS clients; median of ${ROUNDS})`,
      median(sides.floor.rates),
      'ops/s',
    );
    const api = report.metric(
      `API creates/s on etcd (${CONCURRENCY} HTTPS clients; median of ${ROUNDS})`,
      median(sides.api.rates),
      'ops/s',
    );
    const sideNames = {
      raw: ['raw client (this process)', 'raw etcd transaction'],
      floor: ['bare HTTPS server', 'bare server create'],
      api: ['server', 'API create'],
    } as const;
    for (const side of ['raw', 'floor', 'api'] as const) {
      const [who, what] = sideNames[side];
      const f = sides[side];
      report.metric(`${who} CPU per ${what}`, f.cpuMsPer('server'), 'ms');
      report.metric(`etcd CPU per ${what}`, f.cpuMsPer('etcd'), 'ms');
      if (side !== 'raw') report.metric(`wrk CPU per ${what}`, f.cpuMsPer('load'), 'ms');
      report.metric(
        `${who} time waiting for a core, per second`,
        f.waitedPerSecond('server'),
        's/s',
      );
      report.metric(
        `etcd time waiting for a core, per second (${what}s)`,
        f.waitedPerSecond('etcd'),
        's/s',
      );
    }
    report.ratio(
      'creates',
      api / raw,
      `API creates/s ÷ raw etcd transactions/s, ${CONCURRENCY} at once`,
      0.8,
    );
    report.ratio(
      'bare-server-ceiling',
      bare / raw,
      'bare HTTPS server + transaction creates/s ÷ raw etcd transactions/s: the creates ratio of a server with no API logic',
    );
    report.ratio(
      'creates-of-bare',
      api / bare,
      'API creates/s ÷ bare HTTPS server + transaction creates/s',
    );

    const b = await replica();
    const get = '/api/v1/namespaces/load-get/configmaps/target';
    const gets = (r: CanopyProcess, connections: number) =>
      wrk({ target: targetOf(r.kubeconfig), connections, durationMs: GET_DURATION_MS, get });
    const ones: WrkResult[] = [];
    const twos: WrkResult[][] = [];
    for (let round = 0; round < 2; round++) {
      ones.push(await gets(a, 50));
      twos.push(await Promise.all([gets(a, 25), gets(b, 25)]));
    }
    const oneRate = median(ones.map((r) => r.perSecond));
    const twoRate = median(twos.map((pair) => pair.reduce((sum, r) => sum + r.perSecond, 0)));
    report.metric('GETs/s, one replica (50 clients)', oneRate, 'ops/s');
    report.metric('GET p99, one replica', median(ones.map((r) => r.p99)), 'ms');
    report.metric('GETs/s, two replicas (25 clients each)', twoRate, 'ops/s');
    report.metric(
      'GET p99, two replicas',
      median(twos.map((pair) => Math.max(...pair.map((r) => r.p99)))),
      'ms',
    );
    report.ratio('gets-two-replicas', twoRate / oneRate, 'GETs/s on two replicas ÷ on one');

    const same = await load<{ p50: number; p99: number }>(
      'replica-watch',
      a.kubeconfig,
      a.kubeconfig,
      WATCH_WRITES,
    );
    const cross = await load<{ p50: number; p99: number }>(
      'replica-watch',
      a.kubeconfig,
      b.kubeconfig,
      WATCH_WRITES,
    );
    report.metric('write on A → watch event on A, p50', same.p50, 'ms');
    report.metric('write on A → watch event on A, p99', same.p99, 'ms');
    report.metric('write on A → watch event on B, p50', cross.p50, 'ms');
    report.metric('write on A → watch event on B, p99', cross.p99, 'ms');
    report.ratio('watch-across-replicas', cross.p99 / same.p99, 'A → B p99 ÷ A → A p99');

    const leader = await leaderOf(replicas, a.kubeconfig);
    const other = replicas[1 - leader] as CanopyProcess;
    const alive = report.metric(
      'workspace → Ready, leader alive',
      await secondsToReady(other.kubeconfig, 'with-leader'),
      's',
    );
    const killed = performance.now();
    await (replicas[leader] as CanopyProcess).kill();
    const [takeover, afterKill] = await Promise.all([
      leaderOf(replicas, other.kubeconfig, 50).then(() => (performance.now() - killed) / 1000),
      secondsToReady(other.kubeconfig, 'after-leader-died'),
    ]);
    const sinceKill = (performance.now() - killed) / 1000;
    report.metric('SIGKILL of the controllers’ leader → Lease taken over', takeover, 's');
    report.goal({
      metric: 'SIGKILL of the controllers’ leader → Lease taken over',
      atMost: LEASE_S + 2 * RETRY_S,
    });
    report.metric('SIGKILL of the controllers’ leader → next workspace Ready', sinceKill, 's');
    report.metric('(of which the workspace’s own time to Ready)', afterKill, 's');
    report.goal({
      metric: 'SIGKILL of the controllers’ leader → next workspace Ready',
      atMost: LEASE_S + 2 * RETRY_S + alive,
    });
    report.ratio(
      'takeover',
      takeover / LEASE_S,
      `SIGKILL → Lease taken over ÷ the ${LEASE_S} s lease duration`,
    );
  } finally {
    for (const r of replicas) {
      await r.stop();
      r.cleanup();
    }
    await etcd.stop();
    rmSync(home, { recursive: true, force: true });
  }
  return report;
}
