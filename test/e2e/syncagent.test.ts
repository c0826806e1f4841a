/**
 * `canopy syncagent` end to end, the kcp workshop's exercise 03 ("dynamic providers") as
 * written: two Canopy servers (the control plane and a `--plain` service cluster), the
 * workshop's export.yaml, resources-cluster.yaml, resources-database.yaml (api-syncagent
 * v0.2 shape), consumer-1-cluster.yaml and consumer-1-database.yaml (the export and the
 * consumer's manifests as examples/dynamic-providers/ keeps them), real kubectl with the
 * kcp plugins, the agent started with the workshop's flags, and a small test controller on
 * the service cluster standing in for CloudNativePG (no PostgreSQL needed).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { KubeObject } from '../../src/apimachinery/meta.ts';
import type { KubeClient } from '../../src/controller/kube/client.ts';
import { SECRETS } from '../../src/syncagent/constants.ts';
import type { CanopyProcess } from './harness/canopy-process.ts';
import { type Kubectl, kubectlWithPlugins } from './harness/kubectl.ts';
import {
  type AgentProcess,
  CLUSTERS,
  CONSUMER_1_CLUSTER_YAML,
  CONSUMER_1_DATABASE_YAML,
  DATABASES,
  EXPORT_YAML,
  logicalClusterOf,
  PUBLISHED_RESOURCES,
  RESOURCES_CLUSTER_YAML,
  RESOURCES_DATABASE_YAML,
  startAgent,
  startProvider,
  stopAll,
  TestOperator,
  type Workdir,
} from './harness/syncagent.ts';
import { until } from './harness/wait.ts';

describe('canopy syncagent: the kcp workshop (api-syncagent v0.2 manifests)', () => {
  let kcp: CanopyProcess;
  let service: CanopyProcess;
  let dir: Workdir;
  /** Admin, moved around workspaces like the workshop's admin.kubeconfig. */
  let admin: Kubectl;
  /** The workshop's sync-agent.kubeconfig (context left in root:providers:database). */
  let syncAgentKubeconfig: string;
  let provider: Kubectl;
  let agent: AgentProcess;
  let operator: TestOperator;
  let svc: KubeClient;
  let tenantCluster: string;

  beforeAll(async () => {
    // 01: the service owner's cluster: CloudNativePG's CRDs (the PublishedResources follow
    // once the agent runs). 02: the provider workspace and the (empty) APIExport, with
    // sync-agent.kubeconfig.
    ({
      kcp,
      service,
      dir,
      provider,
      svc,
      agentKubeconfig: syncAgentKubeconfig,
    } = await startProvider({
      prefix: 'canopy-syncagent-workshop-',
      workspace: 'database',
      apiExport: EXPORT_YAML,
      agentKubeconfig: 'sync-agent.kubeconfig',
    }));
    const files = {
      resourcesCluster: dir.write('resources-cluster.yaml', RESOURCES_CLUSTER_YAML),
      resourcesDatabase: dir.write('resources-database.yaml', RESOURCES_DATABASE_YAML),
    };
    admin = kubectlWithPlugins(kcp.kubeconfig, dir.dir, 'admin.kubeconfig');

    // 03: the consumer binds before any agent ran, accepting secrets and namespaces.
    await admin.ok(['ws', ':root:consumers']);
    await admin.ok(['ws', 'create', 'pg', '--enter']);
    await admin.ok([
      'kcp',
      'bind',
      'apiexport',
      'root:providers:database:postgresql.cnpg.io',
      '--accept-permission-claim',
      'secrets.core,namespaces.core',
    ]);
    tenantCluster = await logicalClusterOf(admin, 'root:consumers:pg');

    // 04: the agent, exactly as the workshop runs api-syncagent.
    agent = await startAgent({
      kcpKubeconfig: syncAgentKubeconfig,
      kubeconfig: service.kubeconfig,
      args: [
        '--namespace',
        'default',
        '--apiexport-ref',
        'postgresql.cnpg.io',
        '--health-address',
        '127.0.0.1:0',
      ],
    });
    // (the workshop applies the PublishedResources after the agent installed its CRD)
    await provider.ok(['apply', '-f', files.resourcesCluster]);
    await provider.ok(['apply', '-f', files.resourcesDatabase]);
    operator = new TestOperator(service.kubeconfig);
    await operator.start();
  });

  afterAll(() => stopAll({ operator, agent, svc, kcp, service, dir }));

  beforeEach(() => {
    onTestFailed(() => {
      console.log(`agent output (tail):\n${agent?.output().slice(-6000)}`);
    });
  });

  it('publishes the CRDs as APIResourceSchemas in the APIExport with the claims they need', async () => {
    const prs = await until('both PublishedResources have a schema', async () => {
      const list = await svc.list(PUBLISHED_RESOURCES);
      const names = list.items.map(
        (p) =>
          (p as KubeObject & { status?: { resourceSchemaName?: string } }).status
            ?.resourceSchemaName,
      );
      return names.length === 2 && names.every(Boolean) ? names : undefined;
    });
    expect(prs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^v[0-9a-f]{8}\.clusters\.postgresql\.cnpg\.io$/),
        expect.stringMatching(/^v[0-9a-f]{8}\.databases\.postgresql\.cnpg\.io$/),
      ]),
    );
    const exp = await until('the export lists both schemas', async () => {
      const out = await admin.ok([
        'get',
        '--raw',
        '/clusters/root:providers:database/apis/apis.kcp.io/v1alpha1/apiexports/postgresql.cnpg.io',
      ]);
      const e = JSON.parse(out) as {
        metadata: { annotations?: Record<string, string> };
        spec: {
          latestResourceSchemas?: string[];
          permissionClaims?: { group: string; resource: string; all?: boolean }[];
        };
      };
      return e.spec.latestResourceSchemas?.length === 2 ? e : undefined;
    });
    expect([...(exp.spec.latestResourceSchemas ?? [])].sort()).toEqual([...prs].sort());
    expect(exp.spec.permissionClaims).toEqual([
      { group: '', resource: 'events', all: true },
      { group: '', resource: 'namespaces', all: true },
      { group: '', resource: 'secrets', all: true },
    ]);
    expect(exp.metadata.annotations?.['syncagent.kcp.io/agent-name']).toBe(
      'postgresql.cnpg.io-syncagent',
    );
    // The consumer sees the API (printer columns kept) once its binding caught up.
    await until('the consumer sees the clusters resource', async () => {
      const r = await admin(['api-resources', '--api-group', 'postgresql.cnpg.io']);
      return r.code === 0 && /clusters/.test(r.stdout) && /databases/.test(r.stdout);
    });
  });

  it('serves health probes and Prometheus metrics', async () => {
    const line = agent
      .output()
      .split('\n')
      .find((l) => l.includes('serving metrics and probes'));
    const urls = JSON.parse(line ?? '{}') as { metrics?: string; health?: string };
    expect((await fetch(`${urls.health}/healthz`)).status).toBe(200);
    expect((await fetch(`${urls.health}/readyz`)).status).toBe(200);
    const metrics = await until('both published resources counted', async () => {
      const text = await (await fetch(`${urls.metrics}/metrics`)).text();
      return /^sync_agent_published_resource 2$/m.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/^syncagent_leader 1$/m);
    expect(metrics).toMatch(/syncagent_reconcile_total\{controller="apiexport",result="success"\}/);
  });

  it('05: the consumer creates its Cluster and Database and sees the status the service side writes', async () => {
    await admin.ok(['apply', '-f', dir.write('consumer-1-cluster.yaml', CONSUMER_1_CLUSTER_YAML)]);
    await admin.ok(['wait', 'cluster/kcp', '--for=condition=Ready=true', '--timeout=60s']);
    await admin.ok([
      'apply',
      '-f',
      dir.write('consumer-1-database.yaml', CONSUMER_1_DATABASE_YAML),
    ]);
    await admin.ok([
      'wait',
      'database/db-one',
      '--for=jsonpath={.status.applied}=true',
      '--timeout=60s',
    ]);

    const clusters = (await admin.ok(['get', 'cluster'])).split('\n');
    expect(clusters[0]).toMatch(/^NAME\s+AGE\s+INSTANCES\s+READY\s+STATUS\s+PRIMARY$/);
    expect(clusters[1]).toMatch(/^kcp\s+\S+\s+1\s+1\s+Cluster in healthy state\s+kcp-1$/);
    const databases = (await admin.ok(['get', 'databases'])).split('\n');
    expect(databases[0]).toMatch(/^NAME\s+AGE\s+CLUSTER\s+PG NAME\s+APPLIED\s+MESSAGE$/);
    expect(databases[1]).toMatch(/^db-one\s+\S+\s+kcp\s+one\s+true\s*$/);
    const secrets = (await admin.ok(['get', 'secrets'])).split('\n');
    expect(secrets.filter((l) => /^kcp-/.test(l)).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['kcp-postgres', 'kubernetes.io/basic-auth', '2'],
      ['kcp-superuser', 'kubernetes.io/basic-auth', '2'],
    ]);
  });

  it('places the copies in a namespace named after the tenant logical cluster, with the link labels', async () => {
    expect(tenantCluster).toMatch(/^[a-z0-9]+$/);
    const namespaces = await provider.ok(['get', 'namespaces', '-o', 'name']);
    expect(namespaces).toContain(`namespace/${tenantCluster}\n`);
    const copy = await svc.get(CLUSTERS, tenantCluster, 'kcp');
    expect(copy.metadata.labels).toMatchObject({
      'syncagent.kcp.io/agent-name': 'postgresql.cnpg.io-syncagent',
      'syncagent.kcp.io/remote-object-cluster': tenantCluster,
      'syncagent.kcp.io/remote-object-name-hash': expect.stringMatching(/^[0-9a-f]{40}$/),
      'syncagent.kcp.io/remote-object-namespace-hash': expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(copy.metadata.annotations).toMatchObject({
      'syncagent.kcp.io/remote-object-name': 'kcp',
      'syncagent.kcp.io/remote-object-namespace': 'default',
    });
    expect(copy.metadata.annotations?.['kcp.io/cluster']).toBeUndefined();
    expect(
      copy.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'],
    ).toBeUndefined();
    expect((copy.spec as { superuserSecret?: { name: string } }).superuserSecret?.name).toBe(
      'kcp-superuser',
    );
    expect((await svc.get(DATABASES, tenantCluster, 'db-one')).metadata.name).toBe('db-one');
    // The service side's view, as the workshop shows it.
    const local = (await provider.ok(['-n', tenantCluster, 'get', 'clusters'])).split('\n');
    expect(local[1]).toMatch(/^kcp\s+\S+\s+1\s+1\s+Cluster in healthy state\s+kcp-1$/);
    // Tenant objects carry the agent's finalizer and nothing else of it.
    const tenantCopy = JSON.parse(
      await admin.ok(['get', 'cluster', 'kcp', '-o', 'json']),
    ) as KubeObject;
    expect(tenantCopy.metadata.finalizers).toEqual(['syncagent.kcp.io/cleanup']);
    expect(Object.keys(tenantCopy.metadata.labels ?? {})).toEqual([]);
  });

  it('copies kcp-superuser (related, origin kcp) to the service cluster, and only that Secret', async () => {
    const copy = await until('kcp-superuser on the service cluster', () =>
      svc.getOrUndefined(SECRETS, tenantCluster, 'kcp-superuser'),
    );
    expect(copy.type).toBe('kubernetes.io/basic-auth');
    expect(copy.data).toEqual({ username: 'cG9zdGdyZXM=', password: 'cGFzc3dvcmQ=' });
    expect(copy.metadata.labels).toMatchObject({
      'syncagent.kcp.io/related-identifier': 'credentials',
      'syncagent.kcp.io/related-primary-cluster': tenantCluster,
    });
    expect(await svc.getOrUndefined(SECRETS, tenantCluster, 'kcp-postgres')).toBeUndefined();
    const origin = JSON.parse(
      await admin.ok(['get', 'secret', 'kcp-superuser', '-o', 'json']),
    ) as KubeObject;
    expect(origin.metadata.finalizers).toEqual(['syncagent.kcp.io/cleanup']);
    // State Secrets in --namespace hold what was synced last.
    const states = await svc.list(SECRETS, 'default', {
      labelSelector: 'syncagent.kcp.io/object-state=true',
    });
    expect(states.items.map((s) => s.metadata.name).sort()).toEqual([
      expect.stringMatching(new RegExp(`^obj-state-${tenantCluster}-[0-9a-f]{20}$`)),
      expect.stringMatching(new RegExp(`^obj-state-${tenantCluster}-[0-9a-f]{20}$`)),
    ]);
  });

  it('keeps service-side changes: a spec edit in kcp is merge-patched, defaults stay', async () => {
    // The service side defaults fields the tenant never set (the CRD's defaults).
    const before = await svc.get(CLUSTERS, tenantCluster, 'kcp');
    expect((before.spec as Record<string, unknown>).primaryUpdateStrategy).toBe('unsupervised');
    // A label the service side adds must survive the next sync.
    await svc.patch(CLUSTERS, tenantCluster, 'kcp', {
      metadata: { labels: { 'provider.example/tier': 'gold' } },
    });
    await admin.ok(['patch', 'cluster', 'kcp', '--type=merge', '-p', '{"spec":{"instances":3}}']);
    const after = await until('instances 3 reaches the service cluster', async () => {
      const c = await svc.get(CLUSTERS, tenantCluster, 'kcp');
      return (c.spec as { instances?: number }).instances === 3 ? c : undefined;
    });
    expect(after.metadata.labels?.['provider.example/tier']).toBe('gold');
    expect((after.spec as Record<string, unknown>).primaryUpdateStrategy).toBe('unsupervised');
    await until('the status follows (3 ready instances)', async () => {
      const t = JSON.parse(await admin.ok(['get', 'cluster', 'kcp', '-o', 'json'])) as KubeObject;
      return (t.status as { readyInstances?: number }).readyInstances === 3;
    });
  });

  it('a Cluster that names another Secret: that one is copied, the old copy is pruned', async () => {
    // The prune finds the old copy in the agent's watch of Secrets (no LIST by label).
    const point = (name: string) =>
      admin.ok([
        'patch',
        'cluster',
        'kcp',
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { superuserSecret: { name } } }),
      ]);
    const switched = async (to: string, from: string) => {
      await until(`${to} copied and ${from} pruned on the service cluster`, async () => {
        const [now, old] = await Promise.all([
          svc.getOrUndefined(SECRETS, tenantCluster, to),
          svc.getOrUndefined(SECRETS, tenantCluster, from),
        ]);
        return now !== undefined && old === undefined;
      });
    };
    await point('kcp-postgres');
    await switched('kcp-postgres', 'kcp-superuser');
    await point('kcp-superuser');
    await switched('kcp-superuser', 'kcp-postgres');
  });

  it('a consumer binding without the secrets claim is told on its Cluster, and syncs once it accepts', async () => {
    await admin.ok(['ws', ':root:consumers']);
    await admin.ok(['create', 'workspace', 'unclaimed', '--enter']);
    // Events accepted (so the agent may tell), secrets and namespaces left open.
    const bound = await admin([
      'kcp',
      'bind',
      'apiexport',
      'root:providers:database:postgresql.cnpg.io',
      '--accept-permission-claim',
      'events.core',
    ]);
    expect(bound.code).toBe(0);
    expect(bound.stderr).toContain('neither accepts nor rejects: namespaces, secrets.');
    const unclaimed = await logicalClusterOf(admin, 'root:consumers:unclaimed');
    await admin.ok(['apply', '-f', dir.write('consumer-1-cluster.yaml', CONSUMER_1_CLUSTER_YAML)]);
    const held = await until('the claim condition on the tenant’s Cluster', async () => {
      const status = JSON.parse(
        (await admin.ok(['get', 'cluster', 'kcp', '-o', 'jsonpath={.status}'])) || '{}',
      ) as { conditions?: Array<Record<string, string>> };
      return status.conditions?.find((c) => c.type === 'Synced');
    });
    expect(held).toMatchObject({
      status: 'False',
      reason: 'PermissionClaimNotAccepted',
      message:
        'the provider cannot sync this object until APIBinding postgresql.cnpg.io accepts the permission claim on secrets; accept it with: kubectl kcp claims accept postgresql.cnpg.io --resource=secrets',
    });
    const events = await until('the Warning event', async () => {
      const out = await admin.ok([
        'get',
        'events',
        '--field-selector',
        'reason=PermissionClaimNotAccepted',
        '-o',
        'jsonpath={.items[*].message}',
      ]);
      return out || undefined;
    });
    expect(events).toContain('kubectl kcp claims accept postgresql.cnpg.io --resource=secrets');
    // Nothing placed on the service side for a Cluster whose Secret the provider cannot read.
    expect(await svc.getOrUndefined(CLUSTERS, unclaimed, 'kcp')).toBeUndefined();

    expect(
      await admin.ok(['kcp', 'claims', 'accept', 'postgresql.cnpg.io', '--resource=secrets']),
    ).toBe('claim "secrets" on APIBinding "postgresql.cnpg.io" is accepted\n');
    await admin.ok(['wait', 'cluster/kcp', '--for=condition=Ready=true', '--timeout=60s']);
    await until('kcp-superuser on the service cluster', () =>
      svc.getOrUndefined(SECRETS, unclaimed, 'kcp-superuser'),
    );
    const conditions = await admin.ok([
      'get',
      'cluster',
      'kcp',
      '-o',
      'jsonpath={.status.conditions[*].type}',
    ]);
    expect(conditions.split(' ')).not.toContain('Synced');
    await admin.ok(['delete', 'cluster', 'kcp', '--wait=true', '--timeout=60s']);
    await admin.ok(['ws', ':root:consumers:pg']);
  });

  it('deleting in kcp deletes the copies, waits for the service-side finalizers, then lets go', async () => {
    const started = Date.now();
    await admin.ok([
      'delete',
      '-f',
      `${dir.dir}/consumer-1-database.yaml`,
      '-f',
      `${dir.dir}/consumer-1-cluster.yaml`,
      '--timeout=60s',
    ]);
    const done = Date.now();
    // The service side's finalizer ran before the tenant's object went away.
    const released = operator.releasedAt.get(`${tenantCluster}/kcp`);
    expect(released).toBeDefined();
    expect(released as number).toBeGreaterThan(started);
    expect(released as number).toBeLessThanOrEqual(done);
    expect(await admin.ok(['get', 'clusters,databases', '-o', 'name'])).toBe('');
    expect((await admin.ok(['get', 'secrets', '-o', 'name'])).includes('kcp-')).toBe(false);
    await until('no copies left on the service cluster', async () => {
      const [c, d, s] = await Promise.all([
        svc.list(CLUSTERS),
        svc.list(DATABASES),
        svc.list(SECRETS, tenantCluster),
      ]);
      return c.items.length === 0 && d.items.length === 0 && s.items.length === 0;
    });
    const states = await svc.list(SECRETS, 'default', {
      labelSelector: 'syncagent.kcp.io/object-state=true',
    });
    expect(states.items).toEqual([]);
    expect(agent.output()).not.toMatch(/"level":50/);
  });
});
