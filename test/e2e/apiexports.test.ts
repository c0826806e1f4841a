/**
 * API exports, bindings, permission claims and the APIExport virtual workspace end to end
 * (`canopy start`, workspaces): the kcp part of the workshop replayed with kubectl 1.33
 * and the kcp plugins — a provider exports a snapshotted Cluster CRD from
 * root:providers:database, a tenant in root:consumers:pg binds it accepting claims on
 * secrets and namespaces, and the provider's @kubernetes/client-node informers on the
 * virtual workspace see every tenant's objects through one wildcard watch and write
 * status back — then what must not work (a 403 into one workspace, as kcp's bound-API
 * check): rejected and unaccepted claims, unbound workspaces, binding without `bind`, naming conflicts, schema immutability, and the
 * virtual workspace without `apiexports/content`. One control plane serves every test;
 * the tests build on one another and run in order.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient, type RawRequest, type RawResponse } from './harness/http.ts';
import { type Kubectl, kubectlWithPlugins } from './harness/kubectl.ts';
import { clusterCrd } from './harness/manifests.ts';
import { until as poll } from './harness/wait.ts';

const TOKENS = 'carol-token,carol,2001,"tenants"\npete-token,pete,2002,"providers"\n';
const WS = '/apis/tenancy.kcp.io/v1alpha1/workspaces';
const EXPORT = 'postgresql.cnpg.io';
const EXPORT_REF = `root:providers:database:${EXPORT}`;
const PROVIDER = 'root:providers:database';
const CLUSTERS = '/apis/postgresql.cnpg.io/v1/clusters';
const ns = (name: string) => `/apis/postgresql.cnpg.io/v1/namespaces/${name}/clusters`;

/** The workshop's export, in the v1alpha1 shape. */
const EXPORT_V1ALPHA1 = `apiVersion: apis.kcp.io/v1alpha1
kind: APIExport
metadata:
  name: ${EXPORT}
spec:
  latestResourceSchemas:
    - v1.clusters.postgresql.cnpg.io
  permissionClaims:
    - group: ""
      resource: secrets
      all: true
    - group: ""
      resource: namespaces
      all: true
`;

const cluster = (name: string, instances = 1) =>
  JSON.stringify({
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name, namespace: 'default' },
    spec: { instances },
  });
const secret = (name: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    stringData: { password: 'hunter2' },
  });

/** `until`, polling every 50 ms for up to 15 s unless told. */
const until = <T>(what: string, probe: () => Promise<T> | T, timeoutMs = 15_000) =>
  poll(what, probe, timeoutMs, 50);

interface Obj {
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    resourceVersion?: string;
  };
  status?: Record<string, unknown>;
  spec?: Record<string, unknown>;
}
interface Binding extends Obj {
  spec: { permissionClaims?: Array<{ resource: string; state: string }> };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    boundResources?: Array<{ resource: string; schema: { name: string; identityHash: string } }>;
    appliedPermissionClaims?: Array<{ resource: string; verbs: string[] }>;
    exportPermissionClaims?: Array<{ resource: string; verbs: string[] }>;
  };
}
const clusterOf = (o: Obj) => o.metadata.annotations?.['kcp.io/cluster'];
const names = (list: { items: Obj[] }) => list.items.map((i) => i.metadata.name).sort();

describe('API exports, bindings and the APIExport virtual workspace', () => {
  let server: CanopyProcess;
  let home: string;
  let k: Kubectl;
  let send: (r: RawRequest) => Promise<RawResponse>;
  let admin: k8s.KubeConfig;
  /** Virtual workspace URL of the export, from its endpoint slice. */
  let vw = '';
  /** Logical cluster names by workspace path. */
  const clusterNames = new Map<string, string>();
  const informers: Array<{ stop(): Promise<void> }> = [];
  const seen: { clusters: Map<string, Obj>; secrets: Map<string, Obj>; events: string[] } = {
    clusters: new Map(),
    secrets: new Map(),
    events: [],
  };

  const json = async <T = Obj>(r: RawRequest): Promise<T> => {
    const res = await send(r);
    if (res.status >= 300)
      throw new Error(`${r.method ?? 'GET'} ${r.path}: ${res.status} ${res.body}`);
    return JSON.parse(res.body) as T;
  };
  /** The status code a request gets. */
  const statusOf = async (r: RawRequest) => (await send(r)).status;
  const post = (path: string, body: string, token?: string) =>
    send({ method: 'POST', path, body, ...(token ? { token } : {}) });
  /** A request to the virtual workspace, for `target` (a cluster name or `*`). */
  const vwPath = (target: string, rest: string) =>
    `${new URL(vw).pathname}/clusters/${target}${rest}`;
  const binding = (ws: string, name = EXPORT) =>
    json<Binding>({ path: `/clusters/${ws}/apis/apis.kcp.io/v1alpha2/apibindings/${name}` });

  /** Creates `parent:name` and waits for Ready; returns its logical cluster name. */
  const workspace = async (parent: string, name: string): Promise<string> => {
    const created = await post(
      `/clusters/${parent}${WS}`,
      JSON.stringify({
        apiVersion: 'tenancy.kcp.io/v1alpha1',
        kind: 'Workspace',
        metadata: { name },
      }),
    );
    if (created.status !== 201 && created.status !== 409) throw new Error(created.body);
    const ws = await until(`${parent}:${name} Ready`, async () => {
      const w = await json<{ spec: { cluster: string }; status?: { phase?: string } }>({
        path: `/clusters/${parent}${WS}/${name}`,
      });
      return w.status?.phase === 'Ready' && w;
    });
    clusterNames.set(`${parent}:${name}`, ws.spec.cluster);
    return ws.spec.cluster;
  };

  /** A kubeconfig for client-node against `serverUrl`, with the admin's CA and credentials. */
  const clientConfig = (serverUrl: string): k8s.KubeConfig => {
    const base = admin.getCurrentCluster() as k8s.Cluster;
    const user = admin.getCurrentUser() as k8s.User;
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ ...base, name: 'vw', server: serverUrl }],
      users: [{ ...user, name: 'provider' }],
      contexts: [{ name: 'vw', cluster: 'vw', user: 'provider' }],
      currentContext: 'vw',
    });
    return kc;
  };

  /** A ClusterRoleBinding `name` of `role` to the user `user` in workspace `ws`. */
  const bindClusterRole = (ws: string, name: string, role: string, user: string) =>
    json({
      method: 'POST',
      path: `/clusters/${ws}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings`,
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      }),
    });
  /** `kubectl kcp bind apiexport` of the export, in the current workspace. */
  const bindExport = (...flags: string[]) =>
    k.ok(['kcp', 'bind', 'apiexport', EXPORT_REF, ...flags]);
  /** `kubectl patch --type=json` of the export or the binding named EXPORT. */
  const patchExport = (kind: 'apiexport' | 'apibinding', ops: unknown[]) =>
    k.ok(['patch', kind, EXPORT, '--type=json', '-p', JSON.stringify(ops)]);
  /** `kubectl kcp crd snapshot` of a CRD file in `home`. */
  const snapshot = (file: string, prefix: string) =>
    k.ok(['kcp', 'crd', 'snapshot', '-f', join(home, file), '--prefix', prefix]);

  /** The provider replaces a tenant Cluster's status through the virtual workspace. */
  const writeStatus = async (
    tenantCluster: string,
    name: string,
    status: (current: Obj) => Record<string, unknown>,
  ) => {
    const tenant = clientConfig(`${vw}/clusters/${tenantCluster}`).makeApiClient(
      k8s.CustomObjectsApi,
    );
    const ref = {
      group: 'postgresql.cnpg.io',
      version: 'v1',
      namespace: 'default',
      plural: 'clusters',
      name,
    };
    const current = (await tenant.getNamespacedCustomObject(ref)) as Obj;
    await tenant.replaceNamespacedCustomObjectStatus({
      ...ref,
      body: { ...current, status: status(current) },
    });
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'canopy-apiexports-'));
    writeFileSync(join(home, 'tokens.csv'), TOKENS);
    server = await startCanopy({ args: ['--token-auth-file', join(home, 'tokens.csv')] });
    k = kubectlWithPlugins(server.kubeconfig, home, 'kubeconfig');
    send = httpClient(server.kubeconfig);
    admin = new k8s.KubeConfig();
    admin.loadFromFile(server.kubeconfig);
  });

  afterAll(async () => {
    for (const i of informers) await i.stop().catch(() => {});
    await server?.stop();
    server?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('replays the workshop: snapshot, export, bind with claims, provider informers, status', async () => {
    // Provider: root:providers:database with the snapshotted schema and the export.
    expect(await k.ok(['ws', 'use', ':root'])).toMatch(/^Current workspace is 'root'/);
    await k.ok(['create', 'workspace', 'providers', '--enter']);
    await k.ok(['create', 'workspace', 'database', '--enter']);
    expect(await k.ok(['ws', '.'])).toBe(`Current workspace is '${PROVIDER}'.\n`);
    writeFileSync(join(home, 'crd.yaml'), clusterCrd());
    const schema = await snapshot('crd.yaml', 'v1');
    expect(schema).toContain('name: v1.clusters.postgresql.cnpg.io');
    expect(await k.ok(['apply', '-f', '-'], { input: schema })).toBe(
      'apiresourceschema.apis.kcp.io/v1.clusters.postgresql.cnpg.io created\n',
    );
    expect(await k.ok(['apply', '-f', '-'], { input: EXPORT_V1ALPHA1 })).toBe(
      `apiexport.apis.kcp.io/${EXPORT} created\n`,
    );
    const providerCluster = await json<{ spec: { cluster: string } }>({
      path: `/clusters/root:providers${WS}/database`,
    });
    clusterNames.set(PROVIDER, providerCluster.spec.cluster);

    // The export gets its identity, and an endpoint slice — without a URL while nobody binds it.
    const slicePath = `/clusters/${PROVIDER}/apis/apis.kcp.io/v1alpha1/apiexportendpointslices/${EXPORT}`;
    const exported = await until('the identity hash', async () => {
      const e = await json<{
        spec: { identity?: unknown };
        status?: { identityHash?: string };
      }>({
        path: `/clusters/${PROVIDER}/apis/apis.kcp.io/v1alpha2/apiexports/${EXPORT}`,
      });
      return e.status?.identityHash ? e : undefined;
    });
    expect(exported.status?.identityHash).toMatch(/^[0-9a-f]{64}$/);
    // As kcp, the export names the identity Secret it was given.
    expect(exported.spec.identity).toEqual({
      secretRef: { namespace: 'kcp-system', name: EXPORT },
    });
    const unbound = await until('the endpoint slice', () =>
      json<{ status?: { endpoints?: unknown[]; conditions?: unknown[] } }>({ path: slicePath }),
    );
    expect(unbound.status?.endpoints ?? []).toEqual([]);

    // Both versions of the export, converted.
    const v2 = await k.ok(['get', 'apiexport', EXPORT, '-o', 'yaml']);
    expect(v2).toContain('apiVersion: apis.kcp.io/v1alpha2\n');
    expect(v2).toContain(
      '  resources:\n  - group: postgresql.cnpg.io\n    name: clusters\n' +
        '    schema: v1.clusters.postgresql.cnpg.io\n    storage:\n      crd: {}\n',
    );
    expect(v2).toContain('  - group: ""\n    resource: secrets\n    verbs:\n    - \'*\'\n');
    expect(v2.slice(v2.indexOf('\nspec:'))).not.toContain('latestResourceSchemas');
    const v1 = await k.ok(['get', `apiexports.v1alpha1.apis.kcp.io`, EXPORT, '-o', 'yaml']);
    expect(v1).toContain('apiVersion: apis.kcp.io/v1alpha1\n');
    expect(v1).toContain('  latestResourceSchemas:\n  - v1.clusters.postgresql.cnpg.io\n');
    expect(v1).toContain('  - all: true\n    group: ""\n    resource: secrets\n');
    expect(v1.slice(v1.indexOf('\nspec:'))).not.toContain('verbs');
    expect(v1).not.toContain('apis.v1alpha2.kcp.io');

    // Tenant: root:consumers:pg binds the export, accepting the claims.
    await k.ok(['ws', ':root']);
    await k.ok(['create', 'workspace', 'consumers', '--enter']);
    await k.ok(['create', 'workspace', 'pg', '--enter']);
    const pg = (
      await json<{ spec: { cluster: string } }>({ path: `/clusters/root:consumers${WS}/pg` })
    ).spec.cluster;
    clusterNames.set('root:consumers:pg', pg);
    expect(await bindExport('--accept-permission-claim', 'secrets.core,namespaces.core')).toBe(
      `apibinding ${EXPORT} created. Waiting to successfully bind ...\n${EXPORT} created and bound.\n`,
    );
    expect(await k.ok(['kcp', 'claims', 'get', 'apibinding', EXPORT])).toBe(
      'APIBINDING           GROUP-RESOURCE   VERBS   STATUS\n' +
        `${EXPORT}   secrets          *       Accepted\n` +
        `${EXPORT}   namespaces       *       Accepted\n`,
    );
    const bound = await binding('root:consumers:pg');
    expect(bound.status?.phase).toBe('Bound');
    expect(bound.status?.boundResources?.map((r) => r.schema.name)).toEqual([
      'v1.clusters.postgresql.cnpg.io',
    ]);
    expect(bound.status?.boundResources?.[0]?.schema.identityHash).toBe(
      exported.status?.identityHash,
    );
    expect(
      Object.fromEntries((bound.status?.conditions ?? []).map((c) => [c.type, c.status])),
    ).toMatchObject({
      APIExportValid: 'True',
      InitialBindingCompleted: 'True',
      BindingUpToDate: 'True',
      PermissionClaimsValid: 'True',
      PermissionClaimsApplied: 'True',
      Ready: 'True',
    });

    // The endpoint slice now lists the virtual workspace.
    const slice = await until('the endpoint URL', async () => {
      const s = await json<{ status?: { endpoints?: Array<{ url: string }> } }>({
        path: slicePath,
      });
      return (s.status?.endpoints?.length ?? 0) > 0 && s;
    });
    vw = slice.status?.endpoints?.[0]?.url as string;
    expect(vw).toBe(`${server.url}/services/apiexport/${providerCluster.spec.cluster}/${EXPORT}`);

    // The tenant creates a Cluster and a Secret.
    await k.ok(['apply', '-f', '-'], { input: cluster('db', 3) });
    await k.ok(['apply', '-f', '-'], { input: secret('db-app') });

    // The provider: informers on the wildcard of the virtual workspace.
    const wildcard = clientConfig(`${vw}/clusters/*`);
    const custom = wildcard.makeApiClient(k8s.CustomObjectsApi);
    const core = wildcard.makeApiClient(k8s.CoreV1Api);
    const clusterInformer = k8s.makeInformer<k8s.KubernetesObject>(
      wildcard,
      CLUSTERS,
      () =>
        custom.listClusterCustomObject({
          group: 'postgresql.cnpg.io',
          version: 'v1',
          plural: 'clusters',
        }) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>,
    );
    const secretInformer = k8s.makeInformer<k8s.V1Secret>(wildcard, '/api/v1/secrets', () =>
      core.listSecretForAllNamespaces(),
    );
    const key = (o: k8s.KubernetesObject) =>
      `${o.metadata?.annotations?.['kcp.io/cluster']}/${o.metadata?.name}`;
    for (const [informer, into, kind] of [
      [clusterInformer, seen.clusters, 'cluster'],
      [secretInformer, seen.secrets, 'secret'],
    ] as const) {
      const record = (type: string) => (o: k8s.KubernetesObject) => {
        seen.events.push(`${type} ${kind} ${key(o)}`);
        if (type === 'delete') into.delete(key(o));
        else into.set(key(o), o as Obj);
      };
      informer.on('add', record('add'));
      informer.on('update', record('update'));
      informer.on('delete', record('delete'));
      informer.on('error', () => {});
      await informer.start();
      informers.push(informer);
    }
    const db = await until('the provider sees the Cluster', () => seen.clusters.get(`${pg}/db`));
    expect(clusterOf(db)).toBe(pg);
    expect(db.spec).toEqual({ instances: 3 });
    const dbSecret = await until('the provider sees the Secret', () =>
      seen.secrets.get(`${pg}/db-app`),
    );
    expect(clusterOf(dbSecret)).toBe(pg);

    // It writes status through the tenant's cluster in the virtual workspace.
    await writeStatus(pg, 'db', () => ({ phase: 'Cluster in healthy state' }));
    await until(
      'the informer sees the status',
      () => seen.clusters.get(`${pg}/db`)?.status?.phase === 'Cluster in healthy state',
    );

    // The tenant sees it, with the schema's printer columns.
    const table = (await k.ok(['get', 'clusters'])).split('\n');
    expect(table[0]).toMatch(/^NAME\s+INSTANCES\s+STATUS$/);
    expect(table[1]).toMatch(/^db\s+3\s+Cluster in healthy state$/);
    // Spec stays the tenant's: the status write did not change it.
    expect(await k.ok(['get', 'clusters', 'db', '-o', 'jsonpath={.spec.instances}'])).toBe('3');
  });

  it('kubectl works on the virtual workspace as on a cluster: version, validation, explain', async () => {
    const pg = clusterNames.get('root:consumers:pg') as string;
    const onVw = (...args: string[]) => k.ok(['--server', `${vw}/clusters/${pg}`, ...args]);
    expect(JSON.parse(await onVw('version', '-o', 'json')).serverVersion.minor).toBe('32');
    // Default client-side validation downloads the OpenAPI of what the provider may reach.
    await k.ok(['--server', `${vw}/clusters/${pg}`, 'create', '-f', '-'], {
      input: cluster('via-kubectl'),
    });
    expect(await onVw('explain', 'clusters.spec.instances')).toContain('FIELD: instances');
    await onVw('delete', 'clusters.postgresql.cnpg.io', 'via-kubectl', '-n', 'default');
  });

  it('lists a bound resource across workspaces at /clusters/* by its export’s identity, as kcp', async () => {
    const identity = (
      await json<{ status: { identityHash: string } }>({
        path: `/clusters/${PROVIDER}/apis/apis.kcp.io/v1alpha2/apiexports/${EXPORT}`,
      })
    ).status.identityHash;
    const pg = clusterNames.get('root:consumers:pg') as string;
    const all = await json<{ items: Obj[] }>({
      path: `/clusters/*/apis/postgresql.cnpg.io/v1/clusters:${identity}`,
    });
    expect(all.items.map((i) => `${clusterOf(i)}/${i.metadata.name}`)).toContain(`${pg}/db`);
    // Without the identity the resource is ambiguous across workspaces: not served.
    expect(await statusOf({ path: '/clusters/*/apis/postgresql.cnpg.io/v1/clusters' })).toBe(404);
  });

  it('resumes a wildcard watch from a list’s resourceVersion; writes per tenant; bindings read-only', async () => {
    const pg = clusterNames.get('root:consumers:pg') as string;
    const listed = await json<{ metadata: { resourceVersion: string }; items: Obj[] }>({
      path: vwPath('*', CLUSTERS),
    });
    expect(listed.items.map((i) => `${clusterOf(i)}/${i.metadata.name}`)).toEqual([`${pg}/db`]);
    // The provider creates in the tenant's workspace; the tenant writes too.
    const made = await send({
      method: 'POST',
      path: vwPath(pg, ns('default')),
      body: cluster('from-provider', 2),
    });
    expect(made.status).toBe(201);
    expect(clusterOf(JSON.parse(made.body))).toBe(pg);
    expect(
      (await post(`/clusters/root:consumers:pg${ns('default')}`, cluster('from-tenant'))).status,
    ).toBe(201);
    // Writes through the wildcard are refused.
    expect(
      await statusOf({
        method: 'POST',
        path: vwPath('*', ns('default')),
        body: cluster('nowhere'),
      }),
    ).toBe(405);
    const watched = await send({
      path: vwPath(
        '*',
        `${CLUSTERS}?watch=true&resourceVersion=${listed.metadata.resourceVersion}&timeoutSeconds=1`,
      ),
    });
    expect(watched.status).toBe(200);
    const events = watched.body
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; object: Obj });
    expect(events.map((e) => `${e.type} ${clusterOf(e.object)}/${e.object.metadata.name}`)).toEqual(
      [`ADDED ${pg}/from-provider`, `ADDED ${pg}/from-tenant`],
    );
    expect(
      await k.ok(['get', 'clusters', 'from-provider', '-o', 'jsonpath={.spec.instances}']),
    ).toBe('2');
    for (const name of ['from-provider', 'from-tenant']) {
      expect(
        await statusOf({ method: 'DELETE', path: `${vwPath(pg, ns('default'))}/${name}` }),
      ).toBe(200);
    }

    // The bindings to the export: visible through the virtual workspace, never writable.
    const bindings = vwPath(pg, '/apis/apis.kcp.io/v1alpha2/apibindings');
    expect(names(await json<{ items: Obj[] }>({ path: bindings }))).toEqual([EXPORT]);
    const b = await json<Obj>({ path: `${bindings}/${EXPORT}` });
    expect(
      await statusOf({ method: 'PUT', path: `${bindings}/${EXPORT}`, body: JSON.stringify(b) }),
    ).toBe(403);
    expect(await statusOf({ method: 'DELETE', path: `${bindings}/${EXPORT}` })).toBe(403);
    expect(
      await statusOf({
        method: 'POST',
        path: bindings,
        body: JSON.stringify({ ...b, metadata: { name: 'planted' } }),
      }),
    ).toBe(403);
  });

  it('a rejected claim hides that tenant’s secrets; unclaimed resources are not served', async () => {
    const rej = await workspace('root:consumers', 'rejecting');
    await k.ok(['ws', ':root:consumers:rejecting']);
    await bindExport(
      '--accept-permission-claim',
      'namespaces.core',
      '--reject-permission-claim',
      'secrets.core',
    );
    expect(await k.ok(['kcp', 'claims', 'get', 'apibinding', EXPORT])).toContain(
      `${EXPORT}   secrets          *       Rejected\n`,
    );
    const b = await binding('root:consumers:rejecting');
    expect(b.status?.appliedPermissionClaims?.map((c) => c.resource)).toEqual(['namespaces']);
    await k.ok(['create', 'secret', 'generic', 'private', '--from-literal=password=s3cret']);
    await k.ok(['apply', '-f', '-'], { input: cluster('rej-db') });
    // Written after the rejected tenant's secret: once the informer has it, it would have had
    // the other one too.
    await post('/clusters/root:consumers:pg/api/v1/namespaces/default/secrets', secret('later'));
    const pg = clusterNames.get('root:consumers:pg') as string;
    await until('the later secret', () => seen.secrets.get(`${pg}/later`));
    await until('the rejecting tenant’s Cluster', () => seen.clusters.get(`${rej}/rej-db`));
    expect([...seen.secrets.keys()].filter((s) => s.startsWith(`${rej}/`))).toEqual([]);

    // Wildcard list: the accepted tenant's secrets, none of the rejecting one's.
    const all = await json<{ items: Obj[] }>({ path: vwPath('*', '/api/v1/secrets') });
    expect(new Set(all.items.map(clusterOf))).toEqual(new Set([pg]));
    expect(names(all)).toEqual(['db-app', 'later']);
    // Per tenant: no list, get or write of secrets (kcp's bound-API check refuses them).
    const secrets = vwPath(rej, '/api/v1/namespaces/default/secrets');
    expect(await statusOf({ path: secrets })).toBe(403);
    expect(await statusOf({ path: `${secrets}/private` })).toBe(403);
    expect(await statusOf({ method: 'POST', path: secrets, body: secret('planted') })).toBe(403);
    expect(
      await statusOf({
        method: 'DELETE',
        path: `${secrets}/private`,
      }),
    ).toBe(403);
    expect(
      await statusOf({
        path: `/clusters/root:consumers:rejecting/api/v1/namespaces/default/secrets/private`,
      }),
    ).toBe(200);
    // Namespaces were accepted: those are there; the exported resource too.
    expect(
      names(await json<{ items: Obj[] }>({ path: vwPath(rej, '/api/v1/namespaces') })),
    ).toContain('default');
    expect(names(await json<{ items: Obj[] }>({ path: vwPath(rej, CLUSTERS) }))).toEqual([
      'rej-db',
    ]);
    // The accepting tenant's secrets are readable per tenant too.
    expect(
      names(
        await json<{ items: Obj[] }>({ path: vwPath(pg, '/api/v1/namespaces/default/secrets') }),
      ),
    ).toEqual(['db-app', 'later']);

    // Nobody claimed configmaps: not served, not discovered (and not a tenant's to show).
    expect(await statusOf({ path: vwPath('*', '/api/v1/configmaps') })).toBe(404);
    expect(await statusOf({ path: vwPath(pg, '/api/v1/namespaces/default/configmaps') })).toBe(403);
    const v1 = await json<{ resources: Array<{ name: string }> }>({ path: vwPath(pg, '/api/v1') });
    expect(
      v1.resources
        .map((r) => r.name)
        .filter((r) => !r.includes('/'))
        .sort(),
    ).toEqual(['namespaces', 'secrets']);
  });

  it('a claim’s label selector and verbs narrow what the provider sees and may do', async () => {
    const lab = await workspace('root:consumers', 'labelled');
    await k.ok(['ws', ':root:consumers:labelled']);
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apis.kcp.io/v1alpha2',
        kind: 'APIBinding',
        metadata: { name: EXPORT },
        spec: {
          reference: { export: { path: PROVIDER, name: EXPORT } },
          permissionClaims: [
            {
              group: '',
              resource: 'secrets',
              verbs: ['get', 'list', 'watch', 'create'],
              selector: { matchLabels: { 'cnpg.io/reload': 'true' } },
              state: 'Accepted',
            },
            {
              group: '',
              resource: 'namespaces',
              verbs: ['*'],
              selector: { matchAll: true },
              state: 'Rejected',
            },
          ],
        },
      }),
    });
    await until(
      'Bound',
      async () => (await binding('root:consumers:labelled')).status?.phase === 'Bound',
    );
    await k.ok(['create', 'secret', 'generic', 'tagged', '--from-literal=a=b']);
    await k.ok(['label', 'secret', 'tagged', 'cnpg.io/reload=true']);
    await k.ok(['create', 'secret', 'generic', 'untagged', '--from-literal=a=b']);
    const secrets = vwPath(lab, '/api/v1/namespaces/default/secrets');
    expect(names(await json<{ items: Obj[] }>({ path: secrets }))).toEqual(['tagged']);
    expect(await statusOf({ path: `${secrets}/untagged` })).toBe(404);
    const wild = await json<{ items: Obj[] }>({ path: vwPath('*', '/api/v1/secrets') });
    expect(wild.items.filter((i) => clusterOf(i) === lab).map((i) => i.metadata.name)).toEqual([
      'tagged',
    ]);
    // The provider's informer has watched since before this tenant bound: it follows it.
    await until('the informer has the tagged secret', () => seen.secrets.get(`${lab}/tagged`));
    expect(seen.secrets.has(`${lab}/untagged`)).toBe(false);
    // Created through the virtual workspace, a secret gets the selector's labels.
    const created = await send({ method: 'POST', path: secrets, body: secret('from-provider') });
    expect(created.status).toBe(201);
    // …and, as every object the claim covers, the claim's internal label (kcp's).
    const createdLabels = JSON.parse(created.body).metadata.labels as Record<string, string>;
    expect(createdLabels['cnpg.io/reload']).toBe('true');
    expect(Object.keys(createdLabels).sort()).toEqual([
      expect.stringMatching(/^claimed\.internal\.apis\.kcp\.io\/[0-9a-f]{40}$/),
      'cnpg.io/reload',
    ]);
    // The tenant cannot take the label away: admission puts it back.
    const claimKey = Object.keys(createdLabels).find((l) => l.startsWith('claimed.')) as string;
    await k.ok(['label', 'secret', 'tagged', `${claimKey}-`]);
    expect(
      JSON.parse(await k.ok(['get', 'secret', 'tagged', '-o', 'json'])).metadata.labels[claimKey],
    ).toBe(createdLabels[claimKey]);
    // Taking the selector's label away hides the secret: the informer is told it is gone.
    await until('the informer has it', () => seen.secrets.get(`${lab}/from-provider`));
    await k.ok(['label', 'secret', 'from-provider', 'cnpg.io/reload-']);
    await until(
      'the unlabelled secret leaves the informer',
      () => !seen.secrets.has(`${lab}/from-provider`),
    );
    // Only the accepted verbs.
    expect(await statusOf({ method: 'DELETE', path: `${secrets}/tagged` })).toBe(403);
    // Namespaces were rejected here.
    expect(await statusOf({ path: vwPath(lab, '/api/v1/namespaces') })).toBe(403);
    const applied = (await binding('root:consumers:labelled')).status?.appliedPermissionClaims;
    expect(applied).toEqual([
      { group: '', resource: 'secrets', verbs: ['get', 'list', 'watch', 'create'] },
    ]);

    // The tenant changes its mind: the running watch stops showing its secrets.
    await patchExport('apibinding', [
      { op: 'replace', path: '/spec/permissionClaims/0/state', value: 'Rejected' },
    ]);
    await until(
      'the claim withdrawn',
      async () =>
        (await binding('root:consumers:labelled')).status?.appliedPermissionClaims?.length === 0,
    );
    await k.ok(['create', 'secret', 'generic', 'after-reject', '--from-literal=a=b']);
    await k.ok(['label', 'secret', 'after-reject', 'cnpg.io/reload=true']);
    const pg = clusterNames.get('root:consumers:pg') as string;
    await post('/clusters/root:consumers:pg/api/v1/namespaces/default/secrets', secret('marker'));
    await until('the marker secret', () => seen.secrets.get(`${pg}/marker`));
    expect(seen.secrets.has(`${lab}/after-reject`)).toBe(false);
    expect(await statusOf({ path: secrets })).toBe(403);
    // The secret it had shown is gone from the running informer too, by a delete event.
    await until(
      'the withdrawn secret leaves the informer',
      () => !seen.secrets.has(`${lab}/tagged`),
    );
    expect(seen.events).toContain(`delete secret ${lab}/tagged`);
  });

  it('accepting a claim later shows the tenant’s existing objects to running watches', async () => {
    // The rejecting tenant of an earlier case still holds its secret `private`.
    const rej = clusterNames.get('root:consumers:rejecting') as string;
    await k.ok(['ws', ':root:consumers:rejecting']);
    const claims = (await binding('root:consumers:rejecting')).spec.permissionClaims ?? [];
    const i = claims.findIndex((c) => c.resource === 'secrets');
    expect(i).toBeGreaterThanOrEqual(0);
    await patchExport('apibinding', [
      { op: 'replace', path: `/spec/permissionClaims/${i}/state`, value: 'Accepted' },
    ]);
    // The provider's informer has watched all along: the secret arrives as an add.
    await until('the informer has the secret', () => seen.secrets.get(`${rej}/private`));
    expect(seen.events).toContain(`add secret ${rej}/private`);
    const path = vwPath(rej, '/api/v1/namespaces/default/secrets/private');
    expect(await statusOf({ path })).toBe(200);

    // Rejected again: a delete event, and the secret is out of reach.
    await patchExport('apibinding', [
      { op: 'replace', path: `/spec/permissionClaims/${i}/state`, value: 'Rejected' },
    ]);
    await until('the secret leaves the informer', () => !seen.secrets.has(`${rej}/private`));
    expect(seen.events).toContain(`delete secret ${rej}/private`);
    expect(await statusOf({ path })).toBe(403);
  });

  it('a workspace without a binding is closed to the provider', async () => {
    const lone = await workspace('root:consumers', 'unbound');
    expect(
      (
        await post(
          '/clusters/root:consumers:unbound/api/v1/namespaces/default/secrets',
          secret('lonely'),
        )
      ).status,
    ).toBe(201);
    for (const rest of [CLUSTERS, ns('default'), '/api/v1/secrets', '/api/v1/namespaces']) {
      const refused = await send({ path: vwPath(lone, rest) });
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body).message).toContain(
        'could not find suitable APIBinding in target logical cluster',
      );
    }
    expect(
      await statusOf({ method: 'POST', path: vwPath(lone, ns('default')), body: cluster('x') }),
    ).toBe(403);
    for (const rest of [CLUSTERS, '/api/v1/secrets', '/api/v1/namespaces']) {
      const all = await json<{ items: Obj[] }>({ path: vwPath('*', rest) });
      expect(all.items.filter((i) => clusterOf(i) === lone)).toEqual([]);
    }
    // Discovery is the export's API set, the same whichever workspace the URL names.
    const groups = await json<{ groups: Array<{ name: string }> }>({ path: vwPath(lone, '/apis') });
    expect(groups.groups.map((g) => g.name)).toContain('postgresql.cnpg.io');
  });

  it('binding without the bind verb fails with the uniform error', async () => {
    await workspace('root:consumers', 'carols');
    await bindClusterRole('root:consumers:carols', 'carol-admin', 'cluster-admin', 'carol');
    const asCarol = [
      '--token',
      'carol-token',
      '--server',
      `${server.url}/clusters/root:consumers:carols`,
    ];
    // Carol is admin of her workspace.
    await until(
      'carol’s access',
      async () => (await k(['get', 'configmaps', ...asCarol])).code === 0,
    );
    const attempts: Array<[string, string]> = [
      [EXPORT_REF, EXPORT_REF],
      [`${PROVIDER}:no-such-export`, `${PROVIDER}:no-such-export`],
      ['root:nowhere:at-all:postgresql.cnpg.io', 'root:nowhere:at-all:postgresql.cnpg.io'],
    ];
    for (const [ref, shown] of attempts) {
      const r = await k(['kcp', 'bind', 'apiexport', ref, '--name', 'try', ...asCarol]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `unable to create APIBinding: no permission to bind to export ${shown}`,
      );
    }
    // Raw: a 403 whose message is the same whether or not the export exists.
    const body = (name: string) =>
      JSON.stringify({
        apiVersion: 'apis.kcp.io/v1alpha2',
        kind: 'APIBinding',
        metadata: { name: 'raw' },
        spec: { reference: { export: { path: PROVIDER, name } } },
      });
    const path = '/clusters/root:consumers:carols/apis/apis.kcp.io/v1alpha2/apibindings';
    const real = await post(path, body(EXPORT), 'carol-token');
    const ghost = await post(path, body('ghost'), 'carol-token');
    expect(real.status).toBe(403);
    expect(ghost.status).toBe(403);
    expect(JSON.parse(real.body).message.replace(EXPORT, 'X')).toBe(
      JSON.parse(ghost.body).message.replace('ghost', 'X'),
    );
    expect(
      (
        await send({
          path: '/clusters/root:consumers:carols/apis/apis.kcp.io/v1alpha2/apibindings',
        })
      ).body,
    ).toContain('"items":[]');
  });

  it('two exports of the same group and resource in one workspace: NamingConflicts on the second', async () => {
    await workspace('root:providers', 'rival');
    const schema = await snapshot('crd.yaml', 'v1');
    await k.ok(['ws', ':root:providers:rival']);
    await k.ok(['apply', '-f', '-'], { input: schema });
    await k.ok(['apply', '-f', '-'], {
      input: EXPORT_V1ALPHA1.replace(`name: ${EXPORT}`, 'name: rival-clusters').replace(
        /\n {2}permissionClaims:[\s\S]*$/,
        '\n',
      ),
    });
    const rival = await until('the rival identity', async () => {
      const e = await json<{ status?: { identityHash?: string } }>({
        path: '/clusters/root:providers:rival/apis/apis.kcp.io/v1alpha2/apiexports/rival-clusters',
      });
      return e.status?.identityHash;
    });
    await k.ok(['ws', ':root:consumers:pg']);
    // The conflicting binding never becomes Bound: the plugin gives up waiting, as kcp's.
    const bind = await k([
      'kcp',
      'bind',
      'apiexport',
      'root:providers:rival:rival-clusters',
      '--timeout',
      '3s',
    ]);
    expect(bind.code).not.toBe(0);
    expect(bind.stderr).toContain('could not bind rival-clusters: context deadline exceeded');
    const second = await until('NamingConflicts', async () => {
      const b = await binding('root:consumers:pg', 'rival-clusters');
      const c = b.status?.conditions?.find((x) => x.type === 'BindingUpToDate');
      return c?.status === 'False' && b;
    });
    expect(second.status?.phase).toBe('Binding');
    const initial = second.status?.conditions?.find((c) => c.type === 'InitialBindingCompleted');
    expect(initial).toMatchObject({ status: 'False', reason: 'NamingConflicts' });
    const upToDate = second.status?.conditions?.find((c) => c.type === 'BindingUpToDate');
    expect(upToDate?.reason).toBe('NamingConflicts');
    expect(upToDate?.message).toContain('clusters.postgresql.cnpg.io');
    expect(second.status?.boundResources ?? []).toEqual([]);
    // The first binding keeps the resource, under its own identity.
    const first = await binding('root:consumers:pg');
    expect(first.status?.boundResources?.[0]?.schema.identityHash).not.toBe(rival);
    expect(first.status?.conditions?.find((c) => c.type === 'BindingUpToDate')?.status).toBe(
      'True',
    );
    expect(
      names(await json<{ items: Obj[] }>({ path: `/clusters/root:consumers:pg${ns('default')}` })),
    ).toEqual(['db']);
    await k.ok(['delete', 'apibinding', 'rival-clusters']);

    // Where the first binding goes away, the conflict is settled: the second binds.
    await workspace('root:consumers', 'rivalry');
    await k.ok(['ws', ':root:consumers:rivalry']);
    await bindExport('--accept-all-permission-claims');
    await k(['kcp', 'bind', 'apiexport', 'root:providers:rival:rival-clusters', '--timeout', '1s']);
    await until('NamingConflicts in rivalry', async () => {
      const b = await binding('root:consumers:rivalry', 'rival-clusters');
      return b.status?.conditions?.find((x) => x.reason === 'NamingConflicts');
    });
    await k.ok(['delete', 'apibinding', EXPORT]);
    const settled = await until('the rival binds', async () => {
      const b = await binding('root:consumers:rivalry', 'rival-clusters');
      const c = b.status?.conditions?.find((x) => x.type === 'BindingUpToDate');
      return c?.status === 'True' && b;
    });
    expect(settled.status?.phase).toBe('Bound');
    expect(settled.status?.boundResources?.[0]?.schema.identityHash).toBe(rival);
  });

  it('an export whose identity Secret is missing gets no identity, and says why', async () => {
    await k.ok(['ws', `:${PROVIDER}`]);
    await k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apis.kcp.io/v1alpha2',
        kind: 'APIExport',
        metadata: { name: 'lost-identity' },
        spec: { identity: { secretRef: { namespace: 'kcp-system', name: 'nowhere' } } },
      }),
    });
    const lost = await until('IdentityValid False', async () => {
      const e = await json<{
        status?: {
          identityHash?: string;
          conditions?: Array<{ type: string; status: string; message?: string }>;
        };
      }>({ path: `/clusters/${PROVIDER}/apis/apis.kcp.io/v1alpha2/apiexports/lost-identity` });
      const c = e.status?.conditions?.find((x) => x.type === 'IdentityValid');
      return c?.status === 'False' && e;
    });
    expect(lost.status?.identityHash).toBeUndefined();
    expect(lost.status?.conditions?.find((x) => x.type === 'IdentityValid')?.message).toBe(
      'the identity secret kcp-system/nowhere does not exist',
    );
    await k.ok(['delete', 'apiexport', 'lost-identity']);
  });

  it('an APIResourceSchema is immutable and cannot be deleted while the export uses it', async () => {
    await k.ok(['ws', `:${PROVIDER}`]);
    const schema = await snapshot('crd.yaml', 'v1');
    const edited = await k(['apply', '-f', '-'], {
      input: schema.replace('scope: Namespaced', 'scope: Cluster'),
    });
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('spec is immutable');
    const patched = await k([
      'patch',
      'apiresourceschema',
      'v1.clusters.postgresql.cnpg.io',
      '--type=merge',
      '-p',
      '{"spec":{"names":{"shortNames":["pgc"]}}}',
    ]);
    expect(patched.code).toBe(1);
    expect(patched.stderr).toContain('spec is immutable');
    const deleted = await k(['delete', 'apiresourceschema', 'v1.clusters.postgresql.cnpg.io']);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain(`used by APIExport "${EXPORT}"`);
    expect(await k.ok(['get', 'apiresourceschemas', '-o', 'name'])).toBe(
      'apiresourceschema.apis.kcp.io/v1.clusters.postgresql.cnpg.io\n',
    );
  });

  it('a claim added to the export later is not accepted until the tenant accepts it', async () => {
    const pg = clusterNames.get('root:consumers:pg') as string;
    await post(
      '/clusters/root:consumers:pg/api/v1/namespaces/default/configmaps',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings' },
        data: { a: 'b' },
      }),
    );
    await k.ok(['ws', `:${PROVIDER}`]);
    await patchExport('apiexport', [
      {
        op: 'add',
        path: '/spec/permissionClaims/-',
        value: { group: '', resource: 'configmaps', verbs: ['get', 'list', 'watch'] },
      },
    ]);
    const pending = await until('the new claim reaches the binding', async () => {
      const b = await binding('root:consumers:pg');
      return b.status?.exportPermissionClaims?.some((c) => c.resource === 'configmaps') && b;
    });
    expect(pending.status?.appliedPermissionClaims?.map((c) => c.resource).sort()).toEqual([
      'namespaces',
      'secrets',
    ]);
    // Claimed by the export, configmaps are in its API set; nobody accepted the claim yet.
    const configmaps = vwPath(pg, '/api/v1/namespaces/default/configmaps');
    expect(await statusOf({ path: configmaps })).toBe(403);
    expect(await json<{ items: Obj[] }>({ path: vwPath('*', '/api/v1/configmaps') })).toMatchObject(
      { items: [] },
    );

    // The tenant accepts it.
    await k.ok(['ws', ':root:consumers:pg']);
    await patchExport('apibinding', [
      {
        op: 'add',
        path: '/spec/permissionClaims/-',
        value: {
          group: '',
          resource: 'configmaps',
          verbs: ['*'],
          selector: { matchAll: true },
          state: 'Accepted',
        },
      },
    ]);
    const accepted = await until('the claim applied', async () => {
      const b = await binding('root:consumers:pg');
      const c = b.status?.appliedPermissionClaims?.find((x) => x.resource === 'configmaps');
      return c && b;
    });
    // Verbs are the intersection of the export's and the binding's.
    expect(
      accepted.status?.appliedPermissionClaims?.find((c) => c.resource === 'configmaps')?.verbs,
    ).toEqual(['get', 'list', 'watch']);
    expect(await k.ok(['kcp', 'claims', 'get', 'apibinding', EXPORT])).toContain(
      `${EXPORT}   configmaps       *       Accepted\n`,
    );
    expect(names(await json<{ items: Obj[] }>({ path: configmaps })).includes('settings')).toBe(
      true,
    );
    const wild = await json<{ items: Obj[] }>({ path: vwPath('*', '/api/v1/configmaps') });
    expect(new Set(wild.items.map(clusterOf))).toEqual(new Set([pg]));
    // Only the accepted verbs: no writes.
    const write = await send({
      method: 'POST',
      path: configmaps,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope' } }),
    });
    expect(write.status).toBe(403);
    expect(JSON.parse(write.body).message).toContain('not granted by the APIBinding');
    expect(await statusOf({ method: 'DELETE', path: `${configmaps}/settings` })).toBe(403);
    expect(
      await statusOf({
        method: 'PATCH',
        path: `${configmaps}/settings`,
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: '{"data":{"a":"changed"}}',
      }),
    ).toBe(403);
    expect(
      (
        await send({
          path: `/clusters/root:consumers:pg/api/v1/namespaces/default/configmaps/settings`,
        })
      ).body,
    ).toContain('"a":"b"');
    // The rejecting tenant never accepted it.
    const rej = clusterNames.get('root:consumers:rejecting') as string;
    expect(await statusOf({ path: vwPath(rej, '/api/v1/namespaces/default/configmaps') })).toBe(
      403,
    );
  });

  it('a schema change on the export reaches the existing binding', async () => {
    writeFileSync(join(home, 'crd-v2.yaml'), clusterCrd(true));
    await k.ok(['ws', `:${PROVIDER}`]);
    const schema = await snapshot('crd-v2.yaml', 'v2');
    await k.ok(['apply', '-f', '-'], { input: schema });
    await patchExport('apiexport', [
      {
        op: 'replace',
        path: '/spec/resources/0/schema',
        value: 'v2.clusters.postgresql.cnpg.io',
      },
    ]);
    await until('the binding follows the export', async () => {
      const b = await binding('root:consumers:pg');
      return b.status?.boundResources?.[0]?.schema.name === 'v2.clusters.postgresql.cnpg.io';
    });
    // The old schema is free to go now.
    await k.ok(['delete', 'apiresourceschema', 'v1.clusters.postgresql.cnpg.io']);

    const pg = clusterNames.get('root:consumers:pg') as string;
    await writeStatus(pg, 'db', (current) => ({ ...current.status, currentPrimary: 'db-1' }));
    await k.ok(['ws', ':root:consumers:pg']);
    const table = await until('the new column', async () => {
      const lines = (await k.ok(['get', 'clusters'])).split('\n');
      return /PRIMARY$/.test(lines[0] ?? '') && lines;
    });
    expect(table[0]).toMatch(/^NAME\s+INSTANCES\s+STATUS\s+PRIMARY$/);
    expect(table[1]).toMatch(/^db\s+3\s+Cluster in healthy state\s+db-1$/);
  });

  it('the virtual workspace needs apiexports/content in the export’s workspace', async () => {
    const asPete = (r: RawRequest) => send({ ...r, token: 'pete-token' });
    const list = vwPath('*', CLUSTERS);
    const denied = await asPete({ path: list });
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body).message).toContain('apiexports/content');
    const rbac = `/clusters/${PROVIDER}/apis/rbac.authorization.k8s.io/v1`;
    await json({
      method: 'POST',
      path: `${rbac}/clusterroles`,
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'export-content-reader' },
        rules: [
          {
            apiGroups: ['apis.kcp.io'],
            resources: ['apiexports/content'],
            resourceNames: [EXPORT],
            verbs: ['get', 'list', 'watch'],
          },
        ],
      }),
    });
    await bindClusterRole(PROVIDER, 'pete-reads-content', 'export-content-reader', 'pete');
    const allowed = await until('pete may list', async () => {
      const r = await asPete({ path: list });
      return r.status === 200 && r;
    });
    expect(names(JSON.parse(allowed.body))).toContain('db');
    // Reading is not writing.
    const pg = clusterNames.get('root:consumers:pg') as string;
    expect(
      (await asPete({ method: 'POST', path: vwPath(pg, ns('default')), body: cluster('pete') }))
        .status,
    ).toBe(403);
    // Another export of the same workspace is not covered by resourceNames.
    expect(
      (
        await asPete({
          path: `/services/apiexport/${clusterNames.get(PROVIDER)}/other/clusters/*${CLUSTERS}`,
        })
      ).status,
    ).toBe(403);
  });

  it('deleting a binding removes the resource from the tenant and deletes its objects', async () => {
    const gone = await workspace('root:consumers', 'leaving');
    await k.ok(['ws', ':root:consumers:leaving']);
    await bindExport('--accept-all-permission-claims');
    await k.ok(['apply', '-f', '-'], { input: cluster('short-lived') });
    await until('the provider sees it', () => seen.clusters.get(`${gone}/short-lived`));
    expect(await k.ok(['get', 'clusters', '-o', 'name'])).toBe(
      'cluster.postgresql.cnpg.io/short-lived\n',
    );

    await k.ok(['delete', 'apibinding', EXPORT, '--wait=true', '--timeout=20s']);
    expect(
      await statusOf({
        path: `/clusters/root:consumers:leaving/apis/apis.kcp.io/v1alpha2/apibindings/${EXPORT}`,
      }),
    ).toBe(404);
    await until('the informer sees the delete', () => !seen.clusters.has(`${gone}/short-lived`));
    expect(seen.events).toContain(`delete cluster ${gone}/short-lived`);
    const groups = await json<{ groups: Array<{ name: string }> }>({
      path: '/clusters/root:consumers:leaving/apis',
    });
    expect(groups.groups.map((g) => g.name)).not.toContain('postgresql.cnpg.io');
    expect(await statusOf({ path: `/clusters/root:consumers:leaving${ns('default')}` })).toBe(404);
    const get = await k(['get', 'clusters.postgresql.cnpg.io']);
    expect(get.code).toBe(1);
    expect(get.stderr).toContain('the server doesn\'t have a resource type "clusters"');
    // Nothing of it is left for the provider; the other tenants are untouched.
    const all = await json<{ items: Obj[] }>({ path: vwPath('*', CLUSTERS) });
    expect(all.items.filter((i) => clusterOf(i) === gone)).toEqual([]);
    expect(all.items.map((i) => i.metadata.name).sort()).toEqual(['db', 'rej-db']);
    expect(await statusOf({ path: vwPath(gone, ns('default')) })).toBe(403);
  });
});
