/**
 * `canopy syncagent` under faults, with leader election on: the agent SIGKILLed in the
 * middle of syncing forty objects (while it is down, tenants delete and edit), the
 * service cluster SIGKILLed and restarted, a related Secret edited in kcp, a standby
 * replica taking over from a dead leader, a tenant that unbinds, and a tenant workspace
 * deleted. After each, everything converges: one copy per tenant object, no orphans, no
 * lost update, and nothing left on the service cluster of a workspace that is gone.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { KubeObject } from '../../src/apimachinery/meta.ts';
import type { KubeClient } from '../../src/controller/kube/client.ts';
import { SECRETS } from '../../src/syncagent/constants.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { type Kubectl, kubectlWithPlugins } from './harness/kubectl.ts';
import {
  type AgentProcess,
  bindTenant,
  CLUSTERS,
  NAMESPACES,
  RESOURCES_CLUSTER_YAML,
  RESOURCES_DATABASE_YAML,
  startAgent,
  startProvider,
  stopAll,
  TestOperator,
  type Workdir,
} from './harness/syncagent.ts';
import { sleep, until } from './harness/wait.ts';

const clusterDoc = (name: string, instances = 1) => ({
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name },
  spec: { instances, superuserSecret: { name: `${name}-superuser` }, storage: { size: '1Gi' } },
});
const secretDoc = (name: string, password: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: `${name}-superuser` },
  type: 'kubernetes.io/basic-auth',
  stringData: { username: 'postgres', password },
});
const list = (items: unknown[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

const STATE = 'syncagent.kcp.io/object-state=true';

/** Tenant objects created in one apply, during which the agent is killed. */
const BURST = 40;

describe('canopy syncagent under faults', () => {
  let kcp: CanopyProcess;
  let service: CanopyProcess;
  let servicePort: string;
  let dir: Workdir;
  let agent: AgentProcess;
  let operator: TestOperator;
  let svc: KubeClient;
  let admin: Kubectl;
  let t1: Kubectl;
  let lc1: string;
  const agentArgs = [
    '--namespace',
    'syncagent',
    '--apiexport-ref',
    'pg',
    '--workspace-cleanup-delay',
    '2s',
    '--enable-leader-election',
    '--leader-election-lease-duration',
    '3s',
    '--leader-election-renew-deadline',
    '2s',
    '--leader-election-retry-period',
    '500ms',
  ];
  const start = (readyPattern?: RegExp) =>
    startAgent({
      kcpKubeconfig: `${dir.dir}/agent.kubeconfig`,
      kubeconfig: service.kubeconfig,
      args: agentArgs,
      ...(readyPattern ? { readyPattern } : {}),
    });

  /** Copies of tenant 1 on the service cluster, by tenant name. */
  async function copiesOf(lc: string): Promise<Map<string, KubeObject[]>> {
    const all = await svc.list(CLUSTERS, undefined, {
      labelSelector: `syncagent.kcp.io/remote-object-cluster=${lc}`,
    });
    const out = new Map<string, KubeObject[]>();
    for (const c of all.items) {
      const name = c.metadata.annotations?.['syncagent.kcp.io/remote-object-name'] ?? '';
      out.set(name, [...(out.get(name) ?? []), c]);
    }
    return out;
  }

  /** Nothing of tenant `lc` is left on the service cluster: namespace, copies, state. */
  async function expectCleanedUp(lc: string, namespaceGone: string): Promise<void> {
    await until(
      namespaceGone,
      async () => !(await svc.getOrUndefined(NAMESPACES, undefined, lc)),
      30_000,
      200,
    );
    expect((await copiesOf(lc)).size).toBe(0);
    const states = await svc.list(SECRETS, 'syncagent', {
      labelSelector: `${STATE},syncagent.kcp.io/remote-object-cluster=${lc}`,
    });
    expect(states.items).toEqual([]);
  }

  async function tenantClusters(k: Kubectl): Promise<KubeObject[]> {
    return (JSON.parse(await k.ok(['get', 'clusters', '-o', 'json'])) as { items: KubeObject[] })
      .items;
  }

  async function newTenant(name: string): Promise<{ k: Kubectl; lc: string }> {
    const tenant = await bindTenant(kcp, dir, name, 'root:providers:faults:pg');
    await until(
      `${name} serves clusters`,
      async () => (await tenant.k(['get', 'clusters'])).code === 0,
    );
    return tenant;
  }

  beforeAll(async () => {
    const setup = await startProvider({
      prefix: 'canopy-syncagent-faults-',
      workspace: 'faults',
      apiExport:
        'apiVersion: apis.kcp.io/v1alpha1\nkind: APIExport\nmetadata:\n  name: pg\nspec: {}\n',
    });
    ({ kcp, service, dir, svc } = setup);
    servicePort = new URL(service.url).port;
    agent = await start();
    await setup.provider.ok(['apply', '-f', '-'], { input: RESOURCES_CLUSTER_YAML });
    await setup.provider.ok(['apply', '-f', '-'], { input: RESOURCES_DATABASE_YAML });
    operator = new TestOperator(service.kubeconfig);
    await operator.start();
    admin = kubectlWithPlugins(kcp.kubeconfig, dir.dir, 'admin.kubeconfig');
    await until('the export publishes clusters', async () =>
      (
        await admin.ok([
          'get',
          '--raw',
          '/clusters/root:providers:faults/apis/apis.kcp.io/v1alpha1/apiexports/pg',
        ])
      ).includes('.clusters.postgresql.cnpg.io'),
    );
    ({ k: t1, lc: lc1 } = await newTenant('t1'));
  });

  afterAll(() => stopAll({ operator, agent, svc, kcp, service, dir }));

  beforeEach(() => {
    onTestFailed(() => {
      console.log(`agent output (tail):\n${agent?.output().slice(-8000)}`);
    });
  });

  it('agent SIGKILLed mid-sync, tenants change things while it is down: converges, no duplicate, no orphan', async () => {
    const names = Array.from({ length: BURST }, (_, i) => `c${i}`);
    // The agent dies while the apply is still creating objects, so it has synced only some.
    const applied = t1.ok(['apply', '-f', '-'], {
      input: list(names.flatMap((n) => [secretDoc(n, `pw-${n}`), clusterDoc(n)])),
    });
    await until('the first copy exists', async () => (await copiesOf(lc1)).size >= 1, 30_000, 5);
    await agent.kill();
    await applied;
    const synced = (await copiesOf(lc1)).size;
    // While the agent is down: two deletions (held by the agent's finalizer when it got
    // that far) and one edit.
    await t1.ok(['delete', 'cluster', 'c0', 'c1', '--wait=false']);
    await t1.ok(['patch', 'cluster', 'c2', '--type=merge', '-p', '{"spec":{"instances":2}}']);
    agent = await start();

    const copies = await until(
      'every tenant object has exactly one copy',
      async () => {
        const m = await copiesOf(lc1);
        const ok =
          m.size === BURST - 2 &&
          [...m.values()].every((v) => v.length === 1) &&
          !m.has('c0') &&
          !m.has('c1');
        return ok ? m : undefined;
      },
      60_000,
      200,
    );
    // The kill landed mid-sync; otherwise this test would prove nothing.
    expect(synced).toBeLessThan(BURST);
    expect((copies.get('c2')?.[0]?.spec as { instances?: number } | undefined)?.instances).toBe(2);
    await until(
      `all ${BURST - 2} are Ready in kcp and c0, c1 are gone`,
      async () => {
        const items = await tenantClusters(t1);
        return (
          items.length === BURST - 2 &&
          items.every((c) =>
            (
              (c.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []
            ).some((x) => x.type === 'Ready' && x.status === 'True'),
          )
        );
      },
      60_000,
      250,
    );
    const c2 = (await tenantClusters(t1)).find((c) => c.metadata.name === 'c2');
    expect((c2?.status as { readyInstances?: number } | undefined)?.readyInstances).toBe(2);
    // One state Secret per live primary, none for the deleted ones.
    const states = await svc.list(SECRETS, 'syncagent', { labelSelector: STATE });
    expect(states.items.length).toBe(BURST - 2);
    // Related copies: one per live primary, none for c0, c1.
    const related = await svc.list(SECRETS, lc1, {
      labelSelector: 'syncagent.kcp.io/related-identifier=credentials',
    });
    expect(related.items.map((s) => s.metadata.name).sort()).toEqual(
      names
        .slice(2)
        .map((n) => `${n}-superuser`)
        .sort(),
    );
    // The deleted ones' Secrets in kcp were released from the finalizer.
    const c0secret = JSON.parse(
      await t1.ok(['get', 'secret', 'c0-superuser', '-o', 'json']),
    ) as KubeObject;
    await until('c0-superuser released', async () => {
      const s = JSON.parse(
        await t1.ok(['get', 'secret', 'c0-superuser', '-o', 'json']),
      ) as KubeObject;
      return (s.metadata.finalizers ?? []).length === 0;
    });
    expect(c0secret.metadata.name).toBe('c0-superuser');
  });

  it('the service cluster SIGKILLed and restarted: changes made meanwhile arrive', async () => {
    await service.kill();
    await t1.ok(['apply', '-f', '-'], {
      input: list([secretDoc('late', 'pw-late'), clusterDoc('late')]),
    });
    await t1.ok(['patch', 'cluster', 'c3', '--type=merge', '-p', '{"spec":{"instances":3}}']);
    await sleep(2000);
    service = await startCanopy({
      plain: true,
      dataDir: service.dataDir,
      args: ['--port', servicePort],
    });
    await until(
      'late is Ready and c3 has 3 ready instances in kcp',
      async () => {
        const items = await tenantClusters(t1);
        const late = items.find((c) => c.metadata.name === 'late');
        const c3 = items.find((c) => c.metadata.name === 'c3');
        return (
          (late?.status as { phase?: string } | undefined)?.phase === 'Cluster in healthy state' &&
          (c3?.status as { readyInstances?: number } | undefined)?.readyInstances === 3
        );
      },
      60_000,
      250,
    );
    const copies = await copiesOf(lc1);
    expect(copies.size).toBe(BURST - 1);
    expect([...copies.values()].every((v) => v.length === 1)).toBe(true);
    expect((copies.get('c3')?.[0]?.spec as { instances?: number } | undefined)?.instances).toBe(3);
  });

  it('a related Secret edited in kcp reaches the service cluster within seconds (api-syncagent #118)', async () => {
    await t1.ok([
      'patch',
      'secret',
      'c4-superuser',
      '--type=merge',
      '-p',
      '{"stringData":{"password":"changed"}}',
    ]);
    await until(
      'the new password on the service cluster',
      async () => {
        const s = await svc.get(SECRETS, lc1, 'c4-superuser');
        return (
          Buffer.from((s.data as Record<string, string>).password ?? '', 'base64').toString() ===
          'changed'
        );
      },
      10_000,
      50,
    );
  });

  it('two replicas: the standby takes over when the leader is SIGKILLed', async () => {
    const standby = await start(/waiting for leadership/);
    expect(standby.output()).not.toMatch(/sync agent ready/);
    await agent.kill();
    await standby.waitFor(/became leader/, 20_000);
    await standby.waitFor(/sync agent ready/, 20_000);
    agent = standby;
    await t1.ok(['apply', '-f', '-'], {
      input: list([secretDoc('after', 'pw'), clusterDoc('after')]),
    });
    await t1.ok(['wait', 'cluster/after', '--for=condition=Ready=true', '--timeout=30s']);
    const copies = await copiesOf(lc1);
    expect(copies.size).toBe(BURST);
    expect([...copies.values()].every((v) => v.length === 1)).toBe(true);
  });

  it('a tenant that unbinds: its objects are finalized, then its namespace goes (api-syncagent #113)', async () => {
    const { k, lc } = await newTenant('leaving');
    await k.ok(['apply', '-f', '-'], { input: list([secretDoc('x', 'pw'), clusterDoc('x')]) });
    await k.ok(['wait', 'cluster/x', '--for=condition=Ready=true', '--timeout=30s']);
    expect((await svc.getOrUndefined(NAMESPACES, undefined, lc))?.metadata.name).toBe(lc);
    await k.ok(['delete', 'apibinding', 'pg', '--timeout=60s']);
    await expectCleanedUp(lc, 'the namespace of the unbound workspace is gone');
    // The tenant's own Secret stays, released from the finalizer.
    const own = JSON.parse(
      await k.ok(['get', 'secret', 'x-superuser', '-o', 'json']),
    ) as KubeObject;
    expect(own.metadata.finalizers ?? []).toEqual([]);
  });

  it('a tenant workspace deleted: deletion completes and its service-side namespace is cleaned up', async () => {
    const { k, lc } = await newTenant('gone');
    await k.ok(['apply', '-f', '-'], {
      input: list(['g1', 'g2', 'g3'].flatMap((n) => [secretDoc(n, 'pw'), clusterDoc(n)])),
    });
    for (const n of ['g1', 'g2', 'g3'])
      await k.ok(['wait', `cluster/${n}`, '--for=condition=Ready=true', '--timeout=30s']);
    expect((await copiesOf(lc)).size).toBe(3);
    await admin.ok(['ws', ':root:consumers']);
    // Waits for the workspace to be gone: the agent's finalizers must be released.
    await admin.ok(['delete', 'workspace', 'gone', '--timeout=60s']);
    await expectCleanedUp(lc, 'the namespace is gone');
    // Tenant 1 is untouched.
    expect((await copiesOf(lc1)).size).toBe(BURST);
    expect(
      (await svc.getOrUndefined(NAMESPACES, undefined, lc1))?.metadata.deletionTimestamp,
    ).toBeUndefined();
    expect(agent.output()).not.toMatch(/"level":50/);
  });
});
