/**
 * A provider trying to reach past what its tenants granted, and a tenant trying to edit
 * what only the system decides, end to end on one `canopy start` (harness/tenants.ts):
 * writes through a permission claim must stay inside the claim's selector (a provider
 * allowed ConfigMaps labelled tier=web must not create or relabel others into the
 * tenant's workspace), and claim labels are the system's on every write, /status too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWorld,
  CONFIGMAPS,
  clusterRoleBinding,
  type KubeObjectLike,
  paulBinding,
  type World,
} from './harness/tenants.ts';
import { until } from './harness/wait.ts';

const MERGE = { 'Content-Type': 'application/merge-patch+json' };
const JSON_PATCH = { 'Content-Type': 'application/json-patch+json' };
const CLAIM_LABEL = 'claimed.internal.apis.kcp.io/';

describe('a hostile provider, and claim labels', () => {
  let w: World;
  /** ConfigMaps of alice's default namespace, through paul's export `shared`. */
  let through = '';

  const configMap = (name: string, labels?: Record<string, string>) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels },
      data: { a: 'b' },
    });
  const aliceHas = async (name: string) =>
    (await w.as('alice')({ path: `/clusters/root:alice${CONFIGMAPS}/${name}` })).status === 200;
  const inPaul = (rest: string) => `/clusters/root:paul${rest}`;
  /** Paul exports `name`: no resources, only `claims`. */
  const paulExports = (name: string, claims: object[]) =>
    w.json({
      method: 'POST',
      path: inPaul('/apis/apis.kcp.io/v1alpha2/apiexports'),
      body: JSON.stringify({
        apiVersion: 'apis.kcp.io/v1alpha2',
        kind: 'APIExport',
        metadata: { name },
        spec: { permissionClaims: claims },
      }),
    });
  /** Tenants may bind paul's export `name` too (his bind-shared role names it). */
  const bindable = (name: string) =>
    w.json({
      method: 'PATCH',
      path: inPaul('/apis/rbac.authorization.k8s.io/v1/clusterroles/bind-shared'),
      headers: JSON_PATCH,
      body: JSON.stringify([{ op: 'add', path: '/rules/0/resourceNames/-', value: name }]),
    });
  const binding = (name: string, exportName: string, claims: object[]) =>
    JSON.stringify(paulBinding(name, exportName, claims));
  const ALICE_BINDINGS = '/clusters/root:alice/apis/apis.kcp.io/v1alpha2/apibindings';

  beforeAll(async () => {
    w = await buildWorld();
    // Paul exports nothing but a claim on ConfigMaps, with every verb.
    await paulExports('shared', [{ group: '', resource: 'configmaps', verbs: ['*'] }]);
    await w.json({
      method: 'POST',
      path: inPaul('/apis/rbac.authorization.k8s.io/v1/clusterroles'),
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'bind-shared' },
        rules: [
          {
            apiGroups: ['apis.kcp.io'],
            resources: ['apiexports'],
            resourceNames: ['shared'],
            verbs: ['bind'],
          },
        ],
      }),
    });
    await w.json({
      method: 'POST',
      path: inPaul('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'),
      body: JSON.stringify(
        clusterRoleBinding('tenants-bind-shared', 'bind-shared', {
          kind: 'Group',
          name: 'tenants',
        }),
      ),
    });
    // Alice grants it her ConfigMaps labelled tier=web, and no others.
    const bound = await w.as('alice')({
      method: 'POST',
      path: ALICE_BINDINGS,
      body: binding('shared', 'shared', [
        {
          group: '',
          resource: 'configmaps',
          verbs: ['*'],
          selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
          state: 'Accepted',
        },
      ]),
    });
    expect(bound.status, bound.body).toBe(201);
    await until('the claim applies', async () => {
      const b = await w.json({ path: `${ALICE_BINDINGS}/shared` });
      return ((b.status?.appliedPermissionClaims as unknown[] | undefined) ?? []).length === 1;
    });
    through = `${w.vw('shared')}/clusters/${w.clusters.alice}${CONFIGMAPS}`;
  });

  afterAll(async () => {
    await w?.stop();
  });

  it('writes through a claim only what stays inside its selector', async () => {
    const paul = w.as('paul');
    const web = await paul({
      method: 'POST',
      path: through,
      body: configMap('web', { tier: 'web' }),
    });
    expect(web.status, web.body).toBe(201);
    expect(await aliceHas('web')).toBe(true);
    // Outside the selector: refused, and nothing lands in alice's workspace.
    for (const [name, labels] of [
      ['db', { tier: 'db' }],
      ['bare', undefined],
    ] as const) {
      const res = await paul({ method: 'POST', path: through, body: configMap(name, labels) });
      expect(res.status, res.body).toBe(403);
      expect(JSON.parse(res.body).message).toContain('outside what the APIBinding grants');
      expect(await aliceHas(name)).toBe(false);
    }
    // Nor may it move one it may reach out of the selector, where it could no longer see it.
    for (const patch of [
      { metadata: { labels: { tier: 'db' } } },
      { metadata: { labels: { tier: null } } },
    ]) {
      const res = await paul({
        method: 'PATCH',
        path: `${through}/web`,
        body: JSON.stringify(patch),
        headers: MERGE,
      });
      expect(res.status, res.body).toBe(403);
    }
    const kept = await w.json({ path: `/clusters/root:alice${CONFIGMAPS}/web` });
    expect(kept.metadata.labels?.tier).toBe('web');
    // What stays inside, it may change.
    const changed = await paul({
      method: 'PATCH',
      path: `${through}/web`,
      body: JSON.stringify({ data: { a: 'c' } }),
      headers: MERGE,
    });
    expect(changed.status, changed.body).toBe(200);
    // Alice herself may of course move her ConfigMap out of the claim.
    const own = await w.as('alice')({
      method: 'PATCH',
      path: `/clusters/root:alice${CONFIGMAPS}/web`,
      body: JSON.stringify({ metadata: { labels: { tier: 'db' } } }),
      headers: MERGE,
    });
    expect(own.status, own.body).toBe(200);
    expect((await paul({ path: `${through}/web` })).status).toBe(404);
  });

  it('reaches a claimed resource and its status, not what its subresources give', async () => {
    // Paul claims ServiceAccounts (read and create) and alice accepts; minting a token for
    // one of her accounts would be her robot's credentials, so the claim does not cover it.
    await paulExports('accounts', [
      { group: '', resource: 'serviceaccounts', verbs: ['get', 'list', 'create'] },
    ]);
    await bindable('accounts');
    const bound = await w.as('alice')({
      method: 'POST',
      path: ALICE_BINDINGS,
      body: binding('accounts', 'accounts', [
        {
          group: '',
          resource: 'serviceaccounts',
          verbs: ['get', 'list', 'create'],
          selector: { matchAll: true },
          state: 'Accepted',
        },
      ]),
    });
    expect(bound.status, bound.body).toBe(201);
    const accounts = `${w.vw('accounts')}/clusters/${w.clusters.alice}/api/v1/namespaces/default/serviceaccounts`;
    await until('paul reads alice’s service accounts', async () => {
      const res = await w.as('paul')({ path: `${accounts}/robot` });
      return res.status === 200;
    });
    const token = await w.as('paul')({
      method: 'POST',
      path: `${accounts}/robot/token`,
      body: JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {},
      }),
    });
    expect(token.status, token.body).toBe(403);
    expect(token.body).not.toContain('"token"');
  });

  it('cannot grant itself more than it holds through a claim on RBAC', async () => {
    // Alice accepts paul's claim on her RoleBindings and Roles with every verb; escalation
    // prevention still judges what paul himself holds in her workspace: nothing.
    await w.json({
      method: 'PATCH',
      path: inPaul('/apis/apis.kcp.io/v1alpha2/apiexports/shared'),
      headers: JSON_PATCH,
      body: JSON.stringify([
        {
          op: 'add',
          path: '/spec/permissionClaims/-',
          value: { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', verbs: ['*'] },
        },
        {
          op: 'add',
          path: '/spec/permissionClaims/-',
          value: { group: 'rbac.authorization.k8s.io', resource: 'roles', verbs: ['*'] },
        },
      ]),
    });
    await until('alice’s binding sees the new claims', async () => {
      const b = await w.json({ path: `${ALICE_BINDINGS}/shared` });
      return ((b.status?.exportPermissionClaims as unknown[] | undefined) ?? []).length === 3;
    });
    const accepted = (resource: string) => ({
      group: 'rbac.authorization.k8s.io',
      resource,
      verbs: ['*'],
      selector: { matchAll: true },
      state: 'Accepted',
    });
    const patched = await w.as('alice')({
      method: 'PATCH',
      path: `${ALICE_BINDINGS}/shared`,
      headers: JSON_PATCH,
      body: JSON.stringify([
        { op: 'add', path: '/spec/permissionClaims/-', value: accepted('rolebindings') },
        { op: 'add', path: '/spec/permissionClaims/-', value: accepted('roles') },
      ]),
    });
    expect(patched.status, patched.body).toBe(200);
    const rbac = `${w.vw('shared')}/clusters/${w.clusters.alice}/apis/rbac.authorization.k8s.io/v1/namespaces/default`;
    await until('paul may list alice’s RoleBindings', async () => {
      const res = await w.as('paul')({ path: `${rbac}/rolebindings` });
      return res.status === 200;
    });
    const grant = await w.as('paul')({
      method: 'POST',
      path: `${rbac}/rolebindings`,
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'paul-admin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'paul' }],
      }),
    });
    expect(grant.status, grant.body).toBe(403);
    expect(JSON.parse(grant.body).message).toContain(
      'attempting to grant RBAC permissions not currently held',
    );
    const role = await w.as('paul')({
      method: 'POST',
      path: `${rbac}/roles`,
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'everything' },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }],
      }),
    });
    expect(role.status, role.body).toBe(403);
    // Still nothing of hers outside the claims.
    expect((await w.as('paul')({ path: `/clusters/root:alice${CONFIGMAPS}` })).status).toBe(403);
  });

  it('accepts a claim only for someone who holds what it grants', async () => {
    // Paul's `snoop` claims Secrets. Bob lets paul enable providers in his workspace
    // (create APIBindings), nothing more: paul must not hand himself Bob's Secrets.
    await paulExports('snoop', [{ group: '', resource: 'secrets', verbs: ['get', 'list'] }]);
    await bindable('snoop');
    const inBob = (rest: string) => `/clusters/root:bob${rest}`;
    const asBob = async (path: string, body: unknown) => {
      const res = await w.as('bob')({
        method: 'POST',
        path: inBob(path),
        body: JSON.stringify(body),
      });
      expect(res.status, res.body).toBe(201);
    };
    await asBob('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'enable-providers' },
      rules: [
        {
          apiGroups: ['apis.kcp.io'],
          resources: ['apibindings'],
          verbs: ['create', 'get', 'list', 'patch'],
        },
      ],
    });
    for (const role of ['enable-providers', 'system:kcp:workspace:access']) {
      await asBob(
        '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        clusterRoleBinding(`paul-${role.replaceAll(':', '-')}`, role, {
          kind: 'User',
          name: 'paul',
        }),
      );
    }
    const snoop = (state: 'Accepted' | 'Rejected') =>
      binding(`snoop-${state.toLowerCase()}`, 'snoop', [
        {
          group: '',
          resource: 'secrets',
          verbs: ['get', 'list'],
          selector: { matchAll: true },
          state,
        },
      ]);
    const bindings = inBob('/apis/apis.kcp.io/v1alpha2/apibindings');
    const accepted = await w.as('paul')({
      method: 'POST',
      path: bindings,
      body: snoop('Accepted'),
    });
    expect(accepted.status, accepted.body).toBe(403);
    expect(JSON.parse(accepted.body).message).toContain(
      'accepting the claim on secrets needs what it grants: User "paul" cannot get resource "secrets"',
    );
    // Binding without accepting it is his to do; Bob, who holds them, may accept.
    const rejected = await w.as('paul')({
      method: 'POST',
      path: bindings,
      body: snoop('Rejected'),
    });
    expect(rejected.status, rejected.body).toBe(201);
    const byBob = await w.as('bob')({ method: 'POST', path: bindings, body: snoop('Accepted') });
    expect(byBob.status, byBob.body).toBe(201);
    // Nor may paul turn the rejected claim into an accepted one.
    const flipped = await w.as('paul')({
      method: 'PATCH',
      path: `${bindings}/snoop-rejected`,
      headers: JSON_PATCH,
      body: JSON.stringify([
        { op: 'replace', path: '/spec/permissionClaims/0/state', value: 'Accepted' },
      ]),
    });
    expect(flipped.status, flipped.body).toBe(403);
  });

  it('keeps claim labels the system’s on /status writes too', async () => {
    const namespace = '/clusters/root:alice/api/v1/namespaces/default';
    const forged = { [`${CLAIM_LABEL}0123456789abcdef0123456789abcdef01234567`]: 'x' };
    for (const path of [namespace, `${namespace}/status`]) {
      const res = await w.as('alice')({
        method: 'PATCH',
        path,
        body: JSON.stringify({ metadata: { labels: forged } }),
        headers: MERGE,
      });
      expect(res.status, res.body).toBe(200);
      const labels = (JSON.parse(res.body) as KubeObjectLike).metadata.labels ?? {};
      expect(Object.keys(labels).filter((k) => k.startsWith(CLAIM_LABEL))).toEqual([]);
    }
  });
});
