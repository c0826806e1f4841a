import { describe, expect, it } from 'vitest';
import { type KubeObject, nameOf } from '../../apimachinery/meta.ts';
import type { UserInfo } from '../rest/scope.ts';
import { Authorization } from './authorization.ts';
import { type Attributes, forbiddenError } from './authorizer.ts';
import type { RbacResource } from './rbac-index.ts';
import { CLUSTER_NAME_EXTRA, SCOPES_EXTRA } from './scopes.ts';

const RBAC = 'rbac.authorization.k8s.io';

function role(
  kind: 'Role' | 'ClusterRole',
  name: string,
  rules: unknown[],
  extra = {},
): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind, metadata: { name }, rules, ...extra } as KubeObject;
}

function binding(
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  roleRef: { kind: string; name: string },
  subjects: unknown[],
): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind,
    metadata: { name },
    roleRef: { apiGroup: RBAC, ...roleRef },
    subjects,
  } as KubeObject;
}

const user = (username: string, ...groups: string[]): UserInfo => ({
  username,
  groups: [...groups, 'system:authenticated'],
});

const ALICE = user('alice');
const BOB = user('bob');
const CAROL = user('carol');
const DAVE = user('dave', 'readers');
const ERIN = user('erin', 'devs');
const BUILDER = user(
  'system:serviceaccount:team-a:builder',
  'system:serviceaccounts',
  'system:serviceaccounts:team-a',
);
const ADMIN = user('admin', 'system:masters');
/** `u` with kcp's scope extra: valid in `clusters` (comma-separated) only. */
const scoped = (u: UserInfo, clusters: string): UserInfo => ({
  ...u,
  extra: {
    [SCOPES_EXTRA]: [
      clusters
        .split(',')
        .map((c) => `cluster:${c}`)
        .join(','),
    ],
  },
});
const NOBODY = user('nobody');

function fixture(): Authorization {
  const authz = new Authorization();
  const set = (res: RbacResource, ns: string, obj: KubeObject, cluster = 'root') =>
    authz.index.set(cluster, res, ns, nameOf(obj), obj);
  set(
    'roles',
    'team-a',
    role('Role', 'ns-editor', [
      { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['*'] },
    ]),
  );
  set(
    'rolebindings',
    'team-a',
    binding('RoleBinding', 'alice-editor', { kind: 'Role', name: 'ns-editor' }, [
      { kind: 'User', apiGroup: RBAC, name: 'alice' },
    ]),
  );
  set(
    'clusterrolebindings',
    '',
    binding('ClusterRoleBinding', 'readers', { kind: 'ClusterRole', name: 'view' }, [
      { kind: 'Group', apiGroup: RBAC, name: 'readers' },
    ]),
  );
  set(
    'rolebindings',
    'team-b',
    binding('RoleBinding', 'devs-edit', { kind: 'ClusterRole', name: 'edit' }, [
      { kind: 'Group', apiGroup: RBAC, name: 'devs' },
    ]),
  );
  set(
    'clusterroles',
    '',
    role('ClusterRole', 'named', [
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg-1'], verbs: ['get'] },
      { apiGroups: ['*'], resources: ['*/status'], verbs: ['update'] },
    ]),
  );
  set(
    'rolebindings',
    'default',
    binding('RoleBinding', 'bob-named', { kind: 'ClusterRole', name: 'named' }, [
      { kind: 'User', apiGroup: RBAC, name: 'bob' },
    ]),
  );
  set(
    'clusterroles',
    '',
    role('ClusterRole', 'metrics', [{ nonResourceURLs: ['/metrics', '/logs/*'], verbs: ['get'] }]),
  );
  set(
    'clusterrolebindings',
    '',
    binding('ClusterRoleBinding', 'carol-metrics', { kind: 'ClusterRole', name: 'metrics' }, [
      { kind: 'User', apiGroup: RBAC, name: 'carol' },
    ]),
  );
  set(
    'rolebindings',
    'team-a',
    binding('RoleBinding', 'builder-edit', { kind: 'ClusterRole', name: 'edit' }, [
      { kind: 'ServiceAccount', name: 'builder' },
    ]),
  );
  return authz;
}

function attrs(
  u: UserInfo,
  verb: string,
  namespace: string,
  resource: string,
  extra: Partial<Attributes> = {},
): Attributes {
  const [res, sub] = resource.split('/');
  return {
    user: u,
    verb,
    cluster: 'root',
    namespace,
    apiGroup: '',
    resource: res as string,
    subresource: sub ?? '',
    name: '',
    path: '',
    isResourceRequest: true,
    ...extra,
  };
}

describe('RBAC decisions', () => {
  const authz = fixture();
  type Cell = [UserInfo, string, string, string, Partial<Attributes>, boolean];
  const cells: Cell[] = [
    // alice: a Role in team-a only
    [ALICE, 'get', 'team-a', 'configmaps', {}, true],
    [ALICE, 'delete', 'team-a', 'secrets', { name: 's' }, true],
    [ALICE, 'get', 'team-b', 'configmaps', {}, false],
    [ALICE, 'list', '', 'configmaps', {}, false],
    [ALICE, 'get', 'team-a', 'serviceaccounts', {}, false],
    [ALICE, 'get', 'team-a', 'configmaps', { apiGroup: 'apps' }, false],
    // dave: view everywhere through a group ClusterRoleBinding
    [DAVE, 'list', 'team-a', 'configmaps', {}, true],
    [DAVE, 'list', '', 'configmaps', {}, true],
    [DAVE, 'watch', 'team-b', 'deployments', { apiGroup: 'apps' }, true],
    [DAVE, 'get', 'team-a', 'secrets', {}, false],
    [DAVE, 'create', 'team-a', 'configmaps', {}, false],
    [DAVE, 'get', 'team-a', 'pods/log', {}, true],
    [DAVE, 'get', 'team-a', 'pods/exec', {}, false],
    // erin: edit in team-b through a group RoleBinding to a ClusterRole
    [ERIN, 'create', 'team-b', 'secrets', {}, true],
    [ERIN, 'get', 'team-b', 'secrets', { name: 'x' }, true],
    [ERIN, 'create', 'team-b', 'rolebindings', { apiGroup: RBAC }, false],
    [ERIN, 'create', 'team-b', 'serviceaccounts/token', { name: 'sa' }, true],
    [ERIN, 'get', 'team-b', 'configmaps', {}, true],
    [ERIN, 'get', 'team-a', 'configmaps', {}, false],
    // bob: resource names and */status
    [BOB, 'get', 'default', 'configmaps', { name: 'cfg-1' }, true],
    [BOB, 'get', 'default', 'configmaps', { name: 'cfg-2' }, false],
    [BOB, 'list', 'default', 'configmaps', {}, false],
    [BOB, 'update', 'default', 'configmaps/status', { name: 'cfg-2' }, true],
    [BOB, 'update', 'default', 'widgets/status', { apiGroup: 'example.com', name: 'w' }, true],
    [BOB, 'update', 'default', 'configmaps', { name: 'cfg-1' }, false],
    [BOB, 'update', 'other', 'configmaps/status', { name: 'cfg-1' }, false],
    // the service account: edit in its own namespace
    [BUILDER, 'create', 'team-a', 'configmaps', {}, true],
    [BUILDER, 'create', 'team-b', 'configmaps', {}, false],
    // masters: everything
    [ADMIN, 'deletecollection', 'x', 'anything', { apiGroup: 'example.com' }, true],
    // scoped (as an impersonated user is) to the cluster it is in: itself; elsewhere: nobody
    [scoped(DAVE, 'root'), 'list', 'team-a', 'configmaps', {}, true],
    [scoped(DAVE, 'root,other'), 'list', 'team-a', 'configmaps', {}, true],
    [scoped(DAVE, 'other'), 'list', 'team-a', 'configmaps', {}, false],
    [scoped(ALICE, 'other'), 'get', 'team-a', 'configmaps', {}, false],
    [
      scoped(ALICE, 'other'),
      'create',
      '',
      'selfsubjectaccessreviews',
      { apiGroup: 'authorization.k8s.io' },
      true,
    ],
    // nobody: only the defaults every authenticated user has
    [NOBODY, 'get', 'default', 'configmaps', {}, false],
    [NOBODY, 'create', '', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' }, true],
    [NOBODY, 'create', '', 'selfsubjectreviews', { apiGroup: 'authentication.k8s.io' }, true],
    [NOBODY, 'create', '', 'subjectaccessreviews', { apiGroup: 'authorization.k8s.io' }, false],
  ];
  it.each(cells)('%o %s %s %s %o → %s', (u, verb, ns, resource, extra, want) => {
    expect(authz.authorize(attrs(u, verb, ns, resource, extra)).allowed).toBe(want);
  });

  it.each<[UserInfo, string, string, boolean]>([
    [CAROL, 'get', '/metrics', true],
    [CAROL, 'get', '/logs/kube.log', true],
    [CAROL, 'get', '/logs', false],
    [CAROL, 'post', '/metrics', false],
    [NOBODY, 'get', '/version', true],
    [NOBODY, 'get', '/apis/apps/v1', true],
    [NOBODY, 'get', '/metrics', false],
    [NOBODY, 'access', '/', false],
    [ADMIN, 'access', '/', true],
  ])('non-resource %o %s %s → %s', (u, verb, path, want) => {
    const a = attrs(u, verb, '', '', { isResourceRequest: false, path });
    expect(authz.authorize(a).allowed).toBe(want);
  });

  it('says which binding allowed', () => {
    expect(authz.authorize(attrs(ALICE, 'get', 'team-a', 'configmaps')).reason).toBe(
      'RBAC: allowed by RoleBinding "alice-editor/team-a" of Role "ns-editor" to User "alice"',
    );
    expect(authz.authorize(attrs(DAVE, 'get', '', 'configmaps')).reason).toBe(
      'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "view" to Group "readers"',
    );
    expect(authz.authorize(attrs(BUILDER, 'get', 'team-a', 'configmaps')).reason).toBe(
      'RBAC: allowed by RoleBinding "builder-edit/team-a" of ClusterRole "edit" to ServiceAccount "builder/team-a"',
    );
  });

  it('reports bindings to missing roles in the reason', () => {
    const a = fixture();
    a.index.set(
      'root',
      'clusterrolebindings',
      '',
      'ghost',
      binding('ClusterRoleBinding', 'ghost', { kind: 'ClusterRole', name: 'ghost' }, [
        { kind: 'User', name: 'nobody' },
      ]),
    );
    const d = a.authorize(attrs(NOBODY, 'get', 'default', 'configmaps'));
    expect(d).toEqual({
      allowed: false,
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found',
    });
  });

  it('keeps clusters apart', () => {
    const a = fixture();
    expect(
      a.authorize({ ...attrs(DAVE, 'get', 'team-a', 'configmaps'), cluster: 'other' }),
    ).toEqual({ allowed: false });
    expect(a.index.cluster('other')).toBeUndefined();
  });

  it('forgets deleted objects and drops empty clusters', () => {
    const a = new Authorization();
    const crb = binding('ClusterRoleBinding', 'b', { kind: 'ClusterRole', name: 'view' }, [
      { kind: 'User', name: 'x' },
    ]);
    a.index.set('c1', 'clusterrolebindings', '', 'b', crb);
    expect(
      a.authorize({ ...attrs(user('x'), 'get', 'n', 'configmaps'), cluster: 'c1' }).allowed,
    ).toBe(true);
    a.index.set('c1', 'clusterrolebindings', '', 'b', undefined);
    expect(
      a.authorize({ ...attrs(user('x'), 'get', 'n', 'configmaps'), cluster: 'c1' }).allowed,
    ).toBe(false);
    expect(a.index.cluster('c1')).toBeUndefined();
  });

  it('updates a binding whose subjects changed', () => {
    const a = new Authorization();
    const b = (name: string) =>
      binding('ClusterRoleBinding', 'b', { kind: 'ClusterRole', name: 'view' }, [
        { kind: 'User', name },
      ]);
    a.index.set('root', 'clusterrolebindings', '', 'b', b('x'));
    a.index.set('root', 'clusterrolebindings', '', 'b', b('y'));
    expect(a.authorize(attrs(user('x'), 'get', 'n', 'configmaps')).allowed).toBe(false);
    expect(a.authorize(attrs(user('y'), 'get', 'n', 'configmaps')).allowed).toBe(true);
  });
});

describe('bootstrap defaults', () => {
  it('lets a stored role of the same name replace a default', () => {
    const a = new Authorization();
    a.index.set(
      'root',
      'clusterrolebindings',
      '',
      'v',
      binding('ClusterRoleBinding', 'v', { kind: 'ClusterRole', name: 'view' }, [
        { kind: 'User', name: 'v' },
      ]),
    );
    expect(a.authorize(attrs(user('v'), 'get', 'n', 'configmaps')).allowed).toBe(true);
    a.index.set(
      'root',
      'clusterroles',
      '',
      'view',
      role('ClusterRole', 'view', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
    );
    expect(a.authorize(attrs(user('v'), 'get', 'n', 'configmaps')).allowed).toBe(false);
    expect(a.authorize(attrs(user('v'), 'get', 'n', 'pods')).allowed).toBe(true);
  });

  it('aggregates a cluster’s labelled roles into admin, edit and view', () => {
    const a = new Authorization();
    const bind = (name: string, roleName: string) =>
      a.index.set(
        'ws',
        'clusterrolebindings',
        '',
        name,
        binding('ClusterRoleBinding', name, { kind: 'ClusterRole', name: roleName }, [
          { kind: 'User', name },
        ]),
      );
    bind('viewer', 'view');
    bind('editor', 'edit');
    bind('administrator', 'admin');
    const widgets = (u: string) => ({
      ...attrs(user(u), 'list', 'n', 'widgets', { apiGroup: 'example.com' }),
      cluster: 'ws',
    });
    expect(a.authorize(widgets('viewer')).allowed).toBe(false);
    a.index.set(
      'ws',
      'clusterroles',
      '',
      'widgets-view',
      role(
        'ClusterRole',
        'widgets-view',
        [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list'] }],
        {
          metadata: {
            name: 'widgets-view',
            labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
          },
        },
      ),
    );
    expect(a.authorize(widgets('viewer')).allowed).toBe(true);
    // view aggregates into edit, edit into admin.
    expect(a.authorize(widgets('editor')).allowed).toBe(true);
    expect(a.authorize(widgets('administrator')).allowed).toBe(true);
    // Other clusters are not affected.
    expect(a.authorize({ ...widgets('viewer'), cluster: 'root' }).allowed).toBe(false);
  });

  it('gives admin RBAC on roles in its namespace but not cluster roles', () => {
    const a = new Authorization();
    a.index.set(
      'root',
      'rolebindings',
      'ns',
      'adm',
      binding('RoleBinding', 'adm', { kind: 'ClusterRole', name: 'admin' }, [
        { kind: 'User', name: 'adm' },
      ]),
    );
    const rb = { apiGroup: RBAC };
    expect(a.authorize(attrs(user('adm'), 'create', 'ns', 'rolebindings', rb)).allowed).toBe(true);
    expect(a.authorize(attrs(user('adm'), 'create', '', 'clusterroles', rb)).allowed).toBe(false);
    expect(a.authorize(attrs(user('adm'), 'get', 'ns', 'secrets')).allowed).toBe(true);
  });
});

describe('service accounts of other clusters', () => {
  const sa = (cluster: string): UserInfo => ({
    ...BUILDER,
    extra: { [CLUSTER_NAME_EXTRA]: [cluster] },
  });

  it('keep their permissions at home only', () => {
    const a = fixture();
    expect(a.authorize(attrs(sa('root'), 'create', 'team-a', 'configmaps')).allowed).toBe(true);
    a.index.set(
      'other',
      'rolebindings',
      'team-a',
      'builder-edit',
      binding('RoleBinding', 'builder-edit', { kind: 'ClusterRole', name: 'edit' }, [
        { kind: 'ServiceAccount', name: 'builder' },
      ]),
    );
    const elsewhere = { ...attrs(sa('root'), 'create', 'team-a', 'configmaps'), cluster: 'other' };
    expect(a.authorize(elsewhere).allowed).toBe(false);
    // ... but are still authenticated there.
    expect(
      a.authorize({
        ...attrs(sa('root'), 'create', '', 'selfsubjectaccessreviews', {
          apiGroup: 'authorization.k8s.io',
        }),
        cluster: 'other',
      }).allowed,
    ).toBe(true);
  });

  it('can be granted elsewhere by their global name', () => {
    const a = new Authorization();
    a.index.set(
      'other',
      'clusterrolebindings',
      '',
      'g',
      binding('ClusterRoleBinding', 'g', { kind: 'ClusterRole', name: 'view' }, [
        { kind: 'User', name: 'system:kcp:serviceaccount:root:team-a:builder' },
      ]),
    );
    const a1 = { ...attrs(sa('root'), 'get', 'x', 'configmaps'), cluster: 'other' };
    expect(a.authorize(a1).allowed).toBe(true);
    // Scoped to root (an impersonated account is scoped where it was impersonated), the
    // global name stays there too.
    const scoped = sa('root');
    const inRoot = {
      ...scoped,
      extra: { ...scoped.extra, 'authentication.kcp.io/scopes': ['cluster:root'] },
    };
    expect(a.authorize({ ...a1, user: inRoot }).allowed).toBe(false);
  });
});

describe('rules review', () => {
  it('lists resource and non-resource rules of a namespace', () => {
    const a = fixture();
    const review = a.rulesReview(ALICE, 'root', 'team-a');
    expect(review.resourceRules).toContainEqual({
      verbs: ['*'],
      apiGroups: [''],
      resources: ['configmaps', 'secrets'],
      resourceNames: [],
    });
    expect(review.resourceRules).toContainEqual({
      verbs: ['create'],
      apiGroups: ['authorization.k8s.io'],
      resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      resourceNames: [],
    });
    expect(review.nonResourceRules.some((r) => r.nonResourceURLs.includes('/api/*'))).toBe(true);
    expect(review.incomplete).toBe(false);
    expect(a.rulesReview(ALICE, 'root', 'team-b').resourceRules).not.toContainEqual(
      expect.objectContaining({ resources: ['configmaps', 'secrets'] }),
    );
  });

  it('gives masters everything through the cluster-admin binding', () => {
    const review = new Authorization().rulesReview(ADMIN, 'anywhere', 'default');
    expect(review.resourceRules).toContainEqual({
      verbs: ['*'],
      apiGroups: ['*'],
      resources: ['*'],
      resourceNames: [],
    });
    expect(review.nonResourceRules).toContainEqual({ verbs: ['*'], nonResourceURLs: ['*'] });
  });
});

describe('the 403', () => {
  it.each<[Attributes, string | undefined, string]>([
    [
      attrs(user('u'), 'get', 'default', 'configmaps', { name: 'x' }),
      undefined,
      'configmaps "x" is forbidden: User "u" cannot get resource "configmaps" in API group "" in the namespace "default"',
    ],
    [
      attrs(user('u'), 'list', '', 'deployments', { apiGroup: 'apps' }),
      undefined,
      'deployments.apps is forbidden: User "u" cannot list resource "deployments" in API group "apps" at the cluster scope',
    ],
    [
      attrs(user('u'), 'update', 'ns', 'configmaps/status', { name: 'x' }),
      undefined,
      'configmaps "x" is forbidden: User "u" cannot update resource "configmaps/status" in API group "" in the namespace "ns"',
    ],
    [
      attrs(user('u'), 'get', '', '', { isResourceRequest: false, path: '/foo' }),
      undefined,
      'forbidden: User "u" cannot get path "/foo"',
    ],
    [
      attrs(user('<u>'), 'get', 'default', 'configmaps', { name: 'x' }),
      'RBAC: role.rbac.authorization.k8s.io "r" not found',
      'configmaps "x" is forbidden: User "&lt;u&gt;" cannot get resource "configmaps" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "r" not found',
    ],
  ])('%#', (a, reason, message) => {
    const err = forbiddenError(a, reason);
    expect(err.status.code).toBe(403);
    expect(err.status.reason).toBe('Forbidden');
    expect(err.status.message).toBe(message);
  });

  it('carries the resource in its details', () => {
    expect(
      forbiddenError(attrs(user('u'), 'get', 'ns', 'deployments', { apiGroup: 'apps', name: 'd' }))
        .status.details,
    ).toEqual({
      name: 'd',
      group: 'apps',
      kind: 'deployments',
    });
  });
});
