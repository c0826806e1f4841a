/**
 * `canopy syncagent` with the current PublishedResource shape, through the endpoint slice
 * (`--apiexportendpointslice-ref`): a projection that renames group and kind (with short
 * names and a category), template naming, spec mutations, a resource filter, a related
 * Secret of origin `kcp` by GVR and one of origin `service` by template (copied into the
 * tenant workspace and announced in an annotation), events on tenant objects, and two
 * tenants at once that never see each other.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { KubeObject } from '../../src/apimachinery/meta.ts';
import type { KubeClient } from '../../src/controller/kube/client.ts';
import { CRDS, SECRETS, sha3Short } from '../../src/syncagent/constants.ts';
import type { CanopyProcess } from './harness/canopy-process.ts';
import type { Kubectl } from './harness/kubectl.ts';
import {
  type AgentProcess,
  bindTenant,
  CLUSTERS,
  NAMESPACES,
  PUBLISHED_RESOURCES,
  startAgent,
  startProvider,
  stopAll,
  TestOperator,
  type Workdir,
} from './harness/syncagent.ts';
import { until } from './harness/wait.ts';

const PUBLISHED = `apiVersion: syncagent.kcp.io/v1alpha1
kind: PublishedResource
metadata:
  name: postgres-clusters
  labels:
    dbaas.example.com/published: "true"
spec:
  resource:
    apiGroup: postgresql.cnpg.io
    kind: Cluster
    versions: [v1]
  projection:
    group: dbaas.example.com
    kind: PostgresCluster
    shortNames: [pgc]
    categories: [dbaas]
  naming:
    namespace: "tenant-{{ .ClusterName }}"
    name: "{{ sha3short .Object.metadata.namespace 8 }}-{{ .Object.metadata.name }}"
  filter:
    resource:
      matchExpressions:
        - key: dbaas.example.com/paused
          operator: DoesNotExist
  mutation:
    spec:
      - template:
          path: spec.description
          template: "{{ .Value }} (via kcp)"
      - delete:
          path: spec.storage.storageClass
  related:
    - identifier: superuser
      origin: kcp
      group: ""
      version: v1
      resource: secrets
      object:
        reference:
          path: spec.superuserSecret.name
    - identifier: credentials
      origin: service
      kind: Secret
      object:
        template:
          template: "{{ .Object.metadata.name }}-app"
    - identifier: labelled
      origin: service
      kind: Secret
      object:
        selector:
          matchLabels:
            cnpg.io/cluster: "{{ .LocalObject.metadata.name }}"
          rewrite:
            regex:
              pattern: "^(.*)$"
              replacement: 'tenant-\\1'
`;

const postgresCluster = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'dbaas.example.com/v1',
    kind: 'PostgresCluster',
    metadata: { name, ...extra },
    spec: {
      instances: 1,
      description: `database ${name}`,
      superuserSecret: { name: `${name}-superuser` },
      enableSuperuserAccess: true,
      storage: { size: '1Gi', storageClass: 'fast' },
    },
  });
const superuser = (name: string, password: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${name}-superuser` },
    type: 'kubernetes.io/basic-auth',
    stringData: { username: 'postgres', password },
  });

describe('canopy syncagent: current PublishedResource shape, projection, two tenants', () => {
  let kcp: CanopyProcess;
  let service: CanopyProcess;
  let dir: Workdir;
  let agent: AgentProcess;
  let operator: TestOperator;
  let svc: KubeClient;
  let tenantA: Kubectl;
  let tenantB: Kubectl;
  let lcA: string;
  let lcB: string;

  beforeAll(async () => {
    const setup = await startProvider({
      prefix: 'canopy-syncagent-current-',
      workspace: 'dbaas',
      apiExport: JSON.stringify({
        apiVersion: 'apis.kcp.io/v1alpha2',
        kind: 'APIExport',
        metadata: { name: 'dbaas' },
        spec: {},
      }),
    });
    ({ kcp, service, dir, svc } = setup);
    agent = await startAgent({
      kcpKubeconfig: setup.agentKubeconfig,
      kubeconfig: service.kubeconfig,
      args: [
        '--namespace',
        'syncagent',
        '--apiexportendpointslice-ref',
        'dbaas',
        '--agent-name',
        'dbaas-agent',
        '--published-resource-selector',
        'dbaas.example.com/published=true',
        '--workspace-cleanup-delay',
        '2s',
      ],
    });
    // The agent installed the PublishedResource CRD.
    await setup.provider.ok(['apply', '-f', '-'], { input: PUBLISHED });
    operator = new TestOperator(service.kubeconfig);
    await operator.start();

    // Bind once the export has the resource (or `kubectl kcp bind` has nothing to wait for).
    await until('the export publishes postgresclusters', async () =>
      (
        await setup.exportWorkspace.ok([
          'get',
          '--raw',
          '/clusters/root:providers:dbaas/apis/apis.kcp.io/v1alpha2/apiexports/dbaas',
        ])
      ).includes('postgresclusters'),
    );
    const exportRef = 'root:providers:dbaas:dbaas';
    ({ k: tenantA, lc: lcA } = await bindTenant(kcp, dir, 'a', exportRef));
    ({ k: tenantB, lc: lcB } = await bindTenant(kcp, dir, 'b', exportRef));
  });

  afterAll(() => stopAll({ operator, agent, svc, kcp, service, dir }));

  beforeEach(() => {
    onTestFailed(() => {
      console.log(`agent output (tail):\n${agent?.output().slice(-8000)}`);
    });
  });

  /** The reasons of the events on tenant a's object `name`. */
  const eventReasons = async (name: string) =>
    new Set(
      (
        await tenantA.ok([
          'get',
          'events',
          '--field-selector',
          `involvedObject.name=${name}`,
          '-o',
          'jsonpath={range .items[*]}{.reason}{"\\n"}{end}',
        ])
      )
        .split('\n')
        .filter(Boolean),
    );

  it('publishes the projected API: renamed group and kind, short name, category', async () => {
    const pr = await svc.get(PUBLISHED_RESOURCES, undefined, 'postgres-clusters');
    expect((pr as KubeObject & { status?: { resourceSchemaName?: string } }).status).toEqual({
      resourceSchemaName: expect.stringMatching(
        /^v[0-9a-f]{8}\.postgresclusters\.dbaas\.example\.com$/,
      ),
    });
    const resources = await tenantA.ok(['api-resources', '--api-group', 'dbaas.example.com']);
    expect(resources).toMatch(
      /postgresclusters\s+pgc\s+dbaas\.example\.com\/v1\s+true\s+PostgresCluster/,
    );
    const exp = JSON.parse(
      await tenantA.ok([
        'get',
        '--raw',
        '/clusters/root:providers:dbaas/apis/apis.kcp.io/v1alpha2/apiexports/dbaas',
      ]),
    ) as { spec: { permissionClaims: { group: string; resource: string; verbs: string[] }[] } };
    expect(exp.spec.permissionClaims).toEqual([
      { group: '', resource: 'events', verbs: ['*'] },
      { group: '', resource: 'namespaces', verbs: ['*'] },
      { group: '', resource: 'secrets', verbs: ['*'] },
    ]);
  });

  it('two tenants create objects of the same name; each lands in its own namespace', async () => {
    for (const [k, password] of [
      [tenantA, 'pw-a'],
      [tenantB, 'pw-b'],
    ] as const) {
      await k.ok(['apply', '-f', '-'], { input: superuser('kcp', password) });
      await k.ok(['apply', '-f', '-'], { input: postgresCluster('kcp') });
    }
    for (const k of [tenantA, tenantB])
      await k.ok(['wait', 'pgc/kcp', '--for=condition=Ready=true', '--timeout=60s']);
    const table = (await tenantA.ok(['get', 'dbaas'])).split('\n');
    expect(table[0]).toMatch(/^NAME\s+AGE\s+INSTANCES\s+READY\s+STATUS\s+PRIMARY$/);
    const local = `${sha3Short('default', 8)}-kcp`;
    for (const [lc, password] of [
      [lcA, 'pw-a'],
      [lcB, 'pw-b'],
    ] as const) {
      const copy = await svc.get(CLUSTERS, `tenant-${lc}`, local);
      expect(copy.metadata.labels?.['syncagent.kcp.io/remote-object-cluster']).toBe(lc);
      expect(copy.metadata.labels?.['syncagent.kcp.io/agent-name']).toBe('dbaas-agent');
      // Spec mutations: a template rewrote the description, a delete dropped the class.
      const spec = copy.spec as { description?: string; storage?: Record<string, unknown> };
      expect(spec.description).toBe('database kcp (via kcp)');
      expect(spec.storage).toEqual({ size: '1Gi' });
      expect(table.some((l) => /^kcp\s/.test(l))).toBe(true);
      const secret = await until('the superuser Secret reaches the tenant namespace', () =>
        svc.getOrUndefined(SECRETS, `tenant-${lc}`, 'kcp-superuser'),
      );
      expect(
        Buffer.from((secret.data as Record<string, string>).password ?? '', 'base64').toString(),
      ).toBe(password);
    }
    // Nothing of one tenant is visible in the other.
    expect(await tenantA.ok(['get', 'secrets', '-o', 'name'])).not.toMatch(/pw-b/);
    const nsA = await svc.list(CLUSTERS, `tenant-${lcA}`);
    expect(
      nsA.items.map((c) => c.metadata.labels?.['syncagent.kcp.io/remote-object-cluster']),
    ).toEqual([lcA]);
  });

  it('copies the service-side Secret (origin service) into the tenant workspace and announces it', async () => {
    for (const [k, lc] of [
      [tenantA, lcA],
      [tenantB, lcB],
    ] as const) {
      const secret = await until('kcp-app in the tenant workspace', async () => {
        const r = await k(['get', 'secret', 'kcp-app', '-o', 'json']);
        return r.code === 0 ? (JSON.parse(r.stdout) as KubeObject) : undefined;
      });
      const data = secret.data as Record<string, string>;
      const local = `${sha3Short('default', 8)}-kcp`;
      expect(Buffer.from(data.password ?? '', 'base64').toString()).toBe(`generated-for-${local}`);
      expect(secret.metadata.labels?.['syncagent.kcp.io/related-identifier']).toBe('credentials');
      expect(secret.metadata.labels?.['syncagent.kcp.io/related-primary-cluster']).toBe(lc);
      const obj = await until('the tenant object announces the Secret', async () => {
        const o = JSON.parse(await k.ok(['get', 'pgc', 'kcp', '-o', 'json'])) as KubeObject;
        return o.metadata.annotations?.['related-resources.syncagent.kcp.io/credentials']
          ? o
          : undefined;
      });
      expect(
        JSON.parse(
          obj.metadata.annotations?.['related-resources.syncagent.kcp.io/credentials'] ?? '',
        ),
      ).toEqual({
        namespace: 'default',
        name: 'kcp-app',
        apiVersion: 'v1',
        kind: 'Secret',
      });
    }
    // Found by labels: copied under a rewritten name; a new match follows within seconds.
    const local = `${sha3Short('default', 8)}-kcp`;
    await until(
      'the labelled Secret in tenant a',
      async () => (await tenantA(['get', 'secret', `tenant-${local}-app`])).code === 0,
    );
    await svc.create(SECRETS, `tenant-${lcA}`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${local}-extra`, labels: { 'cnpg.io/cluster': local } },
      stringData: { note: 'extra' },
    });
    await until(
      'the new match in tenant a',
      async () => (await tenantA(['get', 'secret', `tenant-${local}-extra`])).code === 0,
      10_000,
    );
    const annotated = await until('both listed on the tenant object', async () => {
      const o = JSON.parse(await tenantA.ok(['get', 'pgc', 'kcp', '-o', 'json'])) as KubeObject;
      const a = o.metadata.annotations ?? {};
      return a['related-resources.syncagent.kcp.io/labelled.1'] ? a : undefined;
    });
    expect(
      [0, 1]
        .map(
          (i) =>
            JSON.parse(annotated[`related-resources.syncagent.kcp.io/labelled.${i}`] ?? '{}').name,
        )
        .sort(),
    ).toEqual([`tenant-${local}-app`, `tenant-${local}-extra`]);
    // The service side rotates the password: the tenant's copy follows within seconds.
    await svc.patch(SECRETS, `tenant-${lcA}`, `${local}-app`, {
      stringData: { password: 'rotated' },
    });
    await until(
      'the rotated password in tenant a',
      async () => {
        const r = JSON.parse(
          await tenantA.ok(['get', 'secret', 'kcp-app', '-o', 'json']),
        ) as KubeObject;
        return (
          Buffer.from((r.data as Record<string, string>).password ?? '', 'base64').toString() ===
          'rotated'
        );
      },
      10_000,
    );
  });

  it('tells the tenant what happened with events on its object', async () => {
    const reasons = await until('events for pgc/kcp', async () => {
      const r = await eventReasons('kcp');
      return r.has('ObjectAccepted') && r.has('ObjectPlaced') && r.has('ObjectStatusSynced')
        ? r
        : undefined;
    });
    expect([...reasons]).toEqual(
      expect.arrayContaining(['ObjectAccepted', 'ObjectPlaced', 'ObjectStatusSynced']),
    );
  });

  it('a changed CRD becomes a new APIResourceSchema in the export; syncing carries on', async () => {
    const before = (
      (await svc.get(PUBLISHED_RESOURCES, undefined, 'postgres-clusters')) as KubeObject & {
        status?: { resourceSchemaName?: string };
      }
    ).status?.resourceSchemaName;
    // The service owner adds a printer column to the Cluster CRD.
    const crd = await svc.get(CRDS, undefined, 'clusters.postgresql.cnpg.io');
    const spec = crd.spec as {
      versions: { name: string; additionalPrinterColumns?: Record<string, string>[] }[];
    };
    for (const v of spec.versions)
      v.additionalPrinterColumns = [
        ...(v.additionalPrinterColumns ?? []),
        { name: 'Description', type: 'string', jsonPath: '.spec.description' },
      ];
    await svc.update(CRDS, undefined, 'clusters.postgresql.cnpg.io', crd);
    const after = await until('a new schema name', async () => {
      const pr = (await svc.get(
        PUBLISHED_RESOURCES,
        undefined,
        'postgres-clusters',
      )) as KubeObject & {
        status?: { resourceSchemaName?: string };
      };
      const name = pr.status?.resourceSchemaName;
      return name && name !== before ? name : undefined;
    });
    expect(after).toMatch(/^v[0-9a-f]{8}\.postgresclusters\.dbaas\.example\.com$/);
    await until('the export points at it', async () =>
      (
        await tenantA.ok([
          'get',
          '--raw',
          '/clusters/root:providers:dbaas/apis/apis.kcp.io/v1alpha2/apiexports/dbaas',
        ])
      ).includes(after),
    );
    // The tenant sees the new column, and a spec change still flows down.
    await until('the Description column', async () =>
      (await tenantA.ok(['get', 'pgc', 'kcp'])).split('\n')[0]?.includes('DESCRIPTION'),
    );
    await tenantA.ok(['patch', 'pgc', 'kcp', '--type=merge', '-p', '{"spec":{"instances":2}}']);
    const local = `${sha3Short('default', 8)}-kcp`;
    await until('instances 2 on the service cluster', async () => {
      const c = await svc.get(CLUSTERS, `tenant-${lcA}`, local);
      return (c.spec as { instances?: number }).instances === 2;
    });
    const copies = await svc.list(CLUSTERS, `tenant-${lcA}`);
    expect(copies.items.length).toBe(1);
    await until('an ObjectSynced event', async () =>
      (await eventReasons('kcp')).has('ObjectSynced'),
    );
  });

  it('reports a provider-side problem to the tenant as a ReconcilingError event', async () => {
    // Something else already sits where the copy of "taken" would go.
    const local = `${sha3Short('default', 8)}-taken`;
    await svc.create(CLUSTERS, `tenant-${lcA}`, {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: {
        name: local,
        namespace: `tenant-${lcA}`,
        labels: {
          'syncagent.kcp.io/agent-name': 'dbaas-agent',
          'syncagent.kcp.io/remote-object-cluster': 'someoneelse',
        },
        annotations: { 'syncagent.kcp.io/remote-object-name': 'taken' },
      },
      spec: { instances: 1, storage: { size: '1Gi' } },
    });
    await tenantA.ok(['apply', '-f', '-'], { input: superuser('taken', 'x') });
    await tenantA.ok(['apply', '-f', '-'], { input: postgresCluster('taken') });
    const message = await until('a ReconcilingError event on pgc/taken', async () => {
      const out = await tenantA.ok([
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=taken,reason=ReconcilingError',
        '-o',
        'jsonpath={.items[0].type} {.items[0].message}',
      ]);
      return out.trim() ? out : undefined;
    });
    expect(message).toMatch(
      /^Warning A provider-side issue has occurred: .*belongs to another object/,
    );
    // The foreign object was left alone; removing it lets the tenant's object through.
    const foreign = await svc.get(CLUSTERS, `tenant-${lcA}`, local);
    expect(foreign.metadata.labels?.['syncagent.kcp.io/remote-object-cluster']).toBe('someoneelse');
    await svc.delete(CLUSTERS, `tenant-${lcA}`, local);
    await tenantA.ok(['wait', 'pgc/taken', '--for=condition=Ready=true', '--timeout=60s']);
    await tenantA.ok(['delete', 'pgc', 'taken', '--timeout=30s']);
  });

  it('ignores objects the resource filter excludes', async () => {
    await tenantA.ok(['apply', '-f', '-'], {
      input: postgresCluster('paused', { labels: { 'dbaas.example.com/paused': 'true' } }),
    });
    await tenantA.ok(['apply', '-f', '-'], { input: superuser('paused', 'x') });
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      await svc.getOrUndefined(CLUSTERS, `tenant-${lcA}`, `${sha3Short('default', 8)}-paused`),
    ).toBeUndefined();
    const obj = JSON.parse(await tenantA.ok(['get', 'pgc', 'paused', '-o', 'json'])) as KubeObject;
    expect(obj.metadata.finalizers ?? []).toEqual([]);
    await tenantA.ok(['delete', 'pgc', 'paused', '--timeout=10s']);
  });

  it("deleting tenant a's object removes its copies on both sides and leaves tenant b alone", async () => {
    await tenantA.ok(['delete', 'pgc', 'kcp', '--timeout=60s']);
    const local = `${sha3Short('default', 8)}-kcp`;
    await until('tenant a copies gone', async () => {
      const [c, s] = await Promise.all([
        svc.getOrUndefined(CLUSTERS, `tenant-${lcA}`, local),
        svc.getOrUndefined(SECRETS, `tenant-${lcA}`, 'kcp-superuser'),
      ]);
      return !c && !s;
    });
    // The origin-service copy in the workspace goes with its primary; the tenant's own
    // Secret stays and is released from the agent's finalizer.
    await until(
      'kcp-app and the labelled copies gone from tenant a',
      async () =>
        (await tenantA(['get', 'secret', 'kcp-app'])).code !== 0 &&
        !(await tenantA.ok(['get', 'secrets', '-o', 'name'])).includes('tenant-'),
    );
    const own = JSON.parse(
      await tenantA.ok(['get', 'secret', 'kcp-superuser', '-o', 'json']),
    ) as KubeObject;
    expect(own.metadata.finalizers ?? []).toEqual([]);
    // Tenant b is untouched.
    expect(
      (await svc.get(CLUSTERS, `tenant-${lcB}`, local)).metadata.deletionTimestamp,
    ).toBeUndefined();
    expect((await tenantB.ok(['get', 'pgc', '-o', 'name'])).trim()).toBe(
      'postgrescluster.dbaas.example.com/kcp',
    );
    // Tenant a's events tell the deletion's story.
    await until('the deletion events', async () => {
      const r = await eventReasons('kcp');
      return r.has('ObjectCleanup') && r.has('ObjectDeleted');
    });
  });

  it('when the last tenants unbind, their namespaces on the service cluster go too', async () => {
    await tenantA.ok(['delete', 'apibinding', 'dbaas', '--timeout=60s']);
    await tenantB.ok(['delete', 'apibinding', 'dbaas', '--timeout=60s']);
    await until(
      'both tenant namespaces gone',
      async () =>
        !(await svc.getOrUndefined(NAMESPACES, undefined, `tenant-${lcA}`)) &&
        !(await svc.getOrUndefined(NAMESPACES, undefined, `tenant-${lcB}`)),
      30_000,
      200,
    );
    expect((await svc.list(CLUSTERS)).items).toEqual([]);
    expect(
      (
        await svc.list(SECRETS, 'syncagent', {
          labelSelector: 'syncagent.kcp.io/object-state=true',
        })
      ).items,
    ).toEqual([]);
    expect(agent.output()).not.toMatch(/"level":50/);
  });
});
