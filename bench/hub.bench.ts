/**
 * Hub benchmark, against `canopy start` with its hub:
 * - 100 CatalogEntries (one schema and one claim each) applied at once → all Ready: the
 *   time and entries/s. Baseline in the same run: the same steps for 100 providers done by
 *   hand through the API by a client doing 8 at a time (the hub reconciles 8 at a time):
 *   workspace, schema, export, its identity, bind grant, ServiceAccount and token,
 *   kubeconfig Secret, identity role.
 * - Enable → Bound through the hub (`POST …/enable`, as the caller) in 100 tenant
 *   workspaces, one after another, over kept-alive connections: p50 and p99. Baseline:
 *   an APIBinding created and watched until Bound directly through the API in 100 other
 *   workspaces, binding the exports provisioned by hand in the same order (an export's
 *   first binding costs more on either side).
 * The load runs in this process through the public API (the hub does too).
 */

import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { APIBinding, APIExport } from '../src/api/apis/types.ts';
import type { Secret } from '../src/api/core/types.ts';
import type { CatalogEntry } from '../src/api/providers/types.ts';
import type { Workspace } from '../src/api/tenancy/types.ts';
import { parseKubeconfig } from '../src/apimachinery/kubeconfig.ts';
import { KubeClient, type ResourceRef } from '../src/controller/kube/client.ts';
import { indices, pool } from '../test/e2e/harness/pool.ts';
import { widgetSchema } from '../test/e2e/harness/tenants.ts';
import { until } from '../test/e2e/harness/wait.ts';
import { type CanopyProcess, startCanopy } from './lib/canopy-server.ts';
import { Report } from './lib/report.ts';

const ENTRIES = Number(process.env.CANOPY_BENCH_HUB_ENTRIES ?? 100);
const TENANTS = Number(process.env.CANOPY_BENCH_HUB_TENANTS ?? 100);
const PARALLEL = 8;
/** How long one provider's or workspace's step may take under the load. */
const STEP_MS = 120_000;

const ref = (group: string, version: string, plural: string, namespaced = false): ResourceRef => ({
  group,
  version,
  plural,
  namespaced,
});
const WORKSPACES = ref('tenancy.kcp.io', 'v1alpha1', 'workspaces');
const SCHEMAS = ref('apis.kcp.io', 'v1alpha1', 'apiresourceschemas');
const EXPORTS = ref('apis.kcp.io', 'v1alpha2', 'apiexports');
const BINDINGS = ref('apis.kcp.io', 'v1alpha2', 'apibindings');
const ENTRIES_REF = ref('providers.kedge.faros.sh', 'v1alpha1', 'catalogentries');
const CLUSTER_ROLES = ref('rbac.authorization.k8s.io', 'v1', 'clusterroles');
const CLUSTER_ROLE_BINDINGS = ref('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings');
const SERVICE_ACCOUNTS = ref('', 'v1', 'serviceaccounts', true);
const SECRETS = ref('', 'v1', 'secrets', true);

const schemaOf = (i: number) => widgetSchema('v1', `p${i}.bench.io`);
const claims = [{ group: '', resource: 'configmaps', verbs: ['get', 'list', 'watch'] }];

async function workspaceReady(admin: KubeClient, parent: string, name: string): Promise<Workspace> {
  return until(
    `workspace ${parent}:${name}`,
    async () => {
      const ws = await admin
        .scoped(`/clusters/${parent}`)
        .getOrUndefined<Workspace>(WORKSPACES, undefined, name);
      return ws?.status?.phase === 'Ready' ? ws : undefined;
    },
    STEP_MS,
  );
}

async function createWorkspace(admin: KubeClient, parent: string, name: string): Promise<void> {
  await admin.scoped(`/clusters/${parent}`).create(WORKSPACES, undefined, {
    apiVersion: 'tenancy.kcp.io/v1alpha1',
    kind: 'Workspace',
    metadata: { name },
    spec: {},
  });
  await workspaceReady(admin, parent, name);
}

/** What the hub does for one provider, done by hand. */
async function provisionByHand(admin: KubeClient, origin: string, i: number): Promise<void> {
  await createWorkspace(admin, 'root:bench-manual', `p${i}`);
  const ws = admin.scoped(`/clusters/root:bench-manual:p${i}`);
  const exportName = `p${i}.bench.io`;
  await ws.create(SCHEMAS, undefined, schemaOf(i));
  await ws.create(EXPORTS, undefined, {
    apiVersion: 'apis.kcp.io/v1alpha2',
    kind: 'APIExport',
    metadata: { name: exportName },
    spec: {
      resources: [
        {
          name: 'widgets',
          group: exportName,
          schema: `v1.widgets.${exportName}`,
          storage: { crd: {} },
        },
      ],
      permissionClaims: claims,
    },
  });
  await until(
    'the export identity',
    async () =>
      (await ws.get<APIExport>(EXPORTS, undefined, exportName)).status?.identityHash
        ? true
        : undefined,
    STEP_MS,
  );
  for (const [role, rules, subjects] of [
    [
      `bind-${exportName}`,
      [
        {
          apiGroups: ['apis.kcp.io'],
          resources: ['apiexports'],
          resourceNames: [exportName],
          verbs: ['bind'],
        },
      ],
      [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }],
    ],
    [
      `provider-${exportName}`,
      [
        {
          apiGroups: ['apis.kcp.io'],
          resources: ['apiexports/content'],
          resourceNames: [exportName],
          verbs: ['*'],
        },
      ],
      [{ kind: 'ServiceAccount', name: 'provider', namespace: 'default' }],
    ],
  ] as const) {
    await ws.create(CLUSTER_ROLES, undefined, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: role },
      rules,
    });
    await ws.create(CLUSTER_ROLE_BINDINGS, undefined, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects,
    });
  }
  await ws.create(SERVICE_ACCOUNTS, 'default', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'provider', namespace: 'default' },
  });
  await ws.create(SECRETS, 'default', {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: {
      name: 'provider-token',
      namespace: 'default',
      annotations: { 'kubernetes.io/service-account.name': 'provider' },
    },
  });
  const token = await until(
    'the token',
    async () => (await ws.get<Secret>(SECRETS, 'default', 'provider-token')).data?.token,
    STEP_MS,
  );
  await ws.create(SECRETS, 'default', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'provider-kubeconfig', namespace: 'default' },
    stringData: {
      kubeconfig: `server: ${origin}\ntoken: ${Buffer.from(token, 'base64').toString()}\n`,
    },
  });
}

function entry(i: number): CatalogEntry {
  const group = `p${i}.bench.io`;
  return {
    apiVersion: 'providers.kedge.faros.sh/v1alpha1',
    kind: 'CatalogEntry',
    metadata: { name: `p${i}` },
    spec: {
      displayName: `Provider ${i}`,
      apiExport: {
        name: group,
        permissionClaims: claims.map((c) => ({ ...c, tenantScoped: true })),
        schemas: [{ groupResource: `widgets.${group}`, body: JSON.stringify(schemaOf(i)) }],
      },
    },
  };
}

/**
 * POST to the hub with the admin's token, over `agent`'s kept-alive connections, as a
 * browser's are (the baseline's client keeps its connections too).
 */
function hubPost(
  hubUrl: string,
  agent: Agent,
  token: string,
  path: string,
  body: unknown,
): Promise<number> {
  const url = new URL(hubUrl + path);
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Content-Length': payload.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Creates a binding and waits, watching, until Bound; resolves with the milliseconds taken. */
async function bindByHand(
  admin: KubeClient,
  workspace: string,
  exportPath: string,
  exportName: string,
): Promise<number> {
  const ws = admin.scoped(`/clusters/${workspace}`);
  const started = performance.now();
  const created = await ws.create<APIBinding>(BINDINGS, undefined, {
    apiVersion: 'apis.kcp.io/v1alpha2',
    kind: 'APIBinding',
    metadata: { name: 'manual' },
    spec: {
      reference: { export: { path: exportPath, name: exportName } },
      permissionClaims: claims.map((c) => ({
        ...c,
        selector: { matchAll: true },
        state: 'Accepted' as const,
      })),
    },
  });
  await new Promise<void>((resolve, reject) => {
    let abort: (() => void) | undefined;
    ws.watch<APIBinding>(
      '/apis/apis.kcp.io/v1alpha2/apibindings',
      { fieldSelector: 'metadata.name=manual', resourceVersion: created.metadata.resourceVersion },
      (event) => {
        if (event.object.status?.phase === 'Bound') {
          abort?.();
          resolve();
        }
      },
      (err) => (err ? reject(err) : undefined),
    ).then((a) => {
      abort = a;
    }, reject);
  });
  return performance.now() - started;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

export async function run(): Promise<Report> {
  const report = new Report('hub');
  const server: CanopyProcess = await startCanopy({
    hub: true,
    args: ['--log-level', 'warn'],
    timeoutMs: 60_000,
  });
  const config = parseKubeconfig(readFileSync(server.kubeconfig, 'utf8'));
  const token = config.users[0]?.user.token ?? '';
  const ca = Buffer.from(config.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64');
  const admin = KubeClient.fromKubeconfig(server.kubeconfig, { hostOverride: server.url });
  try {
    // Provisioning: by hand first, then the same through the hub.
    await createWorkspace(admin, 'root', 'bench-manual');
    let started = performance.now();
    await pool(indices(ENTRIES), PARALLEL, (i) => provisionByHand(admin, server.url, i));
    const manualS = (performance.now() - started) / 1000;

    const catalog = admin.scoped('/clusters/root:kedge');
    started = performance.now();
    await pool(indices(ENTRIES), 16, async (i) => {
      await catalog.create(ENTRIES_REF, undefined, entry(i));
    });
    await until(
      `${ENTRIES} entries Ready`,
      async () => {
        const list = await catalog.list<CatalogEntry>(ENTRIES_REF);
        const ready = list.items.filter((e) =>
          e.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        ).length;
        return ready >= ENTRIES ? true : undefined;
      },
      300_000,
    );
    const hubS = (performance.now() - started) / 1000;
    report.metric(`${ENTRIES} CatalogEntries applied → all Ready`, hubS, 's');
    report.metric('CatalogEntries to Ready, per second', ENTRIES / hubS, 'entries/s');
    report.metric(
      `the same steps for ${ENTRIES} providers by hand (${PARALLEL} at a time)`,
      manualS,
      's',
    );
    report.ratio(
      'provisioning',
      manualS / hubS,
      'by hand ÷ through the hub (time; > 1: the hub is faster)',
    );

    // Enable → Bound: tenant workspaces for each way.
    await createWorkspace(admin, 'root', 'bench-tenants');
    await pool(indices(2 * TENANTS), PARALLEL, (i) =>
      createWorkspace(admin, 'root:bench-tenants', `t${i}`),
    );
    const viaHub: number[] = [];
    const hubAgent = new Agent({ keepAlive: true, ca });
    for (let i = 0; i < TENANTS; i++) {
      const t0 = performance.now();
      const code = await hubPost(
        server.hubUrl ?? '',
        hubAgent,
        token,
        `/api/workspaces/root:bench-tenants:t${i}/providers/p${i % ENTRIES}/enable`,
        {
          acceptedClaims: [{ group: '', resource: 'configmaps' }],
        },
      );
      if (code !== 200) throw new Error(`enable answered ${code}`);
      viaHub.push(performance.now() - t0);
    }
    hubAgent.destroy();
    // The exports provisioned by hand, bound in the same order: the first binding of an
    // export costs more (its endpoint slice gains the virtual workspace's URL), on both sides.
    const direct: number[] = [];
    for (let i = 0; i < TENANTS; i++) {
      const group = `p${i % ENTRIES}.bench.io`;
      direct.push(
        await bindByHand(
          admin,
          `root:bench-tenants:t${TENANTS + i}`,
          `root:bench-manual:p${i % ENTRIES}`,
          group,
        ),
      );
    }
    viaHub.sort((a, b) => a - b);
    direct.sort((a, b) => a - b);
    report.metric(
      `enable → Bound through the hub, p50 (${TENANTS} workspaces)`,
      quantile(viaHub, 0.5),
      'ms',
    );
    report.metric(
      `enable → Bound through the hub, p99 (${TENANTS} workspaces)`,
      quantile(viaHub, 0.99),
      'ms',
    );
    report.metric('APIBinding created → Bound by hand, p50', quantile(direct, 0.5), 'ms');
    report.metric('APIBinding created → Bound by hand, p99', quantile(direct, 0.99), 'ms');
    report.ratio(
      'enable-p50',
      quantile(direct, 0.5) / quantile(viaHub, 0.5),
      'by hand ÷ through the hub (p50 latency)',
    );
    report.ratio(
      'enable-p99',
      quantile(direct, 0.99) / quantile(viaHub, 0.99),
      'by hand ÷ through the hub (p99 latency)',
    );
  } finally {
    admin.close();
    await server.stop();
    server.cleanup();
  }
  return report;
}
