/**
 * The fleet: N tenants through the whole provider flow, in the six stages of issue 22, run
 * by `npm run bench -- fleet` (timed, at any size) and by test/e2e/fleet.test.ts (50
 * tenants, checked only):
 * 1. N tenant workspaces created and Ready;
 * 2. each bound to the provider's export, claims accepted (APIBinding Bound);
 * 3. each tenant creates a Cluster and the Secret it names; the agent copies both down;
 * 4. the service side writes each copy's status and a `<name>-app` Secret; the agent carries
 *    both up to the tenant;
 * 5. steady state: tenants update their Cluster at a fixed rate; tenant write → service copy
 *    and service status → tenant status;
 * 6. a tenth of the tenants delete their APIBinding; everything of theirs is cleaned up on
 *    both sides, and the others' copies stay.
 * Every stage waits, by watches, until everything it made has arrived, and fails loudly
 * naming what is missing. Times are `performance.now()` milliseconds of this process.
 */
import type { KubeObject } from '../../../src/apimachinery/meta.ts';
import {
  isNotFound,
  type KubeClient,
  type ResourceRef,
} from '../../../src/controller/kube/client.ts';
import { Reflector } from '../../../src/controller/kube/reflector.ts';
import { NAMESPACES, SECRETS } from '../../../src/syncagent/constants.ts';
import { silentLog } from '../../../src/syncagent/testing.ts';
import {
  BINDINGS,
  binding,
  createWorkspace,
  EXPORT_NAME,
  type ProviderFlow,
  pool,
  startProviderFlow,
  WORKSPACES,
} from './provider-flow.ts';
import { CLUSTERS, TestOperator } from './syncagent.ts';
import { sleep } from './wait.ts';

/** The workshop's Cluster with the Secret it names going down and `<name>-app` coming up. */
export const FLEET_PUBLISHED_RESOURCE = `apiVersion: syncagent.kcp.io/v1alpha1
kind: PublishedResource
metadata:
  name: publish-cnpg-cluster
spec:
  resource:
    kind: Cluster
    apiGroup: postgresql.cnpg.io
    versions: [v1]
  naming:
    namespace: "{{ .ClusterName }}"
    name: "{{ .Object.metadata.name }}"
  related:
    - identifier: credentials
      origin: kcp
      kind: Secret
      object:
        reference:
          path: spec.superuserSecret.name
    - identifier: app
      origin: service
      kind: Secret
      object:
        template:
          template: "{{ .Object.metadata.name }}-app"
`;

const OBJECT = 'db';
const CREDENTIALS = 'db-credentials';
const APP = 'db-app';
const HEALTHY = 'Cluster in healthy state';

export interface FleetOptions {
  readonly tenants: number;
  /** Tenant Cluster updates per second in stage 5, and for how long. */
  readonly steadyRate: number;
  readonly steadySeconds: number;
  /** Requests in flight from the tenants at once (stages 1-3 and 6). */
  readonly concurrency?: number;
  /** Each stage's deadline, ms (a stage that does not complete by then fails). */
  readonly stageTimeoutMs?: number;
  readonly nodeOptions?: string;
  /** More `canopy syncagent` flags (e.g. `--concurrency 64`). */
  readonly agentArgs?: readonly string[];
  /** Progress lines (long waits), e.g. to stderr. */
  readonly progress?: (line: string) => void;
  /** Awaited at the end of each stage (to read the processes' memory, to check). */
  readonly onStage?: (stage: StageResult, flow: ProviderFlow) => void | Promise<void>;
}

export interface StageResult {
  readonly name: string;
  /** Objects the stage made arrive (workspaces, bindings, copies, …). */
  readonly objects: number;
  readonly seconds: number;
  /** Latencies of the stage, seconds, sorted, by what they measure. */
  readonly latencies: Record<string, number[]>;
  /** The rate at which what this stage syncs was created, in the same run (objects/s). */
  readonly createRate?: number;
  /** What `createRate` counts. */
  readonly createdBy?: string;
}

interface Pending {
  readonly value: number;
  readonly at: number;
}

const phaseOf = (o: KubeObject) => (o.status as { phase?: string } | undefined)?.phase;
const instancesOf = (o: KubeObject | undefined, part: 'spec' | 'status') =>
  ((o?.[part] as { instances?: number } | undefined)?.instances ?? 0) as number;
const sorted = (ms: number[]) => ms.map((x) => x / 1000).sort((a, b) => a - b);
const clusterOf = (o: KubeObject) => o.metadata.annotations?.['kcp.io/cluster'] ?? '';

/**
 * Waits until `missing()` is empty, printing progress every 5 s; fails naming up to ten of
 * what never arrived.
 */
async function arrival(
  what: string,
  total: number,
  missing: () => string[],
  options: FleetOptions,
): Promise<void> {
  const deadline = Date.now() + (options.stageTimeoutMs ?? 600_000);
  let report = Date.now() + 5000;
  for (;;) {
    const left = missing();
    if (left.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `FLEET INCOMPLETE: ${left.length} of ${total} ${what} never arrived (${left.slice(0, 10).join(', ')}${left.length > 10 ? ', …' : ''})`,
      );
    if (Date.now() > report) {
      options.progress?.(`  ${what}: ${total - left.length}/${total}`);
      report = Date.now() + 5000;
    }
    await sleep(100);
  }
}

/** Runs the six stages; resolves with each stage's figures or throws what did not arrive. */
export async function runFleet(options: FleetOptions): Promise<StageResult[]> {
  const n = options.tenants;
  const concurrency = options.concurrency ?? 32;
  const log = options.progress ?? (() => {});
  const flow = await startProviderFlow({
    published: FLEET_PUBLISHED_RESOURCE,
    // Unbound workspaces are cleaned up a second after they unbind (default 30 s).
    agentArgs: ['--workspace-cleanup-delay', '1s', ...(options.agentArgs ?? [])],
    ...(options.nodeOptions ? { nodeOptions: options.nodeOptions } : {}),
  });
  const { root, svc } = flow;
  const reflectors: Reflector[] = [];
  const watch = async (
    client: KubeClient,
    ref: ResourceRef,
    name: string,
    key?: (o: KubeObject) => string,
  ) => {
    const r = new Reflector({ client, ref, log: silentLog, name, ...(key ? { key } : {}) });
    reflectors.push(r);
    await r.start();
    return r;
  };
  let operator: TestOperator | undefined;
  const results: StageResult[] = [];
  const done = async (stage: StageResult) => {
    results.push(stage);
    log(`stage ${results.length} ${stage.name}: ${stage.objects} in ${stage.seconds.toFixed(2)} s`);
    await options.onStage?.(stage, flow);
  };
  try {
    const tenants = Array.from({ length: n }, (_, i) => `t${i}`);
    const ws = (t: string) => root.scoped(`/clusters/root:consumers:${t}`);

    // 1. Workspaces, Ready as a watch on root:consumers sees them.
    const readyAt = new Map<string, number>();
    const clusterName = new Map<string, string>();
    const workspaces = await watch(root.scoped('/clusters/root:consumers'), WORKSPACES, 'fleet-ws');
    workspaces.on((_t, o) => {
      if (phaseOf(o) !== 'Ready' || readyAt.has(o.metadata.name ?? '')) return;
      readyAt.set(o.metadata.name ?? '', performance.now());
      clusterName.set(o.metadata.name ?? '', (o.spec as { cluster?: string }).cluster ?? '');
    });
    log(`stage 1: ${n} workspaces`);
    const createdAt = new Map<string, number>();
    let start = performance.now();
    await pool(tenants, concurrency, async (t) => {
      createdAt.set(t, performance.now());
      await createWorkspace(root, 'root:consumers', t);
    });
    await arrival('workspaces Ready', n, () => tenants.filter((t) => !readyAt.has(t)), options);
    await done({
      name: 'workspaces Ready',
      objects: n,
      seconds: (performance.now() - start) / 1000,
      latencies: {
        'create → Ready': sorted(
          tenants.map((t) => (readyAt.get(t) ?? 0) - (createdAt.get(t) ?? 0)),
        ),
      },
    });

    // 2. Bindings, Bound as a wildcard watch over every workspace sees them.
    const boundAt = new Map<string, number>();
    const tenantOf = new Map([...clusterName].map(([t, c]) => [c, t]));
    const bindings = await watch(root.scoped('/clusters/*'), BINDINGS, 'fleet-bindings', (o) =>
      clusterOf(o),
    );
    bindings.on((_t, o) => {
      const t = tenantOf.get(clusterOf(o));
      if (t && phaseOf(o) === 'Bound' && !boundAt.has(t)) boundAt.set(t, performance.now());
    });
    log(`stage 2: ${n} bindings`);
    start = performance.now();
    await pool(tenants, concurrency, async (t) => {
      createdAt.set(t, performance.now());
      await ws(t).create(BINDINGS, undefined, binding(['secrets', 'namespaces', 'events']));
    });
    await arrival('bindings Bound', n, () => tenants.filter((t) => !boundAt.has(t)), options);
    await done({
      name: 'bindings Bound',
      objects: n,
      seconds: (performance.now() - start) / 1000,
      latencies: {
        'create → Bound': sorted(
          tenants.map((t) => (boundAt.get(t) ?? 0) - (createdAt.get(t) ?? 0)),
        ),
      },
    });

    // Watches: the copies on the service cluster (namespace = the tenant's logical cluster),
    // and the tenants' Clusters and Secrets through the export's virtual workspace.
    operator = new TestOperator(flow.service.kubeconfig, { full: false, appSecret: true });
    operator.writeStatus = false;
    await operator.start();
    const serviceSecrets = await watch(svc, SECRETS, 'fleet-svc-secrets');
    const vw = root.rebase(await flow.vwUrl()).scoped('/clusters/*');
    const byCluster = (o: KubeObject) =>
      `${clusterOf(o)}/${o.metadata.namespace}/${o.metadata.name}`;
    const tenantClusters = await watch(vw, CLUSTERS, 'fleet-vw-clusters', byCluster);
    const tenantSecrets = await watch(vw, SECRETS, 'fleet-vw-secrets', byCluster);
    await flow.agent.waitFor(/caches synced; syncing/, 60_000);
    const copyKey = (t: string, name: string) => `${clusterName.get(t)}/${name}`;
    const tenantKey = (t: string, name: string) => `${clusterName.get(t)}/default/${name}`;
    const firstSeen = (
      r: Reflector,
      key: (o: KubeObject) => string,
      when: (o: KubeObject) => boolean,
    ) => {
      const at = new Map<string, number>();
      r.on((type, o) => {
        const k = key(o);
        if (type !== 'delete' && when(o) && !at.has(k)) at.set(k, performance.now());
      });
      return at;
    };
    const svcKey = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
    const copiedAt = firstSeen(operator.clusters, svcKey, () => true);
    const secretCopiedAt = firstSeen(serviceSecrets, svcKey, () => true);
    const statusAt = firstSeen(operator.clusters, svcKey, (o) => phaseOf(o) === HEALTHY);
    const appAt = firstSeen(serviceSecrets, svcKey, (o) => o.metadata.name === APP);
    const statusUpAt = firstSeen(tenantClusters, byCluster, (o) => phaseOf(o) === HEALTHY);
    const appUpAt = firstSeen(tenantSecrets, byCluster, (o) => o.metadata.name === APP);

    // 3. Each tenant creates a Secret and the Cluster naming it; the agent copies both.
    log(`stage 3: ${n} Clusters and ${n} Secrets`);
    const objectCreatedAt = new Map<string, number>();
    start = performance.now();
    await pool(tenants, concurrency, async (t) => {
      await ws(t).create(SECRETS, 'default', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: CREDENTIALS },
        type: 'kubernetes.io/basic-auth',
        stringData: { username: 'postgres', password: `secret-of-${t}` },
      });
      objectCreatedAt.set(copyKey(t, CREDENTIALS), performance.now());
      await ws(t).create(CLUSTERS, 'default', {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Cluster',
        metadata: { name: OBJECT },
        spec: { instances: 1, storage: { size: '1Gi' }, superuserSecret: { name: CREDENTIALS } },
      });
      objectCreatedAt.set(copyKey(t, OBJECT), performance.now());
    });
    const posted = performance.now();
    const copies = tenants.flatMap((t) => [copyKey(t, OBJECT), copyKey(t, CREDENTIALS)]);
    const copied = (k: string) => copiedAt.has(k) || secretCopiedAt.has(k);
    await arrival(
      'copies on the service cluster',
      copies.length,
      () => copies.filter((k) => !copied(k)),
      options,
    );
    const copyLatency = (name: string, at: Map<string, number>) =>
      sorted(
        tenants.map(
          (t) => (at.get(copyKey(t, name)) ?? 0) - (objectCreatedAt.get(copyKey(t, name)) ?? 0),
        ),
      );
    await done({
      name: 'objects copied down',
      objects: copies.length,
      seconds:
        (Math.max(...copies.map((k) => copiedAt.get(k) ?? secretCopiedAt.get(k) ?? 0)) - start) /
        1000,
      latencies: {
        'tenant create → Cluster copy': copyLatency(OBJECT, copiedAt),
        'tenant create → Secret copy': copyLatency(CREDENTIALS, secretCopiedAt),
      },
      createRate: copies.length / ((posted - start) / 1000),
      createdBy: 'tenant creates/s',
    });

    // 4. The service side writes status and the app Secret; the agent carries both up.
    log(`stage 4: ${n} statuses and ${n} Secrets up`);
    start = performance.now();
    operator.writeStatus = true;
    operator.resync();
    const ups = tenants.flatMap((t) => [tenantKey(t, OBJECT), tenantKey(t, APP)]);
    const up = (k: string) => (k.endsWith(`/${APP}`) ? appUpAt : statusUpAt).get(k);
    await arrival(
      'statuses and Secrets up in the tenants',
      ups.length,
      () => ups.filter((k) => up(k) === undefined),
      options,
    );
    const written = tenants.flatMap((t) => [
      statusAt.get(copyKey(t, OBJECT)),
      appAt.get(copyKey(t, APP)),
    ]);
    if (written.some((w) => w === undefined))
      throw new Error('FLEET INCOMPLETE: a service-side write was not seen');
    const upLatency = (name: string, from: Map<string, number>, to: Map<string, number>) =>
      sorted(
        tenants.map((t) => (to.get(tenantKey(t, name)) ?? 0) - (from.get(copyKey(t, name)) ?? 0)),
      );
    await done({
      name: 'status and Secrets up',
      objects: ups.length,
      seconds: (Math.max(...ups.map((k) => up(k) ?? 0)) - start) / 1000,
      latencies: {
        'service status → tenant status': upLatency(OBJECT, statusAt, statusUpAt),
        'service Secret → tenant Secret': upLatency(APP, appAt, appUpAt),
      },
      createRate: written.length / ((Math.max(...(written as number[])) - start) / 1000),
      createdBy: 'service-side writes/s',
    });

    // 5. Steady state: `steadyRate` updates/s of spec.instances, round robin over tenants.
    // An update is down when the copy's spec reaches its value, up when the tenant's status
    // does (later values may overtake earlier ones: each resolves every update at or below).
    const downPending = new Map<string, Pending[]>();
    const upPending = new Map<string, Pending[]>();
    const down: number[] = [];
    const upLat: number[] = [];
    const statusSeenAt = new Map<string, Pending[]>();
    const lastSpec = new Map<string, number>();
    const lastUp = new Map<string, number>();
    let lastSettled = 0;
    const settle = (pending: Map<string, Pending[]>, key: string, value: number, out: number[]) => {
      const list = pending.get(key);
      if (!list) return;
      const now = performance.now();
      while (list.length > 0 && (list[0] as Pending).value <= value)
        out.push(now - (list.shift() as Pending).at);
    };
    operator.clusters.on((type, o) => {
      if (type === 'delete') return;
      const k = svcKey(o);
      lastSpec.set(k, instancesOf(o, 'spec'));
      settle(downPending, k, instancesOf(o, 'spec'), down);
      // The service status of value v was written now: the tenant should see it next.
      const v = instancesOf(o, 'status');
      const seen = statusSeenAt.get(k) ?? [];
      if (phaseOf(o) === HEALTHY && (seen.at(-1)?.value ?? 0) < v)
        seen.push({ value: v, at: performance.now() });
      statusSeenAt.set(k, seen);
    });
    tenantClusters.on((type, o) => {
      if (type === 'delete') return;
      const k = `${clusterOf(o)}/${o.metadata.name}`;
      const v = instancesOf(o, 'status');
      lastUp.set(k, v);
      const list = statusSeenAt.get(k) ?? [];
      const now = performance.now();
      while (list.length > 0 && (list[0] as Pending).value <= v)
        upLat.push(now - (list.shift() as Pending).at);
      if ((upPending.get(k)?.length ?? 0) > 0) lastSettled = now;
      settle(upPending, k, v, []);
    });
    const total = Math.max(1, Math.round(options.steadyRate * options.steadySeconds));
    log(`stage 5: ${total} updates at ${options.steadyRate}/s`);
    const value = new Map<string, number>(tenants.map((t) => [t, 1]));
    start = performance.now();
    let sent = 0;
    let inFlight = 0;
    let progressAt = start + 5000;
    const errors: unknown[] = [];
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(
          total,
          Math.floor(((performance.now() - start) / 1000) * options.steadyRate) + 1,
        );
        while (sent < due && inFlight < 256) {
          const t = tenants[sent % n] as string;
          const v = (value.get(t) ?? 1) + 1;
          value.set(t, v);
          const k = copyKey(t, OBJECT);
          sent++;
          inFlight++;
          void ws(t)
            .patch(CLUSTERS, 'default', OBJECT, { spec: { instances: v } })
            .then(() => {
              const at = performance.now();
              // The watch may have seen the value before the response arrived.
              if ((lastSpec.get(k) ?? 0) >= v) down.push(0);
              else downPending.set(k, [...(downPending.get(k) ?? []), { value: v, at }]);
              if ((lastUp.get(k) ?? 0) < v)
                upPending.set(k, [...(upPending.get(k) ?? []), { value: v, at }]);
            })
            .catch((err: unknown) => errors.push(err))
            .finally(() => {
              inFlight--;
            });
        }
        if (performance.now() > progressAt) {
          log(`  updates sent: ${sent - inFlight}/${total}`);
          progressAt = performance.now() + 5000;
        }
        if (sent >= total && inFlight === 0) resolve();
        else setTimeout(tick, 5);
      };
      tick();
    });
    if (errors.length > 0)
      throw new Error(`FLEET: ${errors.length} updates failed: ${(errors[0] as Error).message}`);
    const sentSeconds = (performance.now() - start) / 1000;
    const late = (m: Map<string, Pending[]>) =>
      [...m].filter(([, l]) => l.length > 0).map(([k]) => k);
    await arrival('updates copied down', total, () => late(downPending), options);
    await arrival('statuses of the updates up', total, () => late(upPending), options);
    await done({
      name: `steady state (${options.steadyRate}/s)`,
      objects: total,
      // First update sent → last one's status in its tenant.
      seconds: (Math.max(lastSettled, start + sentSeconds * 1000) - start) / 1000,
      latencies: {
        'tenant write → service copy': sorted(down),
        'service status → tenant status': sorted(upLat),
      },
      createRate: total / sentSeconds,
      createdBy: 'tenant updates/s',
    });

    // 6. A tenth of the tenants unbind; their copies, Secrets, state and namespaces go on the
    // service side, their Clusters and the app Secret in their workspaces; the others stay.
    const leaving = tenants
      .filter((_, i) => i % 10 === 9)
      .slice(0, Math.max(1, Math.floor(n / 10)));
    const staying = tenants.filter((t) => !leaving.includes(t));
    log(`stage 6: ${leaving.length} tenants unbind`);
    const namespaces = await watch(svc, NAMESPACES, 'fleet-svc-namespaces');
    // Per tenant: its binding; the Cluster copy, two Secrets, state Secret and namespace.
    const removed = leaving.length * 6;
    start = performance.now();
    await pool(leaving, concurrency, async (t) => {
      await ws(t).delete(BINDINGS, undefined, EXPORT_NAME);
    });
    const tenantGone = new Set<string>();
    const leavingClusters = new Map(leaving.map((t) => [clusterName.get(t) ?? '', t]));
    // What of a leaving tenant is still there: on the service side its namespace, the
    // copies in it and its state Secret (obj-state-<cluster>-<hash>); its binding in kcp.
    const leftovers = () => {
      const left = leaving.filter((t) => !tenantGone.has(t)).map((t) => `${t} binding`);
      for (const s of serviceSecrets.list()) {
        const name = s.metadata.name ?? '';
        const c =
          s.metadata.namespace === 'syncagent' && name.startsWith('obj-state-')
            ? name.slice('obj-state-'.length, name.lastIndexOf('-'))
            : (s.metadata.namespace ?? '');
        if (leavingClusters.has(c)) left.push(`Secret ${s.metadata.namespace}/${name}`);
      }
      for (const o of operator?.clusters.list() ?? [])
        if (leavingClusters.has(o.metadata.namespace ?? ''))
          left.push(`Cluster ${o.metadata.namespace}/${o.metadata.name}`);
      for (const o of namespaces.list())
        if (leavingClusters.has(o.metadata.name ?? '')) left.push(`namespace ${o.metadata.name}`);
      return left;
    };
    // Whether each binding is gone, in rounds a second apart (GETs of every leaving tenant's
    // binding every 250 ms were 4,000 requests a second at 10,000 tenants, competing with
    // the cleanup measured).
    let checking = true;
    const checkTenants = (async () => {
      while (checking) {
        await pool(
          leaving.filter((t) => !tenantGone.has(t)),
          concurrency,
          async (t) => {
            await ws(t)
              .get(BINDINGS, undefined, EXPORT_NAME)
              .catch((err: unknown) => {
                if (isNotFound(err)) tenantGone.add(t);
              });
          },
        );
        await sleep(1000);
      }
    })();
    try {
      await arrival('cleanups of unbound tenants', removed, leftovers, options);
    } finally {
      checking = false;
      await checkTenants;
    }
    const gone = performance.now();
    // The app Secret the agent put into a tenant's workspace: the agent no longer reaches a
    // workspace that unbound, so this counts what stays (not a failure: a core object of the
    // tenant's own workspace, as kcp leaves it).
    const appLeft: string[] = [];
    await pool(leaving, concurrency, async (t) => {
      if (await ws(t).getOrUndefined(SECRETS, 'default', APP)) appLeft.push(t);
    });
    const stayingMissing = staying.filter((t) => !operator?.clusters.get(copyKey(t, OBJECT)));
    if (stayingMissing.length > 0)
      throw new Error(
        `FLEET: ${stayingMissing.length} bound tenants lost their copies (${stayingMissing.slice(0, 10).join(', ')})`,
      );
    await done({
      name: 'unbound tenants cleaned up',
      objects: removed,
      seconds: (gone - start) / 1000,
      latencies: {},
    });
    if (appLeft.length > 0) log(`  note: ${appLeft.length} app Secrets stay in unbound workspaces`);
    return results;
  } finally {
    for (const r of reflectors) await r.stop();
    await operator?.stop();
    await flow.stop();
  }
}
