/**
 * A small multi-tenant world on one `canopy start`, for the tests that try to cross its
 * walls (the isolation matrix, the hostile-tenant tests):
 *
 * - root admin: the kubeconfig's `system:masters` user;
 * - tenants `alice` and `bob`, each admin of its own workspace (root:alice, root:bob),
 *   each binding the provider's export `widgets` and accepting its claim on Secrets
 *   (read-only), each with a Widget `w1`, a Secret `s1` and a ConfigMap `c1` in
 *   `default`, and a service account `default:robot` allowed to read them (`view`);
 * - provider `paul`, admin of root:paul, exporting `widgets.example.com` as `widgets`
 *   (bindable by every tenant) and as `private` (bindable by nobody else);
 * - `mallory`, authenticated and member of nothing.
 *
 * Everything is made with raw HTTP requests (a few hundred milliseconds), so a test file
 * pays for one server and one world.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CanopyProcess, startCanopy } from './canopy-process.ts';
import { httpClient, type RawRequest, type RawResponse } from './http.ts';
import { until } from './wait.ts';

export const TENANTS = ['alice', 'bob'] as const;
export type Tenant = (typeof TENANTS)[number];
export type Person = Tenant | 'paul' | 'mallory';

const PEOPLE: readonly Person[] = [...TENANTS, 'paul', 'mallory'];
export const tokenOf = (who: Person) => `${who}-token`;

const WS = '/apis/tenancy.kcp.io/v1alpha1/workspaces';
const RBAC = 'rbac.authorization.k8s.io';
export const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';
export const SECRETS = '/api/v1/namespaces/default/secrets';
export const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

export interface World {
  readonly server: CanopyProcess;
  /** A request as the root admin (token `null`: anonymous; a token: that user). */
  readonly send: (r: RawRequest) => Promise<RawResponse>;
  /** A request as `who`. */
  readonly as: (who: Person) => (r: RawRequest) => Promise<RawResponse>;
  /** Logical cluster names: alice, bob, paul. */
  readonly clusters: Readonly<Record<Tenant | 'paul', string>>;
  /** Tokens of each tenant's `default:robot` service account. */
  readonly robots: Readonly<Record<Tenant, string>>;
  /** `/services/apiexport/<paul's cluster>/<export>`. */
  readonly vw: (exportName: string) => string;
  /** Parsed JSON of a request as the root admin that must succeed. */
  readonly json: <T = KubeObjectLike>(r: RawRequest) => Promise<T>;
  stop(): Promise<void>;
}

export interface KubeObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    uid?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    finalizers?: string[];
    resourceVersion?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  items?: KubeObjectLike[];
}

/** The APIResourceSchema `<prefix>.widgets.<group>`: namespaced Widgets with an open spec. */
export const widgetSchema = (prefix: string, group = 'example.com') => ({
  apiVersion: 'apis.kcp.io/v1alpha1',
  kind: 'APIResourceSchema',
  metadata: { name: `${prefix}.widgets.${group}` },
  spec: {
    group,
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          type: 'object',
          properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      },
    ],
  },
});

export const widgetExport = (name: string, schema: string) => ({
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIExport',
  metadata: { name },
  spec: {
    resources: [{ name: 'widgets', group: 'example.com', schema, storage: { crd: {} } }],
    permissionClaims: [{ group: '', resource: 'secrets', verbs: ['get', 'list', 'watch'] }],
  },
});

/** An APIBinding `name` of paul's export `exportName`, deciding `claims` (none when absent). */
export const paulBinding = (name: string, exportName: string, claims?: readonly object[]) => ({
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIBinding',
  metadata: { name },
  spec: {
    reference: { export: { path: 'root:paul', name: exportName } },
    ...(claims ? { permissionClaims: claims } : {}),
  },
});

/** The Secrets claim of `widgetExport`, accepted for every Secret. */
export const ACCEPTED_SECRETS = {
  group: '',
  resource: 'secrets',
  verbs: ['get', 'list', 'watch'],
  selector: { matchAll: true },
  state: 'Accepted',
};

export const clusterRoleBinding = (
  name: string,
  role: string,
  subject: { kind: 'User' | 'Group'; name: string },
) => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
  subjects: [{ apiGroup: RBAC, ...subject }],
});

export async function buildWorld(): Promise<World> {
  const home = mkdtempSync(join(tmpdir(), 'canopy-tenants-'));
  writeFileSync(
    join(home, 'tokens.csv'),
    PEOPLE.map((p, i) => `${tokenOf(p)},${p},${3000 + i},"${p === 'mallory' ? '' : 'tenants'}"`)
      .join('\n')
      .concat('\n'),
  );
  const server = await startCanopy({ args: ['--token-auth-file', join(home, 'tokens.csv')] });
  const send = httpClient(server.kubeconfig);
  const as = (who: Person) => (r: RawRequest) => send({ ...r, token: tokenOf(who) });
  const json = async <T = KubeObjectLike>(r: RawRequest): Promise<T> => {
    const res = await send(r);
    if (res.status >= 300)
      throw new Error(`${r.method ?? 'GET'} ${r.path}: ${res.status} ${res.body}`);
    return JSON.parse(res.body) as T;
  };
  const post = (path: string, body: unknown, who?: Person) =>
    (who ? as(who) : send)({ method: 'POST', path, body: JSON.stringify(body) }).then((res) => {
      if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.body}`);
      return JSON.parse(res.body) as KubeObjectLike;
    });

  // Tenants and the provider create their own workspaces, so each is admin of its own.
  await post(`/clusters/root/apis/${RBAC}/v1/clusterroles`, {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'workspace-creator' },
    rules: [{ apiGroups: ['tenancy.kcp.io'], resources: ['workspaces'], verbs: ['create'] }],
  });
  await post(
    `/clusters/root/apis/${RBAC}/v1/clusterrolebindings`,
    clusterRoleBinding('tenants-create-workspaces', 'workspace-creator', {
      kind: 'Group',
      name: 'tenants',
    }),
  );
  const clusters = {} as Record<Tenant | 'paul', string>;
  for (const who of [...TENANTS, 'paul'] as const) {
    await post(
      `/clusters/root${WS}`,
      { apiVersion: 'tenancy.kcp.io/v1alpha1', kind: 'Workspace', metadata: { name: who } },
      who,
    );
  }
  for (const who of [...TENANTS, 'paul'] as const) {
    const ws = await until(`root:${who} Ready`, async () => {
      const w = await json<{ spec: { cluster?: string }; status?: { phase?: string } }>({
        path: `/clusters/root${WS}/${who}`,
      });
      return w.status?.phase === 'Ready' && w.spec.cluster;
    });
    clusters[who] = ws;
  }

  // The provider: one schema, two exports of it; `widgets` is bindable by every tenant.
  const inPaul = (rest: string) => `/clusters/root:paul${rest}`;
  await post(inPaul('/apis/apis.kcp.io/v1alpha1/apiresourceschemas'), widgetSchema('v1'), 'paul');
  for (const name of ['widgets', 'private']) {
    await post(
      inPaul('/apis/apis.kcp.io/v1alpha2/apiexports'),
      widgetExport(name, 'v1.widgets.example.com'),
      'paul',
    );
  }
  await post(
    inPaul(`/apis/${RBAC}/v1/clusterroles`),
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'bind-widgets' },
      rules: [
        {
          apiGroups: ['apis.kcp.io'],
          resources: ['apiexports'],
          resourceNames: ['widgets'],
          verbs: ['bind'],
        },
      ],
    },
    'paul',
  );
  await post(
    inPaul(`/apis/${RBAC}/v1/clusterrolebindings`),
    clusterRoleBinding('tenants-bind-widgets', 'bind-widgets', { kind: 'Group', name: 'tenants' }),
    'paul',
  );
  for (const name of ['widgets', 'private']) {
    await until(`export ${name} has an identity`, async () => {
      const e = await json({ path: inPaul(`/apis/apis.kcp.io/v1alpha2/apiexports/${name}`) });
      return typeof e.status?.identityHash === 'string';
    });
  }

  // Each tenant binds `widgets`, accepting the Secrets claim, and makes its objects.
  const robots = {} as Record<Tenant, string>;
  for (const who of TENANTS) {
    const inWs = (rest: string) => `/clusters/root:${who}${rest}`;
    await post(
      inWs('/apis/apis.kcp.io/v1alpha2/apibindings'),
      paulBinding('widgets', 'widgets', [ACCEPTED_SECRETS]),
      who,
    );
    await until(`root:${who} binding Bound`, async () => {
      const b = await json({ path: inWs('/apis/apis.kcp.io/v1alpha2/apibindings/widgets') });
      return b.status?.phase === 'Bound';
    });
    await until(`root:${who} serves widgets`, async () => {
      const res = await as(who)({ path: inWs(WIDGETS) });
      return res.status === 200;
    });
    const data = { owner: Buffer.from(who).toString('base64') };
    await post(
      inWs(WIDGETS),
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { who } },
      who,
    );
    await post(
      inWs(SECRETS),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, data },
      who,
    );
    await post(
      inWs(CONFIGMAPS),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' }, data: { who } },
      who,
    );
    await post(
      inWs('/api/v1/namespaces/default/serviceaccounts'),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } },
      who,
    );
    await post(
      inWs(`/apis/${RBAC}/v1/namespaces/default/rolebindings`),
      {
        apiVersion: `${RBAC}/v1`,
        kind: 'RoleBinding',
        metadata: { name: 'robot-view' },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'default' }],
      },
      who,
    );
    const token = await post(
      inWs('/api/v1/namespaces/default/serviceaccounts/robot/token'),
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} },
      who,
    );
    robots[who] = (token.status as { token: string }).token;
  }

  return {
    server,
    send,
    as,
    clusters,
    robots,
    vw: (name) => `/services/apiexport/${clusters.paul}/${name}`,
    json,
    async stop() {
      await server.stop();
      server.cleanup();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
