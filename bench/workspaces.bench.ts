/**
 * Workspaces benchmark: workspaces created per second until Ready (kcp's published load
 * test: 8/s), memory per empty workspace over 10,000 workspaces (kcp: 9.8 MiB), and GET
 * latency in one workspace with 10,000 others present against with none, all against
 * `canopy start` from a separate load process. The crowded GETs wait until the server is
 * idle after the burst (controllers catching up); how long that took is reported too.
 */
import { load, rssMiB, startCanopy, waitForIdle } from './lib/canopy-server.ts';
import { Report } from './lib/report.ts';

const TOTAL = Number(process.env.CANOPY_BENCH_WORKSPACES ?? 10_000);

export async function run(): Promise<Report> {
  const report = new Report('workspaces');
  const server = await startCanopy({ args: ['--log-level', 'warn'] });
  const pid = server.child.pid as number;
  const k = server.kubeconfig;
  try {
    // The probe workspace, and GET latency there while it is alone.
    await load('workspaces', k, 'root', 1, 1, 'probe');
    const alone = await load<{ p50: number; p99: number }>(
      'workspace-gets',
      k,
      'root:probe0',
      3000,
    );
    const before = rssMiB(pid);

    const burst = await load<{ perSecond: number }>('workspaces', k, 'root', 1000, 64, 'burst-');
    report.metric(
      'workspaces created until Ready, per second (1,000 at once)',
      burst.perSecond,
      'workspaces/s',
    );
    report.goal({
      metric: 'workspaces created until Ready, per second (1,000 at once)',
      atLeast: 200,
    });

    const rest = await load<{ perSecond: number }>(
      'workspaces',
      k,
      'root',
      TOTAL - 1000,
      64,
      'rest-',
    );
    report.metric(
      `workspaces created until Ready, per second (next ${TOTAL - 1000})`,
      rest.perSecond,
      'workspaces/s',
    );
    const after = rssMiB(pid);
    const perWorkspace = ((after - before) * 1024) / TOTAL;
    report.metric(`memory per empty workspace (RSS growth over ${TOTAL})`, perWorkspace, 'KiB');
    report.goal({ metric: `memory per empty workspace (RSS growth over ${TOTAL})`, atMost: 100 });
    report.metric('server RSS with all workspaces', after, 'MiB');

    // Others present, not others being set up: controllers finish the burst first.
    report.metric(
      'server busy after the burst (controllers catching up)',
      await waitForIdle(pid),
      's',
    );
    const crowded = await load<{ p50: number; p99: number }>(
      'workspace-gets',
      k,
      'root:probe0',
      3000,
    );
    report.metric('GET p50 in a workspace, alone', alone.p50, 'ms');
    report.metric(`GET p50 in a workspace, ${TOTAL} others present`, crowded.p50, 'ms');
    report.metric('GET p99 in a workspace, alone', alone.p99, 'ms');
    report.metric(`GET p99 in a workspace, ${TOTAL} others present`, crowded.p99, 'ms');
    report.ratio(
      'get-latency',
      alone.p50 / crowded.p50,
      `GET p50 alone ÷ with ${TOTAL} others`,
      0.9,
    );
  } finally {
    await server.stop();
    server.cleanup();
  }
  return report;
}
