/**
 * A workspace admin trying to become more than that, end to end on one `canopy start`
 * (the world of harness/tenants.ts): every way issue 15 found and the ones found since —
 * impersonating `system:masters` and kcp's admin groups, warrants and a service account's
 * cluster smuggled in as impersonation extras, impersonated users used in other workspaces
 * (binding an export as its provider), impersonation in the virtual workspace, a forged
 * export identity, Workspaces pointed at another tenant's logical cluster (which used to
 * delete it), and the system-owned fields of Workspaces, WorkspaceTypes, LogicalClusters
 * and endpoint slices. Each refusal is checked by its Status, and each time that the
 * victim's data is still there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRequest, RawResponse } from './harness/http.ts';
import { kubectl } from './harness/kubectl.ts';
import {
  buildWorld,
  clusterRoleBinding,
  type KubeObjectLike,
  type Person,
  paulBinding,
  tokenOf,
  WIDGETS,
  type World,
  widgetExport,
  widgetSchema,
} from './harness/tenants.ts';
import { until } from './harness/wait.ts';

const WS = '/apis/tenancy.kcp.io/v1alpha1/workspaces';
const BINDINGS = '/apis/apis.kcp.io/v1alpha2/apibindings';
const EXPORTS = '/apis/apis.kcp.io/v1alpha2/apiexports';
const LC = '/apis/core.kcp.io/v1alpha1/logicalclusters/cluster';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

const bindingTo = (name: string, exportName: string) =>
  JSON.stringify(paulBinding(name, exportName));

/** The Status message of a refused request (and that it was refused with `code`). */
function refusal(res: RawResponse, code: number): string {
  expect(res.status, res.body).toBe(code);
  const status = JSON.parse(res.body) as { kind: string; code: number; message: string };
  expect(status.kind).toBe('Status');
  expect(status.code).toBe(code);
  return status.message;
}

describe('a hostile workspace admin', () => {
  let w: World;
  let home: string;
  const inWs = (ws: string, rest: string) => `/clusters/${ws}${rest}`;
  const req = (who: Person, r: RawRequest) => w.as(who)(r);

  /** Bob's workspace, his LogicalCluster and his widget are all still there. */
  const bobIsIntact = async () => {
    const ws = await w.json({ path: inWs('root', `${WS}/bob`) });
    expect(ws.status?.phase).toBe('Ready');
    expect(ws.spec?.cluster).toBe(w.clusters.bob);
    const widget = await req('bob', { path: inWs('root:bob', `${WIDGETS}/w1`) });
    expect(widget.status, widget.body).toBe(200);
  };

  beforeAll(async () => {
    w = await buildWorld();
    home = mkdtempSync(join(tmpdir(), 'canopy-hostile-'));
  });

  afterAll(async () => {
    await w?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('cannot impersonate system:masters or kcp’s admin groups, whatever RBAC allows', async () => {
    const namespaces = inWs('root:alice', '/api/v1/namespaces');
    for (const group of [
      'system:masters',
      'system:kcp:admin',
      'system:kcp:logical-cluster-admin',
      'system:kcp:workspace-bootstrapper',
    ]) {
      const res = await req('alice', {
        path: namespaces,
        headers: { 'Impersonate-User': 'alice', 'Impersonate-Group': group },
      });
      expect(refusal(res, 403)).toBe('forbidden: impersonation is not allowed for the requestor');
    }
    // Other groups and users are hers to impersonate in her own workspace.
    const plain = await req('alice', {
      path: namespaces,
      headers: { 'Impersonate-User': 'alice', 'Impersonate-Group': 'devs' },
    });
    expect(plain.status, plain.body).toBe(200);
    // kubectl --as-group says the same (once it has discovery: client-go reports a refused
    // discovery request as "unknown", whatever the server says).
    const k = kubectl('1.33', w.server.kubeconfig, home);
    const alice = [`--server=${w.server.url}/clusters/root:alice`, `--token=${tokenOf('alice')}`];
    await k.ok([...alice, 'get', 'namespaces']);
    const run = await k([...alice, '--as=alice', '--as-group=system:masters', 'get', 'namespaces']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('impersonation is not allowed for the requestor');
    // Nor can anyone reach the wildcard, or an unknown workspace, by impersonating.
    for (const path of [
      '/clusters/*/api/v1/configmaps',
      '/clusters/root:nowhere/api/v1/configmaps',
    ]) {
      const res = await req('alice', { path, headers: { 'Impersonate-User': 'alice' } });
      expect(refusal(res, 403)).toContain('workspace access not permitted');
    }
  });

  it('cannot smuggle a warrant or another workspace’s service account in as extras', async () => {
    const bindings = inWs('root:alice', BINDINGS);
    // A warrant of paul's (admin of the provider's workspace) would let her bind `private`.
    const warrant = await req('alice', {
      method: 'POST',
      path: bindings,
      body: bindingTo('warranted', 'private'),
      headers: {
        'Impersonate-User': 'alice',
        'Impersonate-Extra-Authorization.kcp.io%2Fwarrant': JSON.stringify({ user: 'paul' }),
      },
    });
    expect(refusal(warrant, 403)).toBe(
      'forbidden: impersonating the extra key "authorization.kcp.io/warrant" is not allowed for the requestor',
    );
    // Bob's robot may bind `private`; alice welcomes it into her workspace, then claims to
    // be it by naming bob's cluster as the account's.
    const robot = `system:kcp:serviceaccount:${w.clusters.bob}:default:robot`;
    await w.json({
      method: 'POST',
      path: inWs('root:paul', '/apis/rbac.authorization.k8s.io/v1/clusterroles'),
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'bind-private' },
        rules: [
          {
            apiGroups: ['apis.kcp.io'],
            resources: ['apiexports'],
            resourceNames: ['private'],
            verbs: ['bind'],
          },
        ],
      }),
    });
    await w.json({
      method: 'POST',
      path: inWs('root:paul', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'),
      body: JSON.stringify(
        clusterRoleBinding('bob-robot-binds', 'bind-private', { kind: 'User', name: robot }),
      ),
    });
    const welcome = await req('alice', {
      method: 'POST',
      path: inWs('root:alice', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'),
      body: JSON.stringify(
        clusterRoleBinding('robot-admin', 'cluster-admin', { kind: 'User', name: robot }),
      ),
    });
    expect(welcome.status, welcome.body).toBe(201);
    const smuggled = await req('alice', {
      method: 'POST',
      path: bindings,
      body: bindingTo('as-bobs-robot', 'private'),
      headers: {
        'Impersonate-User': 'system:serviceaccount:default:robot',
        'Impersonate-Extra-Authentication.kcp.io%2Fcluster-name': w.clusters.bob,
      },
    });
    expect(refusal(smuggled, 403)).toBe(
      'forbidden: impersonating the extra key "authentication.kcp.io/cluster-name" is not allowed for the requestor',
    );
    expect((await req('alice', { path: `${bindings}/warranted` })).status).toBe(404);
    expect((await req('alice', { path: `${bindings}/as-bobs-robot` })).status).toBe(404);
  });

  it('impersonates only inside her workspace: elsewhere the impersonated user is nobody', async () => {
    const bindings = inWs('root:alice', BINDINGS);
    // She may make paul, or bob's robot by its global name, admin of her own workspace and
    // act as them there...
    for (const [name, user] of [
      ['paul-admin', 'paul'],
      ['robot-global-admin', `system:kcp:serviceaccount:${w.clusters.bob}:default:robot`],
    ] as const) {
      const granted = await req('alice', {
        method: 'POST',
        path: inWs('root:alice', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'),
        body: JSON.stringify(
          clusterRoleBinding(name, 'cluster-admin', { kind: 'User', name: user }),
        ),
      });
      expect(granted.status, granted.body).toBe(201);
      const inside = await req('alice', {
        path: inWs('root:alice', '/api/v1/namespaces'),
        headers: { 'Impersonate-User': user },
      });
      expect(inside.status, inside.body).toBe(200);
      // ...but binding `private` is decided in paul's workspace, where the impersonated
      // user is out of its scope.
      const bound = await req('alice', {
        method: 'POST',
        path: bindings,
        body: bindingTo(`as-${name}`, 'private'),
        headers: { 'Impersonate-User': user },
      });
      expect(refusal(bound, 403)).toContain('no permission to bind to export root:paul:private');
    }
    // The real paul may.
    const own = await req('paul', {
      method: 'POST',
      path: inWs('root:paul', BINDINGS),
      body: bindingTo('own', 'private'),
    });
    expect(own.status, own.body).toBe(201);
  });

  it('impersonates in the virtual workspace as the export’s workspace allows', async () => {
    const inPaul = (rest: string) => inWs('root:paul', rest);
    await w.json({
      method: 'POST',
      path: inPaul('/api/v1/namespaces/default/serviceaccounts'),
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'syncer' },
      }),
    });
    await w.json({
      method: 'POST',
      path: inPaul('/apis/rbac.authorization.k8s.io/v1/clusterroles'),
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'widgets-content' },
        rules: [
          {
            apiGroups: ['apis.kcp.io'],
            resources: ['apiexports/content'],
            resourceNames: ['widgets'],
            verbs: ['get', 'list', 'watch'],
          },
        ],
      }),
    });
    await w.json({
      method: 'POST',
      path: inPaul('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'),
      body: JSON.stringify({
        ...clusterRoleBinding('syncer-content', 'widgets-content', { kind: 'User', name: 'x' }),
        subjects: [{ kind: 'ServiceAccount', name: 'syncer', namespace: 'default' }],
      }),
    });
    const list = `${w.vw('widgets')}/clusters/*/apis/example.com/v1/widgets`;
    const syncer = { 'Impersonate-User': 'system:serviceaccount:default:syncer' };
    // paul (admin of root:paul) acts as his syncer.
    const asSyncer = await until('the syncer reads the virtual workspace', async () => {
      const res = await req('paul', { path: list, headers: syncer });
      return res.status === 200 && (JSON.parse(res.body) as KubeObjectLike);
    });
    expect(asSyncer.items?.map((i) => i.metadata.annotations?.['kcp.io/cluster']).sort()).toEqual(
      [w.clusters.alice, w.clusters.bob].sort(),
    );
    // Alice may impersonate in her workspace, not in paul's.
    const res = await req('alice', { path: list, headers: syncer });
    expect(refusal(res, 403)).toContain('cannot impersonate resource "serviceaccounts"');
  });

  it('cannot keep a forged identity on her export: the controller puts the Secret’s back', async () => {
    const inAlice = (rest: string) => inWs('root:alice', rest);
    const post = async (path: string, body: unknown) => {
      const res = await req('alice', { method: 'POST', path, body: JSON.stringify(body) });
      expect(res.status, res.body).toBe(201);
    };
    await post(inAlice('/apis/apis.kcp.io/v1alpha1/apiresourceschemas'), widgetSchema('v1'));
    await post(inAlice(EXPORTS), widgetExport('mine', 'v1.widgets.example.com'));
    const own = await until('alice’s export has an identity', async () => {
      const e = await w.json({ path: inAlice(`${EXPORTS}/mine`) });
      return e.status?.identityHash as string | undefined;
    });
    const paulsHash = (await w.json({ path: inWs('root:paul', `${EXPORTS}/widgets`) })).status
      ?.identityHash as string;
    // She binds her own export in a workspace of hers, so its virtual workspace has a tenant.
    await post(inAlice(WS), {
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      kind: 'Workspace',
      metadata: { name: 'two' },
    });
    await until('root:alice:two Ready', async () => {
      const ws = await w.json({ path: inAlice(`${WS}/two`) });
      return ws.status?.phase === 'Ready';
    });
    const binding = await req('alice', {
      method: 'POST',
      path: inWs('root:alice:two', BINDINGS),
      body: JSON.stringify({
        apiVersion: 'apis.kcp.io/v1alpha2',
        kind: 'APIBinding',
        metadata: { name: 'mine' },
        spec: { reference: { export: { path: 'root:alice', name: 'mine' } } },
      }),
    });
    expect(binding.status, binding.body).toBe(201);
    // She cannot write the status herself...
    const status = { status: { identityHash: paulsHash } };
    const forged = await req('alice', {
      method: 'PATCH',
      path: inAlice(`${EXPORTS}/mine/status`),
      body: JSON.stringify(status),
      headers: MERGE,
    });
    expect(refusal(forged, 403)).toContain('only the system writes this status');
    // ...and when it is written anyway (here by the root admin), it does not stay.
    const written = await w.send({
      method: 'PATCH',
      path: inAlice(`${EXPORTS}/mine/status`),
      body: JSON.stringify(status),
      headers: MERGE,
    });
    expect(written.status, written.body).toBe(200);
    expect(JSON.parse(written.body).status.identityHash).toBe(paulsHash);
    await until('the identity hash is the Secret’s again', async () => {
      const e = await w.json({ path: inAlice(`${EXPORTS}/mine`) });
      return e.status?.identityHash === own;
    });
    // Her virtual workspace shows her tenants' widgets, never paul's tenants'.
    const seen = await w.json({
      path: `/services/apiexport/${w.clusters.alice}/mine/clusters/*/apis/example.com/v1/widgets`,
    });
    expect(seen.items).toEqual([]);
    await bobIsIntact();
  });

  it('cannot point a Workspace at another tenant’s logical cluster, nor delete it that way', async () => {
    const create = (who: Person | 'admin', body: unknown) =>
      (who === 'admin' ? w.send : w.as(who))({
        method: 'POST',
        path: inWs('root:alice', WS),
        body: JSON.stringify({
          apiVersion: 'tenancy.kcp.io/v1alpha1',
          kind: 'Workspace',
          ...(body as object),
        }),
      });
    // Not even the root admin may name bob's cluster in spec.cluster...
    const grabbed = await create('admin', {
      metadata: { name: 'grab' },
      spec: { cluster: w.clusters.bob },
    });
    expect(refusal(grabbed, 422)).toContain(
      'spec.cluster: Invalid value: "' +
        w.clusters.bob +
        '": names a logical cluster that belongs to another workspace',
    );
    // ...or in the scheduling annotation, on a mount that is never scheduled, with the
    // finalizer that made deleting it delete bob's workspace.
    const trap = (name: string) => ({
      metadata: {
        name,
        annotations: { 'internal.tenancy.kcp.io/cluster': w.clusters.bob },
        finalizers: ['core.kcp.io/logicalcluster'],
      },
      spec: { mount: { ref: { apiVersion: 'v1', kind: 'ConfigMap', name: 'x' } } },
    });
    expect(refusal(await create('admin', trap('trap')), 422)).toContain(
      'names a logical cluster that belongs to another workspace',
    );
    // Alice may set neither.
    expect(refusal(await create('alice', trap('trap')), 422)).toContain(
      'metadata.annotations[internal.tenancy.kcp.io/cluster]: Forbidden: can only be set by system privileged users',
    );
    const own = await create('alice', {
      metadata: { name: 'grab' },
      spec: { cluster: w.clusters.bob },
    });
    expect(refusal(own, 422)).toContain('spec.cluster');
    // A scheduled Workspace keeps its cluster, whoever asks.
    const moved = await w.send({
      method: 'PATCH',
      path: inWs('root:alice', `${WS}/two`),
      body: JSON.stringify({ spec: { cluster: w.clusters.bob } }),
      headers: MERGE,
    });
    expect(refusal(moved, 422)).toContain(
      'spec.cluster: Invalid value: "string": cluster is immutable',
    );
    // Nor may she rewrite who created it, or where it was scheduled, afterwards.
    for (const key of ['experimental.tenancy.kcp.io/owner', 'internal.tenancy.kcp.io/cluster']) {
      const res = await req('alice', {
        method: 'PATCH',
        path: inWs('root:alice', `${WS}/two`),
        body: JSON.stringify({ metadata: { annotations: { [key]: 'x' } } }),
        headers: MERGE,
      });
      expect(refusal(res, 422)).toContain(`metadata.annotations[${key}]: Forbidden`);
    }
    await bobIsIntact();
  });

  it('cannot take over a system resource’s storage with a CustomResourceDefinition', async () => {
    // Served at a version of its own, such a CRD would read and write the very objects of
    // that resource, without its status subresource or admission.
    for (const [group, plural, kind] of [
      ['apis.kcp.io', 'apibindings', 'APIBinding'],
      ['apis.kcp.io', 'apiexports', 'APIExport'],
      ['tenancy.kcp.io', 'workspaces', 'Workspace'],
      ['rbac.authorization.k8s.io', 'roles', 'Role'],
      ['example.com', 'widgets', 'Widget'],
    ] as const) {
      const res = await req('alice', {
        method: 'POST',
        path: inWs('root:alice', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'),
        body: JSON.stringify({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: `${plural}.${group}` },
          spec: {
            group,
            names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
            scope: 'Cluster',
            versions: [
              {
                name: 'v9',
                served: true,
                storage: true,
                schema: {
                  openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            ],
          },
        }),
      });
      expect(refusal(res, 422)).toContain(
        `spec.names.plural: Invalid value: "${plural}": ${plural}.${group} is already served in this workspace`,
      );
    }
  });

  it('cannot write what only the system writes: statuses and her LogicalCluster', async () => {
    const patch = (who: Person, path: string, body: unknown) =>
      req(who, { method: 'PATCH', path, body: JSON.stringify(body), headers: MERGE });
    // The status of a Workspace, a WorkspaceType, an endpoint slice.
    expect(
      refusal(
        await patch('alice', inWs('root:alice', `${WS}/two/status`), {
          status: { phase: 'Ready' },
        }),
        403,
      ),
    ).toContain('only the system writes this status');
    const type = await req('alice', {
      method: 'POST',
      path: inWs('root:alice', '/apis/tenancy.kcp.io/v1alpha1/workspacetypes'),
      body: JSON.stringify({
        apiVersion: 'tenancy.kcp.io/v1alpha1',
        kind: 'WorkspaceType',
        metadata: { name: 'mine' },
        spec: {},
      }),
    });
    expect(type.status, type.body).toBe(201);
    expect(
      refusal(
        await patch(
          'alice',
          inWs('root:alice', '/apis/tenancy.kcp.io/v1alpha1/workspacetypes/mine/status'),
          {
            status: { virtualWorkspaces: [{ url: 'https://evil.example' }] },
          },
        ),
        403,
      ),
    ).toContain('only the system writes this status');
    expect(
      refusal(
        await patch(
          'paul',
          inWs('root:paul', '/apis/apis.kcp.io/v1alpha1/apiexportendpointslices/widgets/status'),
          {
            status: { endpoints: [{ url: 'https://evil.example' }] },
          },
        ),
        403,
      ),
    ).toContain('only the system writes this status');

    // Her LogicalCluster: not made, not deleted, its path, owner, finalizer and phase kept.
    const lc = inWs('root:alice', LC);
    const created = await req('alice', {
      method: 'POST',
      path: inWs('root:alice', '/apis/core.kcp.io/v1alpha1/logicalclusters'),
      body: JSON.stringify({
        apiVersion: 'core.kcp.io/v1alpha1',
        kind: 'LogicalCluster',
        metadata: { name: 'cluster' },
      }),
    });
    expect(refusal(created, 403)).toContain('LogicalCluster cannot be created');
    expect(refusal(await req('alice', { method: 'DELETE', path: lc }), 403)).toContain(
      'LogicalCluster cannot be deleted',
    );
    const current = await w.json({ path: lc });
    const refused: Array<[string, unknown, string]> = [
      [
        lc,
        { metadata: { annotations: { 'kcp.io/path': 'root:bob' } } },
        'metadata.annotations[kcp.io/path]',
      ],
      [
        `${lc}/status`,
        { metadata: { annotations: { 'kcp.io/path': 'root:bob' } } },
        'metadata.annotations[kcp.io/path]',
      ],
      [
        lc,
        { spec: { owner: { ...(current.spec?.owner as object), uid: 'x' } } },
        'spec.owner is immutable',
      ],
      [lc, { metadata: { finalizers: [] } }, 'the finalizer core.kcp.io/logicalcluster-content'],
      [
        `${lc}/status`,
        { status: { phase: 'Initializing' } },
        'cannot transition from "Ready" to "Initializing"',
      ],
      [
        `${lc}/status`,
        { status: { initializers: ['root:universal'] } },
        'status.initializers must not grow',
      ],
    ];
    for (const [path, body, message] of refused) {
      expect(refusal(await patch('alice', path, body), 403)).toContain(message);
    }
    // What is hers to change, she may.
    const labelled = await patch('alice', lc, { metadata: { labels: { team: 'a' } } });
    expect(labelled.status, labelled.body).toBe(200);
    const after = await w.json({ path: lc });
    expect(after.metadata.annotations?.['kcp.io/path']).toBe('root:alice');
    expect(after.status?.phase).toBe('Ready');
  });
});
