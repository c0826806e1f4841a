/**
 * The APIExport virtual workspace before the export's first tenant (issue 15, item 12), on
 * the world of harness/tenants.ts: discovery, OpenAPI and kubectl see the export's API set
 * (its resources and its claims) although nobody binds it, wildcard lists are empty rather
 * than 404, a workspace that does not bind it is refused as kcp refuses it, and a
 * provider's @kubernetes/client-node informers started then follow the first tenant in.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKubeconfig } from '../../src/apimachinery/kubeconfig.ts';
import { kubectl } from './harness/kubectl.ts';
import {
  ACCEPTED_SECRETS,
  buildWorld,
  clusterRoleBinding,
  type KubeObjectLike,
  paulBinding,
  SECRETS,
  tokenOf,
  WIDGETS,
  type World,
  widgetExport,
} from './harness/tenants.ts';
import { until } from './harness/wait.ts';

const WS = '/apis/tenancy.kcp.io/v1alpha1/workspaces';

describe('the APIExport virtual workspace before the first tenant', () => {
  let w: World;
  let home: string;
  let base = '';
  const informers: Array<{ stop(): Promise<void> }> = [];
  const get = async <T = KubeObjectLike>(path: string): Promise<T> => {
    const res = await w.as('paul')({ path });
    expect(res.status, `${path}: ${res.body}`).toBe(200);
    return JSON.parse(res.body) as T;
  };

  beforeAll(async () => {
    w = await buildWorld();
    home = mkdtempSync(join(tmpdir(), 'canopy-api-set-'));
    // A second export of the widgets schema, claiming Secrets and ConfigMaps; nobody binds it.
    const fresh = widgetExport('fresh', 'v1.widgets.example.com');
    fresh.spec.permissionClaims.push({
      group: '',
      resource: 'configmaps',
      verbs: ['get', 'list', 'watch', 'create'],
    });
    await w.json({
      method: 'POST',
      path: '/clusters/root:paul/apis/apis.kcp.io/v1alpha2/apiexports',
      body: JSON.stringify(fresh),
    });
    await until('fresh has an identity', async () => {
      const e = await w.json({
        path: '/clusters/root:paul/apis/apis.kcp.io/v1alpha2/apiexports/fresh',
      });
      return typeof e.status?.identityHash === 'string';
    });
    base = `${w.vw('fresh')}/clusters/*`;
  });

  afterAll(async () => {
    for (const i of informers) await i.stop().catch(() => {});
    await w?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('serves the export’s API set to discovery, OpenAPI and kubectl, and lists nothing', async () => {
    const groups = await get<{ groups: Array<{ name: string }> }>(`${base}/apis`);
    expect(groups.groups.map((g) => g.name)).toContain('example.com');
    const widgets = await get<{ resources: Array<{ name: string; verbs: string[] }> }>(
      `${base}/apis/example.com/v1`,
    );
    expect(widgets.resources.map((r) => r.name)).toContain('widgets');
    const core = await get<{ resources: Array<{ name: string; verbs: string[] }> }>(
      `${base}/api/v1`,
    );
    const verbs = Object.fromEntries(
      core.resources.filter((r) => !r.name.includes('/')).map((r) => [r.name, r.verbs.sort()]),
    );
    // The claims' verbs, as the export states them.
    expect(verbs).toEqual({
      configmaps: ['create', 'get', 'list', 'watch'],
      secrets: ['get', 'list', 'watch'],
    });
    const openapi = await get<{ paths: Record<string, unknown> }>(`${base}/openapi/v3`);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['apis/example.com/v1', 'api/v1']),
    );
    // Empty lists, not 404s: other exports' tenants (alice and bob bind `widgets`, and
    // accepted its Secrets claim) are not this export's.
    for (const path of ['/apis/example.com/v1/widgets', '/api/v1/secrets', '/api/v1/configmaps']) {
      expect((await get(`${base}${path}`)).items).toEqual([]);
    }
    // kubectl, pointed at it, sees the same.
    const k = kubectl('1.33', w.server.kubeconfig, home);
    const resources = await k.ok([
      `--server=${w.server.url}${base}`,
      `--token=${tokenOf('paul')}`,
      'api-resources',
      '-o',
      'name',
    ]);
    expect(resources.split('\n')).toEqual(
      expect.arrayContaining(['widgets.example.com', 'secrets', 'configmaps']),
    );
    // A workspace that does not bind it is refused, as kcp's bound-API check refuses it.
    const into = await w.as('paul')({
      path: `${w.vw('fresh')}/clusters/${w.clusters.alice}${WIDGETS}`,
    });
    expect(into.status).toBe(403);
    expect(JSON.parse(into.body).message).toContain(
      'could not find suitable APIBinding in target logical cluster',
    );
  });

  it('lets a provider’s informers start before the first tenant, and follow it in', async () => {
    const admin = parseKubeconfig(readFileSync(w.server.kubeconfig, 'utf8'));
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'vw',
          server: `${w.server.url}${base}`,
          caData: admin.clusters[0]?.cluster['certificate-authority-data'],
        },
      ],
      users: [{ name: 'paul', token: tokenOf('paul') }],
      contexts: [{ name: 'vw', cluster: 'vw', user: 'paul' }],
      currentContext: 'vw',
    });
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const seen = new Map<string, k8s.KubernetesObject>();
    const errors: unknown[] = [];
    const widgetInformer = k8s.makeInformer<k8s.KubernetesObject>(
      kc,
      '/apis/example.com/v1/widgets',
      () =>
        custom.listClusterCustomObject({
          group: 'example.com',
          version: 'v1',
          plural: 'widgets',
        }) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>,
    );
    const secretInformer = k8s.makeInformer<k8s.V1Secret>(kc, '/api/v1/secrets', () =>
      core.listSecretForAllNamespaces(),
    );
    for (const [informer, kind] of [
      [widgetInformer, 'widget'],
      [secretInformer, 'secret'],
    ] as const) {
      informer.on('add', (o: k8s.KubernetesObject) => seen.set(`${kind}/${o.metadata?.name}`, o));
      informer.on('error', (err: unknown) => errors.push(err));
      await informer.start();
      informers.push(informer);
    }
    expect(seen.size).toBe(0);

    // Bob, the first tenant: a workspace of his binds `fresh`, accepting the Secrets claim.
    const post = async (path: string, body: unknown, who: 'bob' | 'paul' = 'bob') => {
      const res = await w.as(who)({ method: 'POST', path, body: JSON.stringify(body) });
      expect(res.status, res.body).toBe(201);
      return JSON.parse(res.body) as KubeObjectLike;
    };
    await post(
      '/clusters/root:paul/apis/rbac.authorization.k8s.io/v1/clusterroles',
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'bind-fresh' },
        rules: [
          {
            apiGroups: ['apis.kcp.io'],
            resources: ['apiexports'],
            resourceNames: ['fresh'],
            verbs: ['bind'],
          },
        ],
      },
      'paul',
    );
    await post(
      '/clusters/root:paul/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      clusterRoleBinding('tenants-bind-fresh', 'bind-fresh', { kind: 'Group', name: 'tenants' }),
      'paul',
    );
    await post(`/clusters/root:bob${WS}`, {
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'fresh' },
    });
    const cluster = await until('root:bob:fresh Ready', async () => {
      const ws = await w.json({ path: `/clusters/root:bob${WS}/fresh` });
      return ws.status?.phase === 'Ready' && (ws.spec?.cluster as string);
    });
    const inFresh = (rest: string) => `/clusters/root:bob:fresh${rest}`;
    await post(
      inFresh('/apis/apis.kcp.io/v1alpha2/apibindings'),
      paulBinding('fresh', 'fresh', [ACCEPTED_SECRETS]),
    );
    await until('bob’s workspace serves widgets', async () => {
      const res = await w.as('bob')({ path: inFresh(WIDGETS) });
      return res.status === 200;
    });
    await post(inFresh(WIDGETS), {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'first' },
    });
    await post(inFresh(SECRETS), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'first' },
      stringData: { k: 'v' },
    });
    for (const key of ['widget/first', 'secret/first']) {
      const o = await until(`the informer has ${key}`, () => seen.get(key));
      expect(o.metadata?.annotations?.['kcp.io/cluster']).toBe(cluster);
    }
    // Nothing else arrived: not alice's or bob's other objects, nor the unclaimed ConfigMaps.
    expect([...seen.keys()].sort()).toEqual(['secret/first', 'widget/first']);
    expect(errors).toEqual([]);
  });
});
