/**
 * Fleet benchmark (issue 22): `npm run bench -- fleet [--tenants N] [--steady-seconds S]
 * [--steady-rate R] [--cpu-prof DIR] [--agent-concurrency N]` takes N tenants (default 10,000) through the whole
 * provider flow in the six stages of test/e2e/harness/fleet.ts — workspaces Ready, bindings
 * Bound, a Cluster and its Secret copied down, status and a Secret carried up, a steady
 * update load (R/s for S s), a tenth of the tenants unbinding and cleaned up — on real
 * processes: the control plane, a `--plain` service cluster and `canopy syncagent`.
 *
 * Per stage: duration, objects/s, latency p50/p99, each process's RSS at the stage's end
 * and its peak during the stage; the ratio of each sync stage's rate to the rate at which
 * its objects were created in the same run; the requests each server answered during the
 * stage (its `apiserver_request_total`, reads and writes; watches not counted), which do
 * not depend on the machine's load as times do. Writes bench/results/fleet.svg (latency
 * and memory across stages). The run fails if any object, status or Secret does not arrive.
 * `--cpu-prof DIR` profiles the three processes (V8 .cpuprofile files in DIR).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { KubeClient } from '../src/controller/kube/client.ts';
import { runFleet, type StageResult } from '../test/e2e/harness/fleet.ts';
import { cpuSeconds, peakRssMiB, resetPeak, rssMiB } from './lib/canopy-server.ts';
import { percentile, Report } from './lib/report.ts';
import { barChart } from './lib/svg-chart.ts';

const PROCESSES = ['control plane', 'service cluster', 'sync agent'] as const;
const SERVERS = ['control plane', 'service cluster'] as const;
/** This process: the tenants, the service side's operator stand-in and the watches. */
const BENCH = 'bench';

// The virtual workspace's requests are counted by HTTP method (post, put, …; a GET there
// may be a watch).
const READS = new Set(['get', 'list']);
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection', 'post', 'put']);

interface Served {
  reads: number;
  writes: number;
  /** Writes by `verb resource` (where a stage's writes go). */
  writesBy: Map<string, number>;
}

/** A server's requests answered so far (`apiserver_request_total`), reads and writes. */
async function requestsServed(client: KubeClient): Promise<Served> {
  const text = await client.requestText('GET', '/metrics');
  const out: Served = { reads: 0, writes: 0, writesBy: new Map() };
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\d+)/gm)) {
    const [, labels = '', raw = '0'] = m;
    const verb = /verb="([^"]*)"/.exec(labels)?.[1] ?? '';
    const resource = /resource="([^"]*)"/.exec(labels)?.[1] ?? '';
    const count = Number(raw);
    if (READS.has(verb)) out.reads += count;
    else if (WRITES.has(verb)) {
      out.writes += count;
      const what = `${verb} ${resource}`;
      out.writesBy.set(what, (out.writesBy.get(what) ?? 0) + count);
    }
  }
  return out;
}

/** The counters' growth between two readings. */
function servedSince(now: Served, before: Served | undefined): Served {
  const writesBy = new Map<string, number>();
  for (const [what, count] of now.writesBy) {
    const grown = count - (before?.writesBy.get(what) ?? 0);
    if (grown > 0) writesBy.set(what, grown);
  }
  return {
    reads: now.reads - (before?.reads ?? 0),
    writes: now.writes - (before?.writes ?? 0),
    writesBy,
  };
}

export async function run(argv: readonly string[] = []): Promise<Report> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      tenants: { type: 'string', default: '10000' },
      'steady-seconds': { type: 'string', default: '60' },
      'steady-rate': { type: 'string', default: '200' },
      'cpu-prof': { type: 'string' },
      'agent-concurrency': { type: 'string' },
    },
  });
  const tenants = Number(values.tenants);
  if (!Number.isInteger(tenants) || tenants < 1)
    throw new Error(`--tenants: a positive integer, not ${values.tenants}`);
  const profileDir = values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  const report = new Report('fleet');
  const memory: Record<string, number[]> = Object.fromEntries(PROCESSES.map((p) => [p, []]));
  const peaks: Record<string, number[]> = Object.fromEntries(PROCESSES.map((p) => [p, []]));
  // Requests answered per stage, by server (the difference of the counters at its ends).
  const served: Record<string, Served[]> = Object.fromEntries(SERVERS.map((p) => [p, []]));
  const lastServed = new Map<string, Served>();
  // CPU each process used per stage, in cores (CPU seconds ÷ the stage's wall seconds, from
  // one stage's end to the next): which process holds a stage. The bench's own process
  // (tenants' writes, watches on both sides, the operator's stand-in) shares the cores too.
  const cores: Record<string, number[]> = Object.fromEntries(
    [...PROCESSES, BENCH].map((p) => [p, []]),
  );
  const lastCpu = new Map<string, number>();
  let lastStageAt = performance.now();
  const started = performance.now();
  const stages = await runFleet({
    tenants,
    steadyRate: Number(values['steady-rate']),
    steadySeconds: Number(values['steady-seconds']),
    ...(values['agent-concurrency']
      ? { agentArgs: ['--concurrency', values['agent-concurrency']] }
      : {}),
    progress: (line) => process.stderr.write(`${line}\n`),
    ...(profileDir ? { nodeOptions: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
    onStage: async (_stage, flow) => {
      for (const [server, client] of [
        [SERVERS[0], flow.root],
        [SERVERS[1], flow.svc],
      ] as const) {
        const now = await requestsServed(client);
        served[server]?.push(servedSince(now, lastServed.get(server)));
        lastServed.set(server, now);
      }
      const pids = [flow.kcp.child.pid, flow.service.child.pid, flow.agent.child.pid] as number[];
      const now = performance.now();
      const own = process.cpuUsage();
      const used: [string, number][] = [
        ...PROCESSES.map((p, i): [string, number] => [p, cpuSeconds(pids[i] as number)]),
        [BENCH, (own.user + own.system) / 1e6],
      ];
      for (const [p, seconds] of used) {
        cores[p]?.push((seconds - (lastCpu.get(p) ?? 0)) / ((now - lastStageAt) / 1000));
        lastCpu.set(p, seconds);
      }
      lastStageAt = now;
      PROCESSES.forEach((p, i) => {
        const pid = pids[i] as number;
        memory[p]?.push(rssMiB(pid));
        peaks[p]?.push(peakRssMiB(pid));
        resetPeak(pid);
      });
    },
  });
  const whole = (performance.now() - started) / 1000;

  report.metric('tenants', tenants, 'tenants');
  for (const [i, s] of stages.entries()) record(report, i + 1, s, memory, peaks, served, cores);
  report.metric('whole run (processes started → last cleanup)', whole, 's');
  report.goal({ metric: 'whole run (processes started → last cleanup)', atMost: 300 });
  const boundPeak = Math.max(peaks['control plane']?.[1] ?? 0, memory['control plane']?.[1] ?? 0);
  report.metric('control plane peak RSS up to all tenants bound', boundPeak, 'MiB');
  report.goal({ metric: 'control plane peak RSS up to all tenants bound', atMost: 2048 });
  const steady = stages[4] as StageResult;
  for (const what of Object.keys(steady.latencies))
    report.goal({ metric: `5 ${what} p99`, atMost: 1 });
  for (const i of [2, 3, 4]) {
    const s = stages[i] as StageResult;
    report.ratio(
      `stage ${i + 1} ${s.name}`,
      s.objects / s.seconds / (s.createRate ?? Number.NaN),
      `objects synced/s ÷ ${s.createdBy} (same run; 1 = keeps pace)`,
      i < 4 ? 0.8 : undefined,
    );
  }

  const names = stages.map((s, i) => `${i + 1} ${s.name.split(' ')[0]}`);
  const firstLatency = (p: number) =>
    stages.map((s) => {
      const xs = Object.values(s.latencies)[0];
      return xs && xs.length > 0 ? percentile(xs, p) : Number.NaN;
    });
  const secondLatency = (p: number) =>
    stages.map((s) => {
      const xs = Object.values(s.latencies)[1];
      return xs && xs.length > 0 ? percentile(xs, p) : Number.NaN;
    });
  const svg = barChart(`Canopy fleet: ${tenants} tenants through the provider flow`, names, [
    {
      title: "Latency: each stage's first measure (create → Ready/Bound/copy, status → tenant)",
      unit: 's',
      series: { p50: firstLatency(50), p99: firstLatency(99) },
    },
    {
      title: "Latency: each stage's second measure (Secret copies; status up in steady state)",
      unit: 's',
      series: { p50: secondLatency(50), p99: secondLatency(99) },
    },
    { title: 'Resident memory at the end of each stage', unit: 'MiB', series: memory },
    { title: 'Peak resident memory during each stage', unit: 'MiB', series: peaks },
  ]);
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'fleet.svg'), svg);
  console.log(`chart: ${join(dir, 'fleet.svg')}`);
  if (profileDir) console.log(`CPU profiles: ${profileDir}`);
  return report;
}

function record(
  report: Report,
  n: number,
  s: StageResult,
  memory: Record<string, number[]>,
  peaks: Record<string, number[]>,
  served: Record<string, Served[]>,
  cores: Record<string, number[]>,
): void {
  report.metric(`${n} ${s.name}: duration`, s.seconds, 's');
  report.metric(`${n} ${s.name}: rate`, s.objects / s.seconds, `${s.objects} objects/s`);
  if (s.createRate !== undefined)
    report.metric(`${n} ${s.name}: ${s.createdBy}`, s.createRate, 'objects/s');
  for (const [what, xs] of Object.entries(s.latencies)) {
    report.metric(`${n} ${what} p50`, percentile(xs, 50), 's');
    report.metric(`${n} ${what} p99`, percentile(xs, 99), 's');
  }
  for (const server of SERVERS) {
    const r = served[server]?.[n - 1];
    if (!r) continue;
    report.metric(
      `${n} ${s.name}: ${server} requests per object`,
      (r.reads + r.writes) / s.objects,
      `(${r.reads} reads + ${r.writes} writes) / ${s.objects}`,
    );
    // The largest kinds of write, per object: which of a sync's writes a stage spends on.
    const top = [...r.writesBy]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([what, count]) => `${what} ${(count / s.objects).toFixed(2)}`);
    if (top.length > 0)
      report.metric(
        `${n} ${s.name}: ${server} writes per object`,
        r.writes / s.objects,
        top.join(', '),
      );
  }
  const busy = [...PROCESSES, BENCH].map((p) => `${p} ${(cores[p]?.[n - 1] ?? 0).toFixed(2)}`);
  report.metric(
    `${n} ${s.name}: CPU, cores`,
    [...PROCESSES, BENCH].reduce((sum, p) => sum + (cores[p]?.[n - 1] ?? 0), 0),
    busy.join(', '),
  );
  for (const p of PROCESSES)
    report.metric(
      `${n} ${s.name}: ${p} RSS (peak)`,
      memory[p]?.[n - 1] ?? Number.NaN,
      `MiB (${Math.round(peaks[p]?.[n - 1] ?? Number.NaN)})`,
    );
}
