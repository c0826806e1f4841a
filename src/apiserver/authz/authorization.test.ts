import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { isStatusError } from '../../apimachinery/status.ts';
import { silentLogger } from '../../logging/logger.ts';
import { Client } from '../client.ts';
import { ClusterRoleAggregationController } from '../controllers/clusterrole-aggregation/aggregation-controller.ts';
import type { UserInfo } from '../rest/scope.ts';
import { Authorization } from './authorization.ts';
import type { Attributes } from './authorizer.ts';
import { BOOTSTRAP_CLUSTER_ROLES, writeBootstrapPolicy } from './bootstrap-policy.ts';
import { rbacEscalation } from './escalation.ts';
import { eventually, type TestEnv, testEnv } from './testing.ts';

const RBAC = 'rbac.authorization.k8s.io';
const CR = { group: RBAC, version: 'v1', resource: 'clusterroles' };
const CRB = { group: RBAC, version: 'v1', resource: 'clusterrolebindings' };
const ROLES = { group: RBAC, version: 'v1', resource: 'roles' };
const RB = { group: RBAC, version: 'v1', resource: 'rolebindings' };
const NS = { group: '', version: 'v1', resource: 'namespaces' };

let env: TestEnv;
let authz: Authorization;

const silent = silentLogger();

const get = (username: string, resource: string, namespace = 'ns'): Attributes => ({
  user: { username, groups: ['system:authenticated'] },
  verb: 'get',
  cluster: 'root',
  namespace,
  apiGroup: '',
  resource,
  subresource: '',
  name: '',
  path: '',
  isResourceRequest: true,
});

beforeEach(async () => {
  env = testEnv();
  authz = new Authorization();
  env.admission.add(rbacEscalation(authz));
  await authz.start(env.store);
  await env.client
    .resource('root', NS)
    .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
});

afterEach(async () => {
  authz.stop();
  await env.close();
});

describe('the index follows the store', () => {
  it('decides on a binding as soon as its write is acknowledged', async () => {
    expect(authz.authorize(get('alice', 'configmaps')).allowed).toBe(false);
    await env.client.resource('root', RB, 'ns').create({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'alice-view', namespace: 'ns' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', apiGroup: RBAC, name: 'alice' }],
    } as KubeObject);
    // No waiting: the write is applied before the next decision.
    expect(authz.authorize(get('alice', 'configmaps')).allowed).toBe(true);
    await env.client.resource('root', RB, 'ns').delete('alice-view');
    expect(authz.authorize(get('alice', 'configmaps')).allowed).toBe(false);
  });

  it('loads what was stored before it started', async () => {
    await env.client.resource('root', CRB).create({
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'bob-view' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', apiGroup: RBAC, name: 'bob' }],
    } as KubeObject);
    const fresh = new Authorization();
    await fresh.start(env.store);
    expect(fresh.authorize(get('bob', 'configmaps')).allowed).toBe(true);
    fresh.stop();
  });
});

describe('escalation through the REST storage', () => {
  const asUser = (user: UserInfo) => new Client(env.storage, env.registry, user);
  const alice: UserInfo = { username: 'alice', groups: ['system:authenticated'] };

  it('lets an admin of a namespace delegate what they hold, and nothing more', async () => {
    await env.client.resource('root', RB, 'ns').create({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'alice-admin', namespace: 'ns' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'User', apiGroup: RBAC, name: 'alice' }],
    } as KubeObject);
    const client = asUser(alice);
    // A role within admin, then a binding of it: allowed.
    await client.resource('root', ROLES, 'ns').create({
      apiVersion: `${RBAC}/v1`,
      kind: 'Role',
      metadata: { name: 'cm-reader', namespace: 'ns' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    } as KubeObject);
    await client.resource('root', RB, 'ns').create({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'bob-cm', namespace: 'ns' },
      roleRef: { apiGroup: RBAC, kind: 'Role', name: 'cm-reader' },
      subjects: [{ kind: 'User', apiGroup: RBAC, name: 'bob' }],
    } as KubeObject);
    // Binding cluster-admin in the namespace: refused.
    const err = await client
      .resource('root', RB, 'ns')
      .create({
        apiVersion: `${RBAC}/v1`,
        kind: 'RoleBinding',
        metadata: { name: 'bob-root', namespace: 'ns' },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'User', apiGroup: RBAC, name: 'bob' }],
      } as KubeObject)
      .catch((e: unknown) => e);
    expect(isStatusError(err) && err.code).toBe(403);
    expect(isStatusError(err) && err.status.message).toContain(
      'rolebindings.rbac.authorization.k8s.io "bob-root" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}',
    );
    expect(await env.client.resource('root', RB, 'ns').find('bob-root')).toBeUndefined();
  });
});

describe('bootstrap policy written into a cluster', () => {
  it('is idempotent and gets its aggregated rules filled', async () => {
    const controller = new ClusterRoleAggregationController(env.client, authz, silent);
    controller.start();
    try {
      await writeBootstrapPolicy(env.client, 'root');
      await writeBootstrapPolicy(env.client, 'root');
      const list = await env.client.resource('root', CR).list();
      expect(list.items.map((r) => r.metadata.name).sort()).toEqual(
        BOOTSTRAP_CLUSTER_ROLES.map((r) => r.metadata.name).sort(),
      );
      const view = await eventually(async () => {
        const v = await env.client.resource('root', CR).get('view');
        return Array.isArray(v.rules) && v.rules.length > 0 ? v : undefined;
      });
      expect(view.rules).toContainEqual({
        verbs: ['get', 'list', 'watch'],
        apiGroups: [''],
        resources: ['namespaces'],
      });
      const admin = await eventually(async () => {
        const a = await env.client.resource('root', CR).get('admin');
        const rules = (a.rules ?? []) as { resources?: string[] }[];
        return rules.some((r) => r.resources?.includes('rolebindings')) &&
          rules.some((r) => r.resources?.includes('namespaces'))
          ? a
          : undefined;
      });
      expect(admin.aggregationRule).toEqual({
        clusterRoleSelectors: [{ matchLabels: { [`${RBAC}/aggregate-to-admin`]: 'true' } }],
      });
    } finally {
      controller.stop();
    }
  });

  it('aggregates a custom role as upstream’s controller does', async () => {
    const controller = new ClusterRoleAggregationController(env.client, authz, silent);
    controller.start();
    try {
      const roles = env.client.resource('root', CR);
      await roles.create({
        apiVersion: `${RBAC}/v1`,
        kind: 'ClusterRole',
        metadata: { name: 'monitoring' },
        aggregationRule: {
          clusterRoleSelectors: [{ matchLabels: { 'example.com/monitor': 'true' } }],
        },
      } as KubeObject);
      await roles.create({
        apiVersion: `${RBAC}/v1`,
        kind: 'ClusterRole',
        metadata: { name: 'b-metrics', labels: { 'example.com/monitor': 'true' } },
        rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
      } as KubeObject);
      await roles.create({
        apiVersion: `${RBAC}/v1`,
        kind: 'ClusterRole',
        metadata: { name: 'a-pods', labels: { 'example.com/monitor': 'true' } },
        rules: [
          { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
          { nonResourceURLs: ['/metrics'], verbs: ['get'] },
        ],
      } as KubeObject);
      await eventually(async () => {
        const m = await roles.get('monitoring');
        return (m.rules as unknown[] | undefined)?.length === 2;
      });
      expect((await roles.get('monitoring')).rules).toEqual([
        { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
        { verbs: ['get'], nonResourceURLs: ['/metrics'] },
      ]);
      await roles.delete('a-pods');
      await eventually(async () => {
        const m = await roles.get('monitoring');
        return (m.rules as unknown[] | undefined)?.length === 1;
      });
    } finally {
      controller.stop();
    }
  });
});
