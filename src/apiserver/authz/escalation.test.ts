import { describe, expect, it } from 'vitest';
import { type KubeObject, nameOf } from '../../apimachinery/meta.ts';
import { isStatusError } from '../../apimachinery/status.ts';
import type { AdmissionRequest, Operation } from '../admission/admission.ts';
import { clusterRoleBindings } from '../builtin/rbac/clusterrolebindings.ts';
import { clusterRoles } from '../builtin/rbac/clusterroles.ts';
import { roleBindings } from '../builtin/rbac/rolebindings.ts';
import { roles } from '../builtin/rbac/roles.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import type { UserInfo } from '../rest/scope.ts';
import { Authorization } from './authorization.ts';
import { rbacEscalation } from './escalation.ts';
import { compactRules, compactString, covers, toRule } from './policy-rules.ts';

const RBAC = 'rbac.authorization.k8s.io';

const ALICE: UserInfo = { username: 'alice', groups: ['team', 'system:authenticated'] };

function fixture(): Authorization {
  const a = new Authorization();
  // alice: read/write configmaps in ns, read secrets everywhere, may bind `view` in ns.
  a.index.set('root', 'roles', 'ns', 'cm', {
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name: 'cm', namespace: 'ns' },
    rules: [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create'] },
      { apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: ['create', 'update'] },
      { apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['view'] },
    ],
  } as KubeObject);
  a.index.set('root', 'rolebindings', 'ns', 'alice', {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'alice', namespace: 'ns' },
    roleRef: { apiGroup: RBAC, kind: 'Role', name: 'cm' },
    subjects: [{ kind: 'User', name: 'alice' }],
  } as KubeObject);
  a.index.set('root', 'clusterroles', '', 'secret-reader', {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'secret-reader' },
    rules: [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
      { apiGroups: [RBAC], resources: ['clusterroles', 'clusterrolebindings'], verbs: ['create'] },
    ],
  } as KubeObject);
  a.index.set('root', 'clusterrolebindings', '', 'alice-secrets', {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: 'alice-secrets' },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'secret-reader' },
    subjects: [{ kind: 'Group', name: 'team' }],
  } as KubeObject);
  return a;
}

function request(
  type: ResourceType,
  object: KubeObject,
  user: UserInfo = ALICE,
  operation: Operation = 'CREATE',
  oldObject?: KubeObject,
): AdmissionRequest {
  const namespace = type.namespaced ? 'ns' : undefined;
  return {
    operation,
    scope: { cluster: 'root', type, version: 'v1', user, ...(namespace ? { namespace } : {}) },
    name: nameOf(object),
    namespace,
    subresource: '',
    object,
    oldObject,
    dryRun: false,
    warnings: [],
  };
}

async function outcome(req: AdmissionRequest, a = fixture()): Promise<string> {
  try {
    await rbacEscalation(a).validate?.(req);
    return 'allowed';
  } catch (err) {
    if (isStatusError(err)) return `${err.code} ${err.status.message}`;
    throw err;
  }
}

const roleObj = (kind: 'Role' | 'ClusterRole', rules: unknown[], extra = {}): KubeObject =>
  ({ apiVersion: `${RBAC}/v1`, kind, metadata: { name: 'r' }, rules, ...extra }) as KubeObject;

const bindingObj = (kind: 'RoleBinding' | 'ClusterRoleBinding', refKind: string, refName: string) =>
  ({
    apiVersion: `${RBAC}/v1`,
    kind,
    metadata: { name: 'b' },
    roleRef: { apiGroup: RBAC, kind: refKind, name: refName },
    subjects: [{ kind: 'User', name: 'mallory' }],
  }) as KubeObject;

describe('role escalation', () => {
  it('allows a role within what the creator holds', async () => {
    const obj = roleObj('Role', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]);
    expect(await outcome(request(roles, obj))).toBe('allowed');
    // Cluster-wide grants count in a namespace too.
    const secrets = roleObj('Role', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
    expect(await outcome(request(roles, secrets))).toBe('allowed');
  });

  it('refuses a role granting more, with the upstream message', async () => {
    const obj = roleObj('Role', [
      { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'delete', 'list'] },
    ]);
    expect(await outcome(request(roles, obj))).toBe(
      '403 roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["team" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["configmaps"], Verbs:["delete"]}\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["delete" "list"]}',
    );
  });

  it('refuses a cluster role granting what is only held in a namespace', async () => {
    const obj = roleObj('ClusterRole', [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
    ]);
    expect(await outcome(request(clusterRoles, obj))).toBe(
      '403 clusterroles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["team" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["configmaps"], Verbs:["get"]}',
    );
  });

  it('refuses aggregation rules to non-admins', async () => {
    const obj = roleObj('ClusterRole', [], {
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] },
    });
    expect(await outcome(request(clusterRoles, obj))).toBe(
      '403 clusterroles.rbac.authorization.k8s.io "r" is forbidden: must have cluster-admin privileges to use the aggregationRule',
    );
  });

  it('lets `escalate` and system:masters through', async () => {
    const obj = roleObj('ClusterRole', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    const admin: UserInfo = { username: 'root', groups: ['system:masters'] };
    expect(await outcome(request(clusterRoles, obj, admin))).toBe('allowed');
    const a = fixture();
    a.index.set('root', 'clusterroles', '', 'escalator', {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'escalator' },
      rules: [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['escalate'] }],
    } as KubeObject);
    a.index.set('root', 'clusterrolebindings', '', 'esc', {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'esc' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'escalator' },
      subjects: [{ kind: 'User', name: 'alice' }],
    } as KubeObject);
    expect(await outcome(request(clusterRoles, obj), a)).toBe('allowed');
  });

  it('lets updates that only touch finalizers and owners through', async () => {
    const old = roleObj('Role', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    const obj = { ...old, metadata: { ...old.metadata, finalizers: ['x'] } };
    expect(await outcome(request(roles, obj, ALICE, 'UPDATE', old))).toBe('allowed');
    const changed = { ...old, metadata: { ...old.metadata, labels: { a: 'b' } } };
    expect(await outcome(request(roles, changed, ALICE, 'UPDATE', old))).toMatch(/^403 /);
  });
});

describe('binding escalation', () => {
  it('allows binding a role whose permissions the creator holds', async () => {
    expect(await outcome(request(roleBindings, bindingObj('RoleBinding', 'Role', 'cm')))).toBe(
      'allowed',
    );
  });

  it('refuses binding a role with more permissions', async () => {
    expect(
      await outcome(request(roleBindings, bindingObj('RoleBinding', 'ClusterRole', 'edit'))),
    ).toMatch(
      /^403 rolebindings\.rbac\.authorization\.k8s\.io "b" is forbidden: user "alice" \(groups=\["team" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n(.+\n)*\{APIGroups:\[""\], Resources:\["configmaps"\], Verbs:\["delete" "deletecollection" "patch" "update" "watch"\]\}\n/,
    );
  });

  it('allows binding with the `bind` verb on the role', async () => {
    // alice holds `bind` on clusterroles/view in ns but not everything view grants.
    expect(
      await outcome(request(roleBindings, bindingObj('RoleBinding', 'ClusterRole', 'view'))),
    ).toBe('allowed');
    // `bind` in a namespace does not extend to ClusterRoleBindings.
    expect(
      await outcome(
        request(clusterRoleBindings, bindingObj('ClusterRoleBinding', 'ClusterRole', 'view')),
      ),
    ).toMatch(/^403 clusterrolebindings\.rbac\.authorization\.k8s\.io "b" is forbidden/);
  });

  it('answers 404 for a missing role', async () => {
    expect(await outcome(request(roleBindings, bindingObj('RoleBinding', 'Role', 'missing')))).toBe(
      '404 roles.rbac.authorization.k8s.io "missing" not found',
    );
  });
});

describe('covers', () => {
  const r = (x: object) => toRule(x);
  it.each<[string, object[], object[], boolean]>([
    [
      'star verbs',
      [{ verbs: ['*'], apiGroups: [''], resources: ['pods'] }],
      [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      true,
    ],
    [
      'subresource by */sub',
      [{ verbs: ['get'], apiGroups: [''], resources: ['*/status'] }],
      [{ verbs: ['get'], apiGroups: [''], resources: ['pods/status'] }],
      true,
    ],
    [
      'subresource not by resource',
      [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      [{ verbs: ['get'], apiGroups: [''], resources: ['pods/status'] }],
      false,
    ],
    [
      'names covered by no names',
      [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }],
      true,
    ],
    [
      'no names not covered by names',
      [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }],
      [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      false,
    ],
    [
      'url prefix',
      [{ verbs: ['get'], nonResourceURLs: ['/api/*'] }],
      [{ verbs: ['get'], nonResourceURLs: ['/api/v1'] }],
      true,
    ],
    [
      'url prefix not longer',
      [{ verbs: ['get'], nonResourceURLs: ['/api/v1'] }],
      [{ verbs: ['get'], nonResourceURLs: ['/api/*'] }],
      false,
    ],
  ])('%s', (_n, owner, servant, want) => {
    expect(covers(owner.map(r), servant.map(r)).covered).toBe(want);
  });

  it('compacts missing rules by verb', () => {
    const missing = covers(
      [],
      [r({ verbs: ['get', 'list'], apiGroups: [''], resources: ['a', 'b'] })],
    ).missing;
    expect(compactRules(missing).map(compactString)).toEqual([
      '{APIGroups:[""], Resources:["a"], Verbs:["get" "list"]}',
      '{APIGroups:[""], Resources:["b"], Verbs:["get" "list"]}',
    ]);
  });
});
