/**
 * Sync agent benchmark: `canopy syncagent` between two Canopy servers (the control plane
 * and a `--plain` service cluster) with 100 tenant workspaces × 10 objects (the workshop's
 * Cluster, published as in resources-cluster.yaml but without the related Secret). A test
 * controller on the service cluster writes each copy's status as soon as it appears.
 *
 * Figures: seconds from a tenant's create (its POST answered) to the copy on the service
 * cluster (seen by a watch there), seconds from the service-side status write to the
 * tenant's object carrying it (seen by a watch through the virtual workspace) — for the
 * burst of every tenant creating its objects at once (mostly queueing) and for objects
 * created one at a time afterwards — objects synced per second over the burst, and the
 * CPU seconds and memory the agent and both servers spent.
 * CANOPY_BENCH_SYNCAGENT_TENANTS / _OBJECTS change the size.
 */
import { writeFileSync } from 'node:fs';
import { Reflector } from '../src/controller/kube/reflector.ts';
import { silentLog } from '../src/syncagent/testing.ts';
import {
  BINDINGS,
  binding,
  EXPORT_NAME,
  LOGICAL_CLUSTERS,
  type ProviderFlow,
  pool,
  startProviderFlow,
  workspace,
} from '../test/e2e/harness/provider-flow.ts';
import { CLUSTERS, RESOURCES_CLUSTER_YAML, TestOperator } from '../test/e2e/harness/syncagent.ts';
import { until } from '../test/e2e/harness/wait.ts';
import { cpuSeconds, rssMiB } from './lib/canopy-server.ts';
import { percentile, Report } from './lib/report.ts';

const TENANTS = Number(process.env.CANOPY_BENCH_SYNCAGENT_TENANTS ?? 100);
const OBJECTS = Number(process.env.CANOPY_BENCH_SYNCAGENT_OBJECTS ?? 10);
const CONCURRENCY = 32;
/** Objects created one at a time after the burst (latency without a queue). */
const SINGLES = 50;

const seconds = (xs: number[]) => xs.map((x) => x / 1000).sort((a, b) => a - b);

export async function run(): Promise<Report> {
  const report = new Report('syncagent');
  let flow: ProviderFlow | undefined;
  let operator: TestOperator | undefined;
  let tenantView: Reflector | undefined;
  try {
    // The workshop's PublishedResource for Clusters, without its related Secret.
    flow = await startProviderFlow({
      published: RESOURCES_CLUSTER_YAML.split('  related:')[0] as string,
      ...(process.env.CANOPY_BENCH_SYNCAGENT_LOG
        ? {
            onAgentOutput: (out: string) =>
              writeFileSync(process.env.CANOPY_BENCH_SYNCAGENT_LOG as string, out),
          }
        : {}),
    });
    const { kcp, service, agent, root } = flow;

    // Tenants: workspaces, bindings with the claims accepted.
    const tenants = Array.from({ length: TENANTS }, (_, i) => `t${i}`);
    const clusterOf = new Map<string, string>();
    await pool(tenants, 16, async (t) => {
      await workspace(root, 'root:consumers', t);
      const ws = root.scoped(`/clusters/root:consumers:${t}`);
      await ws.create(BINDINGS, undefined, binding(['secrets', 'namespaces', 'events']));
      await until(`${t} bound`, async () => {
        const b = await ws.get(BINDINGS, undefined, EXPORT_NAME);
        return (b.status as { phase?: string })?.phase === 'Bound';
      });
      const lc = await ws.get(LOGICAL_CLUSTERS, undefined, 'cluster');
      clusterOf.set(t, lc.metadata.annotations?.['kcp.io/cluster'] ?? '');
    });
    const url = await flow.vwUrl();

    // Watches: copies on the service cluster, status in kcp (through the virtual workspace).
    const copyAt = new Map<string, number>();
    const statusSeenAt = new Map<string, number>();
    operator = new TestOperator(service.kubeconfig, { full: false });
    operator.clusters.on((type, obj) => {
      const key = `${obj.metadata.namespace}|${obj.metadata.name}`;
      if (type === 'add' && !copyAt.has(key)) copyAt.set(key, performance.now());
    });
    await operator.start();
    tenantView = new Reflector({
      client: root.rebase(url).scoped('/clusters/*'),
      ref: CLUSTERS,
      key: (o) => `${o.metadata.annotations?.['kcp.io/cluster']}|${o.metadata.name}`,
      log: silentLog,
      name: 'bench',
    });
    tenantView.on((_t, obj) => {
      const key = `${obj.metadata.annotations?.['kcp.io/cluster']}|${obj.metadata.name}`;
      if (
        (obj.status as { phase?: string } | undefined)?.phase === 'Cluster in healthy state' &&
        !statusSeenAt.has(key)
      )
        statusSeenAt.set(key, performance.now());
    });
    await until('the virtual workspace serves clusters', async () => {
      await tenantView?.start();
      return true;
    });

    // Steady state: the agent found the virtual workspace and its caches are synced.
    await agent.waitFor(/caches synced; syncing/, 30_000);
    // The burst: every tenant creates its objects at once.
    const work = tenants.flatMap((t) =>
      Array.from({ length: OBJECTS }, (_, i) => ({ t, name: `db-${i}` })),
    );
    const createdAt = new Map<string, number>();
    const pids = {
      agent: agent.child.pid as number,
      'control plane': kcp.child.pid as number,
      'service cluster': service.child.pid as number,
    };
    const cpuBefore = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
    const start = performance.now();
    await pool(work, CONCURRENCY, async ({ t, name }) => {
      await root.scoped(`/clusters/root:consumers:${t}`).create(CLUSTERS, 'default', {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Cluster',
        metadata: { name },
        spec: { instances: 1, storage: { size: '1Gi' } },
      });
      createdAt.set(`${clusterOf.get(t)}|${name}`, performance.now());
    });
    const posted = performance.now();
    await until(
      `all ${work.length} tenant objects carry their status`,
      () => statusSeenAt.size >= work.length,
      600_000,
      100,
    );
    const done = performance.now();
    const cpu = Object.fromEntries(
      Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p) - (cpuBefore[k] ?? 0)]),
    );

    const toCopy: number[] = [];
    const statusUp: number[] = [];
    const roundTrip: number[] = [];
    for (const [key, created] of createdAt) {
      const copied = copyAt.get(key);
      const seen = statusSeenAt.get(key);
      const written = operator.statusWrittenAt.get(key.replace('|', '/'));
      if (copied !== undefined) toCopy.push(copied - created);
      if (seen !== undefined) roundTrip.push(seen - created);
      // statusWrittenAt holds wall-clock ms; convert the watch's monotonic time.
      if (seen !== undefined && written !== undefined)
        statusUp.push(seen + performance.timeOrigin - written);
    }
    const lastCopy = Math.max(...copyAt.values());
    const n = work.length;
    report.metric(`tenants × objects`, n, `${TENANTS} × ${OBJECTS}`);
    const c = seconds(toCopy);
    const s = seconds(statusUp);
    const r = seconds(roundTrip);
    report.metric('burst: create → service copy p50', percentile(c, 50), 's');
    report.metric('burst: create → service copy p99', percentile(c, 99), 's');
    report.metric('burst: status write → tenant status p50', percentile(s, 50), 's');
    report.metric('burst: status write → tenant status p99', percentile(s, 99), 's');
    report.metric('burst: create → tenant sees status p50', percentile(r, 50), 's');
    report.metric('burst: create → tenant sees status p99', percentile(r, 99), 's');
    report.metric(
      'objects synced per second (copies, first create → last copy)',
      n / ((lastCopy - start) / 1000),
      'objects/s',
    );
    report.metric(
      'objects round-tripped per second (first create → last status in kcp)',
      n / ((done - start) / 1000),
      'objects/s',
    );
    report.metric(
      'tenant creates per second (the load itself)',
      n / ((posted - start) / 1000),
      'objects/s',
    );
    report.metric('agent RSS after the burst', rssMiB(agent.child.pid as number), 'MiB');
    for (const [k, v] of Object.entries(cpu)) report.metric(`${k} CPU during the burst`, v, 's');
    report.metric(
      'burst wall time (first create → last status in kcp)',
      (done - start) / 1000,
      's',
    );

    // One object at a time on the now idle system: latency without a queue.
    const single = { copy: [] as number[], status: [] as number[] };
    for (let i = 0; i < SINGLES; i++) {
      const t = tenants[i % tenants.length] as string;
      const name = `single-${i}`;
      const key = `${clusterOf.get(t)}|${name}`;
      await root.scoped(`/clusters/root:consumers:${t}`).create(CLUSTERS, 'default', {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Cluster',
        metadata: { name },
        spec: { instances: 1, storage: { size: '1Gi' } },
      });
      const created = performance.now();
      await until(`${key} carries its status`, () => statusSeenAt.has(key), 30_000, 2);
      const copied = copyAt.get(key) ?? Number.NaN;
      const written = operator.statusWrittenAt.get(key.replace('|', '/')) ?? Number.NaN;
      single.copy.push(copied - created);
      single.status.push((statusSeenAt.get(key) as number) + performance.timeOrigin - written);
    }
    const sc = seconds(single.copy);
    const ss = seconds(single.status);
    report.metric('one at a time: create → service copy p50', percentile(sc, 50), 's');
    report.metric('one at a time: create → service copy p99', percentile(sc, 99), 's');
    report.metric('one at a time: status write → tenant status p50', percentile(ss, 50), 's');
    report.metric('one at a time: status write → tenant status p99', percentile(ss, 99), 's');
    report.ratio(
      'sync-throughput',
      n / ((lastCopy - start) / 1000) / (n / ((posted - start) / 1000)),
      'objects synced/s ÷ tenant creates/s (1 = the agent keeps up with the tenants)',
    );
  } finally {
    await tenantView?.stop();
    await operator?.stop();
    await flow?.stop();
  }
  return report;
}
