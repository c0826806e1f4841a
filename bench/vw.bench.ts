/**
 * APIExport virtual workspace benchmark: 1,000 tenant workspaces bound to one export
 * (setup timed: workspaces until Ready, bindings until Bound), one object written in
 * each, delivered to ONE wildcard watch on the export's virtual workspace — events per
 * second and write-to-delivery latency — against a plain watch on one workspace
 * receiving the same number of writes from the same clients, in the same run; and the
 * wildcard LIST across every tenant against a LIST in one workspace. Load comes from a
 * separate process over HTTPS.
 */
import { load, rssMiB, startCanopy } from './lib/canopy-server.ts';
import { Report } from './lib/report.ts';

const TENANTS = Number(process.env.CANOPY_BENCH_VW_TENANTS ?? 1000);
const CONCURRENCY = 64;

interface WatchResult {
  events: number;
  workspaces: number;
  writesPerSecond: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  writeP50: number;
  writeP99: number;
}

export async function run(): Promise<Report> {
  const report = new Report('vw');
  const server = await startCanopy({ args: ['--log-level', 'warn'] });
  const pid = server.child.pid as number;
  const k = server.kubeconfig;
  try {
    const before = rssMiB(pid);
    const setupStart = performance.now();
    const setup = await load<{
      workspaceSeconds: number;
      workspacesPerSecond: number;
      bindingPostSeconds: number;
      bindingSeconds: number;
      bindingsPerSecond: number;
      vwPath: string;
    }>('vw-setup', k, TENANTS, CONCURRENCY);
    const setupSeconds = (performance.now() - setupStart) / 1000;
    report.metric(`setup: ${TENANTS} tenants with bindings, total`, setupSeconds, 's');
    report.metric(
      `setup: ${TENANTS} workspaces until Ready`,
      setup.workspaceSeconds,
      `s (${Math.round(setup.workspacesPerSecond)}/s)`,
    );
    report.metric(
      `setup: ${TENANTS} APIBindings until Bound`,
      setup.bindingSeconds,
      `s (${Math.round(setup.bindingsPerSecond)}/s)`,
    );
    report.metric('server RSS growth over setup', rssMiB(pid) - before, 'MiB');

    // The plain watch first, then the virtual workspace's: each alone with the writers.
    const plain = await load<WatchResult>(
      'vw-watch',
      k,
      'plain',
      setup.vwPath,
      TENANTS,
      CONCURRENCY,
    );
    const vw = await load<WatchResult>('vw-watch', k, 'vw', setup.vwPath, TENANTS, CONCURRENCY);
    if (vw.workspaces !== TENANTS || vw.events !== TENANTS)
      throw new Error(
        `the wildcard watch saw ${vw.events} events from ${vw.workspaces} workspaces`,
      );

    report.metric(
      `VW wildcard watch: events/s (${TENANTS} writes, one per workspace)`,
      vw.eventsPerSecond,
      'events/s',
    );
    report.metric(
      `plain watch: events/s (${TENANTS} writes, one workspace)`,
      plain.eventsPerSecond,
      'events/s',
    );
    report.metric('VW run: writes/s', vw.writesPerSecond, 'writes/s');
    report.metric('plain run: writes/s', plain.writesPerSecond, 'writes/s');
    // Delivery latency counts from the moment a write is sent, so it includes the write's
    // own request time under 64 concurrent writers (shown for reference).
    report.metric('VW run: create request p50', vw.writeP50, 'ms');
    report.metric('plain run: create request p50', plain.writeP50, 'ms');
    report.metric('VW wildcard watch: write → delivery p50', vw.p50, 'ms');
    report.metric('VW wildcard watch: write → delivery p99', vw.p99, 'ms');
    report.metric('plain watch: write → delivery p50', plain.p50, 'ms');
    report.metric('plain watch: write → delivery p99', plain.p99, 'ms');
    report.ratio(
      'vw-watch-throughput',
      vw.eventsPerSecond / plain.eventsPerSecond,
      'VW wildcard events/s ÷ plain watch events/s',
    );
    report.ratio(
      'vw-watch-latency-p99',
      plain.p99 / vw.p99,
      'plain watch p99 ÷ VW wildcard p99 (1 = no cost)',
    );
    report.ratio(
      'vw-watch-latency-p50',
      plain.p50 / vw.p50,
      'plain watch p50 ÷ VW wildcard p50 (1 = no cost)',
    );

    const vwList = await load<{ p50: number; items: number }>('vw-list', k, 'vw', setup.vwPath, 5);
    const plainList = await load<{ p50: number; items: number }>(
      'vw-list',
      k,
      'plain',
      setup.vwPath,
      5,
    );
    report.metric(
      `VW wildcard LIST of ${vwList.items} objects across ${TENANTS + 1} workspaces (p50)`,
      vwList.p50,
      'ms',
    );
    report.metric(`LIST of ${plainList.items} objects in one workspace (p50)`, plainList.p50, 'ms');
    report.metric('server RSS at the end', rssMiB(pid), 'MiB');
  } finally {
    await server.stop();
    server.cleanup();
  }
  return report;
}
