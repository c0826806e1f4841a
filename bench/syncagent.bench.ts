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
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKubeconfig, serializeKubeconfig } from '../src/apimachinery/kubeconfig.ts';
import type { KubeObject } from '../src/apimachinery/meta.ts';
import { isAlreadyExists, KubeClient, type ResourceRef } from '../src/controller/kube/client.ts';
import { Reflector } from '../src/controller/kube/reflector.ts';
import { CRDS as POSTGRES_CRDS } from '../src/postgres/crds/index.ts';
import { CRDS } from '../src/syncagent/constants.ts';
import { silentLog } from '../src/syncagent/testing.ts';
import {
  CLUSTERS,
  PUBLISHED_RESOURCES,
  RESOURCES_CLUSTER_YAML,
  startAgent,
  TestOperator,
  workdir,
} from '../test/e2e/harness/syncagent.ts';
import { until } from '../test/e2e/harness/wait.ts';
import { cpuSeconds, rssMiB, startCanopy } from './lib/canopy-server.ts';
import { percentile, Report } from './lib/report.ts';

const TENANTS = Number(process.env.CANOPY_BENCH_SYNCAGENT_TENANTS ?? 100);
const OBJECTS = Number(process.env.CANOPY_BENCH_SYNCAGENT_OBJECTS ?? 10);
const CONCURRENCY = 32;
/** Objects created one at a time after the burst (latency without a queue). */
const SINGLES = 50;

const WORKSPACES: ResourceRef = {
  group: 'tenancy.kcp.io',
  version: 'v1alpha1',
  plural: 'workspaces',
  namespaced: false,
};
const EXPORTS: ResourceRef = {
  group: 'apis.kcp.io',
  version: 'v1alpha1',
  plural: 'apiexports',
  namespaced: false,
};
const BINDINGS: ResourceRef = {
  group: 'apis.kcp.io',
  version: 'v1alpha2',
  plural: 'apibindings',
  namespaced: false,
};
const SLICES: ResourceRef = {
  group: 'apis.kcp.io',
  version: 'v1alpha1',
  plural: 'apiexportendpointslices',
  namespaced: false,
};
const LOGICAL_CLUSTERS: ResourceRef = {
  group: 'core.kcp.io',
  version: 'v1alpha1',
  plural: 'logicalclusters',
  namespaced: false,
};

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

async function workspace(root: KubeClient, parent: string, name: string): Promise<void> {
  try {
    await root.scoped(`/clusters/${parent}`).create(WORKSPACES, undefined, {
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      kind: 'Workspace',
      metadata: { name },
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  await until(
    `${parent}:${name} Ready`,
    async () =>
      (
        (await root.scoped(`/clusters/${parent}`).get(WORKSPACES, undefined, name)).status as {
          phase?: string;
        }
      )?.phase === 'Ready',
    60_000,
    50,
  );
}

const seconds = (xs: number[]) => xs.map((x) => x / 1000).sort((a, b) => a - b);

export async function run(): Promise<Report> {
  const report = new Report('syncagent');
  const [kcp, service] = await Promise.all([
    startCanopy({ args: ['--log-level', 'warn'] }),
    startCanopy({ plain: true, args: ['--log-level', 'warn'] }),
  ]);
  const dir = workdir('canopy-bench-syncagent-');
  const root = KubeClient.fromKubeconfig(kcp.kubeconfig).rebase(kcp.url);
  const svc = KubeClient.fromKubeconfig(service.kubeconfig);
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
  let operator: TestOperator | undefined;
  let tenantView: Reflector | undefined;
  try {
    // The provider workspace and its export; the agent's kubeconfig points there.
    await workspace(root, 'root', 'providers');
    await workspace(root, 'root', 'consumers');
    await workspace(root, 'root:providers', 'bench');
    const provider = root.scoped('/clusters/root:providers:bench');
    await provider.create(EXPORTS, undefined, {
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIExport',
      metadata: { name: 'postgresql.cnpg.io' },
      spec: {},
    });
    const config = parseKubeconfig(readFileSync(kcp.kubeconfig, 'utf8'));
    for (const c of config.clusters) c.cluster.server = `${kcp.url}/clusters/root:providers:bench`;
    const agentKubeconfig = join(dir.dir, 'agent.kubeconfig');
    writeFileSync(agentKubeconfig, serializeKubeconfig(config));

    for (const crd of POSTGRES_CRDS) await svc.create(CRDS, undefined, crd);
    agent = await startAgent({
      kcpKubeconfig: agentKubeconfig,
      kubeconfig: service.kubeconfig,
      args: ['--namespace', 'syncagent', '--apiexport-ref', 'postgresql.cnpg.io'],
    });
    // The workshop's PublishedResource for Clusters, without its related Secret.
    const published = RESOURCES_CLUSTER_YAML.split('  related:')[0] as string;
    await svc.patch(PUBLISHED_RESOURCES, undefined, 'publish-cnpg-cluster', published, {
      type: 'application/apply-patch+yaml',
      query: { fieldManager: 'bench', force: 'true' },
    });
    await until(
      'the export publishes clusters',
      async () =>
        JSON.stringify(await provider.get(EXPORTS, undefined, 'postgresql.cnpg.io')).includes(
          '.clusters.postgresql.cnpg.io',
        ),
      60_000,
    );

    // Tenants: workspaces, bindings with the claims accepted.
    const tenants = Array.from({ length: TENANTS }, (_, i) => `t${i}`);
    const clusterOf = new Map<string, string>();
    await pool(tenants, 16, async (t) => {
      await workspace(root, 'root:consumers', t);
      const ws = root.scoped(`/clusters/root:consumers:${t}`);
      await ws.create(BINDINGS, undefined, {
        apiVersion: 'apis.kcp.io/v1alpha2',
        kind: 'APIBinding',
        metadata: { name: 'postgresql.cnpg.io' },
        spec: {
          reference: { export: { path: 'root:providers:bench', name: 'postgresql.cnpg.io' } },
          permissionClaims: ['secrets', 'namespaces', 'events'].map((resource) => ({
            group: '',
            resource,
            verbs: ['*'],
            selector: { matchAll: true },
            state: 'Accepted',
          })),
        },
      });
      await until(`${t} bound`, async () => {
        const b = await ws.get(BINDINGS, undefined, 'postgresql.cnpg.io');
        return (b.status as { phase?: string })?.phase === 'Bound';
      });
      const lc = await ws.get(LOGICAL_CLUSTERS, undefined, 'cluster');
      clusterOf.set(t, lc.metadata.annotations?.['kcp.io/cluster'] ?? '');
    });
    const url = await until('the endpoint URL', async () => {
      const s = (await provider.get(SLICES, undefined, 'postgresql.cnpg.io')) as KubeObject & {
        status?: { endpoints?: { url: string }[] };
      };
      return s.status?.endpoints?.[0]?.url;
    });

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
    if (process.env.CANOPY_BENCH_SYNCAGENT_LOG && agent)
      writeFileSync(process.env.CANOPY_BENCH_SYNCAGENT_LOG, agent.output());
    await tenantView?.stop();
    await operator?.stop();
    await agent?.stop();
    root.close();
    svc.close();
    await Promise.all([kcp.stop(), service.stop()]);
    kcp.cleanup();
    service.cleanup();
    rmSync(dir.dir, { recursive: true, force: true });
  }
  return report;
}
