/**
 * Workspaces end to end (`canopy start`, no --plain): the tree and its paths, objects
 * isolated between workspaces, per-workspace discovery, and walls between tenants — an
 * admin of one workspace can neither read nor guess anything of another.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { httpClient, type RawRequest, type RawResponse } from './harness/http.ts';
import { type Kubectl, kubectl } from './harness/kubectl.ts';
import { openWidgetCrd } from './harness/manifests.ts';
import { until } from './harness/wait.ts';

const TOKENS = 'alice-token,alice,1001,"tenants"\nbob-token,bob,1002,"tenants"\n';
const WS = '/apis/tenancy.kcp.io/v1alpha1/workspaces';

describe('workspaces', () => {
  let server: CanopyProcess;
  let home: string;
  let send: (r: RawRequest) => Promise<RawResponse>;
  let admin: Kubectl;
  const as = (token: string) => (r: RawRequest) => send({ ...r, token });
  const inWs = (path: string) => (rest: string) => `/clusters/${path}${rest}`;

  const createWorkspace = async (
    parent: string,
    name: string,
    token?: string,
  ): Promise<RawResponse> => {
    const res = await send({
      method: 'POST',
      path: inWs(parent)(WS),
      body: JSON.stringify({
        apiVersion: 'tenancy.kcp.io/v1alpha1',
        kind: 'Workspace',
        metadata: { name },
      }),
      ...(token ? { token } : {}),
    });
    if (res.status === 201) {
      await until(`${parent}:${name} Ready`, async () => {
        const ws = await send({ path: inWs(parent)(`${WS}/${name}`) });
        return ws.status === 200 && JSON.parse(ws.body).status?.phase === 'Ready';
      });
    }
    return res;
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'canopy-ws-'));
    writeFileSync(join(home, 'tokens.csv'), TOKENS);
    server = await startCanopy({ args: ['--token-auth-file', join(home, 'tokens.csv')] });
    send = httpClient(server.kubeconfig);
    admin = kubectl('1.33', server.kubeconfig, home);
    // Tenants may create workspaces in root; each becomes admin of what it creates.
    await admin.ok([
      'create',
      'clusterrole',
      'workspace-creator',
      '--verb=create',
      '--resource=workspaces.tenancy.kcp.io',
    ]);
    await admin.ok([
      'create',
      'clusterrolebinding',
      'tenants-create-workspaces',
      '--clusterrole=workspace-creator',
      '--group=tenants',
    ]);
  });

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  it('builds a tree whose paths resolve segment by segment, and names resolve too', async () => {
    expect((await createWorkspace('root', 'providers')).status).toBe(201);
    expect((await createWorkspace('root:providers', 'database')).status).toBe(201);
    const ws = JSON.parse((await send({ path: inWs('root:providers')(`${WS}/database`) })).body);
    expect(ws.spec.type).toEqual({ name: 'universal', path: 'root' });
    expect(ws.spec.cluster).toMatch(/^[0-9a-z]{16}$/);
    expect(ws.spec.URL).toBe(`${server.url}/clusters/root:providers:database`);
    // The logical cluster name works as a path on its own, and as a path's first segment.
    const byName = await send({
      path: inWs(ws.spec.cluster)('/apis/core.kcp.io/v1alpha1/logicalclusters/cluster'),
    });
    const lc = JSON.parse(byName.body);
    expect(lc.metadata.annotations['kcp.io/path']).toBe('root:providers:database');
    expect(lc.status.phase).toBe('Ready');
    const providers = JSON.parse((await send({ path: inWs('root')(`${WS}/providers`) })).body);
    expect(
      (
        await send({
          path: inWs(`${providers.spec.cluster}:database`)('/api/v1/namespaces/default'),
        })
      ).status,
    ).toBe(200);
    // Every object names its logical cluster; every workspace starts with the system namespaces.
    const ns = JSON.parse(
      (await send({ path: inWs('root:providers:database')('/api/v1/namespaces') })).body,
    );
    expect(ns.items.map((n: { metadata: { name: string } }) => n.metadata.name).sort()).toEqual([
      'default',
      'kube-public',
      'kube-system',
    ]);
    expect(ns.items[0].metadata.annotations['kcp.io/cluster']).toBe(ws.spec.cluster);
  });

  it('keeps objects of the same name apart in different workspaces', async () => {
    await createWorkspace('root', 'left');
    await createWorkspace('root', 'right');
    const cm = (value: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'same' },
        data: { side: value },
      });
    for (const side of ['left', 'right']) {
      expect(
        (
          await send({
            method: 'POST',
            path: inWs(`root:${side}`)('/api/v1/namespaces/default/configmaps'),
            body: cm(side),
          })
        ).status,
      ).toBe(201);
    }
    for (const side of ['left', 'right']) {
      const got = JSON.parse(
        (await send({ path: inWs(`root:${side}`)('/api/v1/namespaces/default/configmaps/same') }))
          .body,
      );
      expect(got.data.side).toBe(side);
    }
    // The wildcard sees both, each marked with its cluster.
    const all = JSON.parse((await send({ path: '/clusters/*/api/v1/configmaps' })).body);
    const same = all.items.filter(
      (i: { metadata: { name: string } }) => i.metadata.name === 'same',
    );
    expect(
      new Set(
        same.map(
          (i: { metadata: { annotations: Record<string, string> } }) =>
            i.metadata.annotations['kcp.io/cluster'],
        ),
      ).size,
    ).toBe(2);
  });

  it('serves discovery per workspace: a CRD in one does not appear in the other', async () => {
    expect(
      (
        await send({
          method: 'POST',
          path: inWs('root:left')('/apis/apiextensions.k8s.io/v1/customresourcedefinitions'),
          body: JSON.stringify(openWidgetCrd),
        })
      ).status,
    ).toBe(201);
    const groups = async (ws: string) =>
      (
        JSON.parse((await send({ path: inWs(ws)('/apis') })).body).groups as Array<{ name: string }>
      ).map((g) => g.name);
    await until('example.com in root:left', async () =>
      (await groups('root:left')).includes('example.com'),
    );
    expect(await groups('root:right')).not.toContain('example.com');
    expect(
      (await send({ path: inWs('root:right')('/apis/example.com/v1/namespaces/default/widgets') }))
        .status,
    ).toBe(404);
  });

  it('walls tenants off from each other, and unknown looks the same as forbidden', async () => {
    const alice = as('alice-token');
    const bob = as('bob-token');
    expect((await createWorkspace('root', 'alices', 'alice-token')).status).toBe(201);
    expect((await createWorkspace('root', 'bobs', 'bob-token')).status).toBe(201);
    expect((await createWorkspace('root:bobs', 'hidden', 'bob-token')).status).toBe(201);
    // Each is admin in their own workspace.
    expect(
      (
        await alice({
          method: 'POST',
          path: inWs('root:alices')('/api/v1/namespaces/default/configmaps'),
          body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine' } }),
        })
      ).status,
    ).toBe(201);
    expect(
      (await bob({ path: inWs('root:bobs')('/api/v1/namespaces/default/configmaps') })).status,
    ).toBe(200);

    // alice cannot read, list, watch or write in bob's workspace or below it.
    const denied = [
      inWs('root:bobs')('/api/v1/namespaces/default/configmaps'),
      inWs('root:bobs')('/api/v1/namespaces/default/configmaps?watch=true'),
      inWs('root:bobs')('/api/v1/namespaces'),
      inWs('root:bobs')(WS),
      inWs('root:bobs:hidden')('/api/v1/namespaces'),
    ];
    for (const path of denied) expect((await alice({ path })).status).toBe(403);
    expect(
      (
        await alice({
          method: 'POST',
          path: inWs('root:bobs')('/api/v1/namespaces/default/configmaps'),
          body: '{}',
        })
      ).status,
    ).toBe(403);

    // Existing and missing workspaces answer alike, so nothing can be learnt by guessing.
    const existing = await alice({ path: inWs('root:bobs:hidden')('/api/v1/namespaces') });
    const missing = await alice({ path: inWs('root:bobs:nothing')('/api/v1/namespaces') });
    expect(missing.status).toBe(existing.status);
    expect(missing.body).toBe(existing.body);
    expect(JSON.parse(existing.body).message).toContain('workspace access not permitted');

    // The wildcard is for system:masters only.
    expect((await alice({ path: '/clusters/*/api/v1/configmaps' })).status).toBe(403);
    // Writes through the wildcard are refused even to the admin.
    expect(
      (
        await send({
          method: 'POST',
          path: '/clusters/*/api/v1/namespaces/default/configmaps',
          body: '{}',
        })
      ).status,
    ).toBe(403);
  });

  it('lets a workspace’s own service accounts in, and no other workspace’s', async () => {
    expect((await createWorkspace('root', 'robots')).status).toBe(201);
    const inRobots = inWs('root:robots');
    const post = (path: string, body: unknown) =>
      send({ method: 'POST', path, body: JSON.stringify(body) });
    expect(
      (
        await post(inRobots('/api/v1/namespaces/default/serviceaccounts'), {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'robot' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await post(inRobots('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings'), {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'robot-view' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
          subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'default' }],
        })
      ).status,
    ).toBe(201);
    const request = await post(inRobots('/api/v1/namespaces/default/serviceaccounts/robot/token'), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {},
    });
    expect(request.status).toBe(201);
    const robot = as(JSON.parse(request.body).status.token as string);
    // No `access` grant was given: its own workspace lets it in, RBAC decides the rest.
    expect((await robot({ path: inRobots('/api/v1/namespaces/default/configmaps') })).status).toBe(
      200,
    );
    expect((await robot({ path: inRobots('/api/v1/namespaces/default/secrets') })).status).toBe(
      403,
    );
    // Any other workspace stays shut.
    const elsewhere = await robot({ path: inWs('root')('/api/v1/namespaces/default/configmaps') });
    expect([401, 403]).toContain(elsewhere.status);
  });

  it('answers /version under every workspace path, as kubectl asks its server URL', async () => {
    const version = JSON.parse(await admin.ok(['version', '-o', 'json']));
    expect(version.serverVersion).toMatchObject({ major: '1', minor: '32' });
    const under = await send({ path: '/clusters/root:alices/version' });
    expect(under.status).toBe(200);
    expect(JSON.parse(under.body).minor).toBe('32');
  });

  it('deletes a workspace with its content and its child workspaces', async () => {
    await createWorkspace('root', 'doomed');
    await createWorkspace('root:doomed', 'child');
    const child = JSON.parse((await send({ path: inWs('root:doomed')(`${WS}/child`) })).body).spec
      .cluster;
    await send({
      method: 'POST',
      path: inWs('root:doomed:child')('/api/v1/namespaces/default/configmaps'),
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }),
    });
    expect(
      (await send({ method: 'DELETE', path: inWs('root')(`${WS}/doomed`) })).status,
    ).toBeLessThan(300);
    await until(
      'doomed gone',
      async () => (await send({ path: inWs('root')(`${WS}/doomed`) })).status === 404,
    );
    expect((await send({ path: inWs('root:doomed:child')('/api/v1/namespaces') })).status).toBe(
      403,
    );
    // Nothing of the child's content is left behind in storage.
    const leftovers = JSON.parse(
      (await send({ path: '/clusters/*/api/v1/configmaps' })).body,
    ).items.filter(
      (i: { metadata: { annotations: Record<string, string> } }) =>
        i.metadata.annotations['kcp.io/cluster'] === child,
    );
    expect(leftovers).toEqual([]);
  });
});
