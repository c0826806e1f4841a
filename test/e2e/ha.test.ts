/**
 * High availability with real processes: three `canopy start` replicas on a three-member
 * etcd cluster, sharing one PKI directory. Under a bounded write load spread over the
 * replicas, with a watch per replica that moves to a surviving replica when its own
 * dies, the test kills (SIGKILL) the replica that runs the controllers, then the etcd
 * leader. Afterwards every acknowledged write is there, every watch resumed from its last
 * revision without missing or repeating an event, the controllers' Lease moved to a
 * survivor, and workspaces kept becoming Ready. Replicas also agree from the first write:
 * a Workspace, a Role and a binding made on one govern the next request on another.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEtcd, type TestEtcd } from '../../src/storage/etcd/testing.ts';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient, type RawRequest, type RawResponse } from './harness/http.ts';
import { ResumableWatch } from './harness/resumable-watch.ts';
import { until } from './harness/wait.ts';

const REPLICAS = 3;
const NS = '/api/v1/namespaces';
const CM = `${NS}/ha/configmaps`;
const WS = '/apis/tenancy.kcp.io/v1alpha1/workspaces';
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/canopy-controllers';
const TOKENS = 'dana-token,dana,2001,"team"\n';
const EXTERNAL = 'https://canopy-ha.test:6443';

interface Ack {
  readonly name: string;
  readonly value: string;
  readonly resourceVersion: number;
}

describe('three replicas on a three-member etcd', () => {
  let etcd: TestEtcd;
  let home: string;
  const replicas: CanopyProcess[] = [];
  const dead = new Set<number>();
  const alive = (i: number) => !dead.has(i);
  let send: Array<(r: RawRequest) => Promise<RawResponse>>;
  const root = (path: string) => `/clusters/root${path}`;

  /** A request to replica `i` in root; a connection refused is an answer too (status 0). */
  const call = async (i: number, r: RawRequest): Promise<RawResponse> => {
    try {
      return await (send[i] as (r: RawRequest) => Promise<RawResponse>)(r);
    } catch (err) {
      return { status: 0, headers: {}, body: (err as Error).message };
    }
  };
  const survivor = () => {
    for (let i = 0; i < REPLICAS; i++) if (alive(i)) return i;
    throw new Error('no replica left');
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'canopy-ha-'));
    writeFileSync(join(home, 'tokens.csv'), TOKENS);
    etcd = await startTestEtcd({ members: 3 });
    const pkiDir = join(home, 'pki');
    // All at once: the first to get there makes the PKI, the others read it.
    const started = await Promise.all(
      Array.from({ length: REPLICAS }, (_, i) =>
        startCanopy({
          timeoutMs: 90_000,
          args: [
            // Each replica talks to the members in its own order, so they spread.
            '--etcd-servers',
            [...etcd.endpoints.slice(i), ...etcd.endpoints.slice(0, i)].join(','),
            '--etcd-prefix',
            '/ha',
            '--pki-dir',
            pkiDir,
            // The address a load balancer in front of them would have.
            '--external-url',
            EXTERNAL,
            '--token-auth-file',
            join(home, 'tokens.csv'),
            '--leader-elect-lease-duration',
            '6s',
            '--leader-elect-renew-deadline',
            '4s',
            '--leader-elect-retry-period',
            '1s',
          ],
        }),
      ),
    );
    replicas.push(...started);
    send = replicas.map((r) => httpClient(r.kubeconfig));
    const ns = await call(0, {
      method: 'POST',
      path: root(NS),
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ha' } }),
    });
    expect(ns.status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    for (const r of replicas) await r.kill();
    for (const r of replicas) r.cleanup();
    await etcd?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  /** Creates a workspace through replica `i` and waits (through any live one) until it is Ready. */
  const workspaceReady = async (i: number, name: string) => {
    const created = await until(`workspace ${name} created`, async () => {
      const res = await call(i, {
        method: 'POST',
        path: root(WS),
        body: JSON.stringify({
          apiVersion: 'tenancy.kcp.io/v1alpha1',
          kind: 'Workspace',
          metadata: { name },
        }),
      });
      return res.status === 201 || res.status === 409;
    });
    expect(created).toBe(true);
    await until(
      `workspace ${name} Ready`,
      async () => {
        const res = await call(survivor(), { path: root(`${WS}/${name}`) });
        return res.status === 200 && JSON.parse(res.body).status?.phase === 'Ready';
      },
      120_000,
    );
  };

  /** The replica whose process holds the controllers' Lease (identity is host_pid_random). */
  const leaderReplica = async (): Promise<number> =>
    until('a replica holding the controllers’ Lease', async () => {
      const res = await call(survivor(), { path: root(LEASE) });
      if (res.status !== 200) return undefined;
      const holder: string = JSON.parse(res.body).spec?.holderIdentity ?? '';
      const pid = Number(holder.split('_')[1]);
      const i = replicas.findIndex((r, n) => alive(n) && r.child.pid === pid);
      return i >= 0 ? i : undefined;
    });

  it('agrees from the first write: what one replica acknowledged governs the next request on another', async () => {
    // A workspace created on A is enterable on B at once.
    const ws = await call(0, {
      method: 'POST',
      path: root(WS),
      body: JSON.stringify({
        apiVersion: 'tenancy.kcp.io/v1alpha1',
        kind: 'Workspace',
        metadata: { name: 'agree' },
      }),
    });
    expect(ws.status).toBe(201);
    await until('workspace agree Ready', async () => {
      const res = await call(1, { path: root(`${WS}/agree`) });
      return res.status === 200 && JSON.parse(res.body).status?.phase === 'Ready';
    });
    // Entering it is granted on A (a cluster role for the access verb, and its binding)…
    const access = await call(0, {
      method: 'POST',
      path: '/clusters/root:agree/apis/rbac.authorization.k8s.io/v1/clusterroles',
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'enter' },
        rules: [{ nonResourceURLs: ['/'], verbs: ['access'] }],
      }),
    });
    expect(access.status).toBe(201);
    const enter = await call(0, {
      method: 'POST',
      path: '/clusters/root:agree/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'dana-enters' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'enter' },
        subjects: [{ kind: 'User', name: 'dana', apiGroup: 'rbac.authorization.k8s.io' }],
      }),
    });
    expect(enter.status).toBe(201);
    // …then a Role and binding written on A decide dana's very next request on B and C.
    expect(
      (
        await call(2, {
          path: '/clusters/root:agree/api/v1/namespaces/default/configmaps',
          token: 'dana-token',
        })
      ).status,
    ).toBe(403);
    const role = await call(0, {
      method: 'POST',
      path: '/clusters/root:agree/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles',
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'create'] }],
      }),
    });
    expect(role.status).toBe(201);
    const binding = await call(0, {
      method: 'POST',
      path: '/clusters/root:agree/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings',
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'dana-reads' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
        subjects: [{ kind: 'User', name: 'dana', apiGroup: 'rbac.authorization.k8s.io' }],
      }),
    });
    expect(binding.status).toBe(201);
    const danaCreates = (i: number, name: string) =>
      call(i, {
        method: 'POST',
        path: '/clusters/root:agree/api/v1/namespaces/default/configmaps',
        token: 'dana-token',
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }),
      });
    for (const i of [1, 2]) {
      const res = await call(i, {
        path: '/clusters/root:agree/api/v1/namespaces/default/configmaps',
        token: 'dana-token',
      });
      expect(res.status).toBe(200);
      // Writes too: decided on what the replica has seen, and looked at again if refused.
      expect((await danaCreates(i, `by-dana-${i}`)).status).toBe(201);
    }
    // Taking it away on C shuts the door on A at once.
    const gone = await call(2, {
      method: 'DELETE',
      path: '/clusters/root:agree/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/dana-reads',
    });
    expect(gone.status).toBe(200);
    const after = await call(0, {
      path: '/clusters/root:agree/api/v1/namespaces/default/configmaps',
      token: 'dana-token',
    });
    expect(after.status).toBe(403);
    // A write on B decided before B saw the removal on C commits nothing: it is decided again.
    expect((await danaCreates(1, 'too-late')).status).toBe(403);
    expect(
      (
        await call(0, {
          path: '/clusters/root:agree/api/v1/namespaces/default/configmaps/too-late',
        })
      ).status,
    ).toBe(404);
  });

  it('loses neither acknowledged writes nor watch events when a replica and then the etcd leader die', async () => {
    const list = await call(0, { path: root(CM) });
    const initial = JSON.parse(list.body) as {
      metadata: { resourceVersion: string };
      items: Array<{ metadata: { name: string; resourceVersion: string }; data?: { v?: string } }>;
    };
    const from = initial.metadata.resourceVersion;
    const kubeconfigs = replicas.map((r) => r.kubeconfig);
    const watches = replicas.map(
      (_, i) => new ResumableWatch(kubeconfigs, root(CM), from, i, alive),
    );

    // The load: writers spread over the replicas, each creating then updating its own
    // ConfigMaps one at a time; a failure (503, 504, a dead replica) is not an ack, and the
    // writer moves on to the next replica.
    const acked = new Map<string, Ack>();
    let stopLoad = false;
    let failures = 0;
    const writer = async (w: number) => {
      let target = w % REPLICAS;
      for (let n = 0; !stopLoad; n++) {
        const name = `w${w}-${n}`;
        for (const value of ['1', '2']) {
          if (!alive(target)) target = survivor();
          const res =
            value === '1'
              ? await call(target, {
                  method: 'POST',
                  path: root(CM),
                  body: JSON.stringify({
                    apiVersion: 'v1',
                    kind: 'ConfigMap',
                    metadata: { name },
                    data: { v: value },
                  }),
                })
              : await call(target, {
                  method: 'PATCH',
                  path: root(`${CM}/${name}`),
                  headers: { 'Content-Type': 'application/merge-patch+json' },
                  body: JSON.stringify({ data: { v: value } }),
                });
          if (res.status === 200 || res.status === 201) {
            const rv = Number(JSON.parse(res.body).metadata.resourceVersion);
            acked.set(name, { name, value, resourceVersion: rv });
          } else {
            failures++;
            target = (target + 1) % REPLICAS;
            // The create may or may not have landed: leave this name, take the next.
            break;
          }
        }
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
    const ackedAtLeast = (n: number) =>
      until(`${n} acknowledged writes`, () => acked.size >= n, 120_000);

    await ackedAtLeast(30);
    await workspaceReady(0, 'before');

    // Kill the replica that runs the controllers.
    const leader = await leaderReplica();
    dead.add(leader);
    await (replicas[leader] as CanopyProcess).kill();
    const firstKill = acked.size;
    await ackedAtLeast(firstKill + 30);
    const next = await leaderReplica();
    expect(next).not.toBe(leader);
    await workspaceReady(survivor(), 'after-replica');
    // Whichever replica scheduled it, a workspace names the control plane's one address.
    for (const name of ['before', 'after-replica']) {
      const ws = JSON.parse((await call(survivor(), { path: root(`${WS}/${name}`) })).body);
      expect(ws.spec.URL).toBe(`${EXTERNAL}/clusters/root:${name}`);
    }

    // Kill the etcd leader.
    const etcdLeader = await etcd.leader();
    await etcd.kill(etcdLeader);
    console.log(
      `HA: killed replica ${leader} (controllers moved to replica ${next}), then etcd member ${etcdLeader}, the leader`,
    );
    const secondKill = acked.size;
    await ackedAtLeast(secondKill + 30);
    await workspaceReady(survivor(), 'after-etcd-leader');

    stopLoad = true;
    await load;

    // Every acknowledged write is there, with its last acknowledged value or a later one.
    const final = await call(survivor(), { path: root(CM) });
    expect(final.status).toBe(200);
    const stored = new Map<string, { v: string; rv: number }>(
      (
        JSON.parse(final.body).items as Array<{
          metadata: { name: string; resourceVersion: string };
          data?: { v?: string };
        }>
      ).map((cm) => [
        cm.metadata.name,
        { v: cm.data?.v ?? '', rv: Number(cm.metadata.resourceVersion) },
      ]),
    );
    for (const ack of acked.values()) {
      const found = stored.get(ack.name);
      expect(
        found,
        `acknowledged ${ack.name}=${ack.value} at ${ack.resourceVersion}`,
      ).toBeDefined();
      expect(Number(found?.v)).toBeGreaterThanOrEqual(Number(ack.value));
      expect(found?.rv).toBeGreaterThanOrEqual(ack.resourceVersion);
    }

    // Every watch, resumed on survivors, saw exactly the history: replaying its events
    // gives the final state, and no revision came twice or out of order.
    const end = await call(survivor(), {
      method: 'POST',
      path: root(CM),
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'the-end' } }),
    });
    expect(end.status).toBe(201);
    stored.set('the-end', { v: '', rv: Number(JSON.parse(end.body).metadata.resourceVersion) });
    for (const [i, watch] of watches.entries()) {
      await until(
        `watch ${i} reached the end`,
        async () => {
          await Promise.race([watch.sawName('the-end'), new Promise((r) => setTimeout(r, 1000))]);
          return watch.events.some((e) => e.name === 'the-end');
        },
        120_000,
      );
      watch.stop();
      expect(watch.problems).toEqual([]);
      const revisions = watch.events.map((e) => e.resourceVersion);
      expect(revisions).toEqual([...new Set(revisions)].sort((a, b) => a - b));
      const replayed = new Map<string, { v: string; rv: number }>(
        initial.items.map((cm) => [
          cm.metadata.name,
          { v: cm.data?.v ?? '', rv: Number(cm.metadata.resourceVersion) },
        ]),
      );
      for (const e of watch.events) {
        if (e.type === 'DELETED') replayed.delete(e.name);
        else replayed.set(e.name, { v: e.data.v ?? '', rv: e.resourceVersion });
      }
      const differences = [...new Set([...replayed.keys(), ...stored.keys()])]
        .filter((name) => JSON.stringify(replayed.get(name)) !== JSON.stringify(stored.get(name)))
        .map((name) => ({ name, watched: replayed.get(name), stored: stored.get(name) }));
      expect(differences, `watch ${i} (resumed ${watch.resumes} times)`).toEqual([]);
    }
    // The watches of the dead replica did move.
    expect(watches[leader]?.resumes).toBeGreaterThan(0);
    console.log(
      `HA: ${acked.size} writes acknowledged, ${failures} refused while replicas or etcd members died; watches resumed ${watches.map((w) => w.resumes).join('/')} times`,
    );
  }, 600_000);
});
