/**
 * The workshop, timed. Seconds from starting `canopy up` on a fresh directory to its ready
 * line (goal ≤ 15 s) and on the same directory again, against one `canopy start` measured
 * in the same run; and seconds from `kubectl apply` of a tenant's Cluster in
 * `root:consumers:pg` to `kubectl wait --for=condition=Ready` returning (the workshop waits
 * 1–5 minutes; goal ≤ 10 s), against the same Cluster applied straight to the service
 * cluster, so the ratio is what the trip through kcp and the sync agent costs.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { findPostgresBinaries } from '../src/postgres/runtime/binaries.ts';
import { startCanopy } from '../test/e2e/harness/canopy-process.ts';
import { BIN, kubectl as kubectlFor } from '../test/e2e/harness/kubectl.ts';
import { followOutput } from '../test/e2e/harness/process-output.ts';
import { median, Report } from './lib/report.ts';

const CANOPY = join(BIN, 'canopy');
const RUNS = 3;
const CLUSTERS = 5;

interface Up {
  readonly seconds: number;
  stop(): Promise<void>;
}

/** `canopy up` on `dir`, timed from spawn to its ready line. */
async function up(dir: string): Promise<Up> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [CANOPY, 'up', '--data-dir', dir, '--port', '0', '--service-port', '0', '--hub-port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = followOutput(child, 'canopy up', 300_000);
  await output.waitFor(/Canopy is ready/);
  return {
    seconds: (performance.now() - started) / 1000,
    stop: async () => {
      child.kill('SIGTERM');
      await output.exited;
    },
  };
}

/** kubectl 1.33 with the kcp plugins on PATH, on `kubeconfig` itself; returns stdout. */
const kubectl = (kubeconfig: string, args: string[], input?: string): Promise<string> =>
  kubectlFor('1.33', kubeconfig, undefined, { path: [BIN, dirname(process.execPath)] }).ok(args, {
    input,
  });

/** The workshop's Cluster and its two Secrets, under another name. */
function clusterManifest(name: string, namespace?: string): string {
  const meta = (n: string) => ({ name: n, ...(namespace ? { namespace } : {}) });
  const secret = (n: string, username: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/basic-auth',
    metadata: meta(n),
    stringData: { username, password: 'password' },
  });
  return [
    {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: meta(name),
      spec: {
        instances: 1,
        bootstrap: { initdb: { database: 'app', owner: 'app', secret: { name: `${name}-owner` } } },
        enableSuperuserAccess: true,
        superuserSecret: { name: `${name}-superuser-in` },
        storage: { size: '1Gi' },
      },
    },
    secret(`${name}-owner`, 'app'),
    secret(`${name}-superuser-in`, 'postgres'),
  ]
    .map((doc) => stringify(doc))
    .join('---\n');
}

/** Seconds from `kubectl apply` to `kubectl wait --for=condition=Ready` returning. */
async function applyToReady(kubeconfig: string, name: string, namespace?: string) {
  const started = performance.now();
  await kubectl(kubeconfig, ['apply', '-f', '-'], clusterManifest(name, namespace));
  await kubectl(kubeconfig, [
    'wait',
    ...(namespace ? ['-n', namespace] : []),
    '--for=condition=Ready',
    `cluster/${name}`,
    '--timeout=300s',
  ]);
  return (performance.now() - started) / 1000;
}

export async function run(): Promise<Report> {
  const report = new Report('workshop');
  if (!findPostgresBinaries().ok) {
    console.log('workshop benchmark skipped: PostgreSQL server binaries not found');
    return report;
  }
  const starts: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const server = await startCanopy();
    starts.push((performance.now() - t) / 1000);
    await server.stop();
    server.cleanup();
  }

  const dirs: string[] = [];
  const ups: number[] = [];
  const restarts: number[] = [];
  const viaKcp: number[] = [];
  const direct: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'canopy-bench-workshop-'));
      dirs.push(dir);
      const first = await up(dir);
      ups.push(first.seconds);
      await first.stop();
      const again = await up(dir);
      restarts.push(again.seconds);
      if (i < RUNS - 1) {
        await again.stop();
        continue;
      }
      const tenant = join(dir, 'tenant.kubeconfig');
      copyFileSync(join(dir, 'admin.kubeconfig'), tenant);
      await kubectl(tenant, ['ws', 'use', ':root:consumers:pg']);
      const provider = join(dir, 'provider.kubeconfig');
      await kubectl(provider, ['create', 'namespace', 'direct']);
      for (let c = 0; c < CLUSTERS; c++) {
        viaKcp.push(await applyToReady(tenant, `bench-${c}`));
        direct.push(await applyToReady(provider, `direct-${c}`, 'direct'));
      }
      await again.stop();
    }
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }

  const start = report.metric('canopy start to ready (median)', median(starts), 's');
  const fresh = report.metric('canopy up to ready, fresh directory (median)', median(ups), 's');
  report.goal({ metric: 'canopy up to ready, fresh directory (median)', atMost: 15 });
  report.metric('canopy up to ready, same directory again (median)', median(restarts), 's');
  const tenant = report.metric(
    'tenant Cluster: kubectl apply to Ready through kcp (median)',
    median(viaKcp),
    's',
  );
  report.goal({
    metric: 'tenant Cluster: kubectl apply to Ready through kcp (median)',
    atMost: 10,
  });
  report.metric(
    'tenant Cluster: kubectl apply to Ready through kcp (max)',
    Math.max(...viaKcp),
    's',
  );
  const local = report.metric(
    'Cluster: kubectl apply to Ready on the service cluster (median)',
    median(direct),
    's',
  );
  report.ratio('up', fresh / start, 'canopy up ÷ one canopy start (lower is better)');
  report.ratio(
    'tenant',
    tenant / local,
    'through kcp and the sync agent ÷ straight on the service cluster (lower is better)',
  );
  return report;
}
