import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { isStatusError } from '../../apimachinery/status.ts';
import { Authorization } from '../authz/authorization.ts';
import type { UserInfo } from '../rest/scope.ts';
import { impersonate } from './impersonation.ts';

const RBAC = 'rbac.authorization.k8s.io';
const SCOPES = 'authentication.kcp.io/scopes';

function request(headers: Record<string, string | string[]>): IncomingMessage {
  const lower: Record<string, string | string[]> = {};
  const distinct: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    lower[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    distinct[k.toLowerCase()] = Array.isArray(v) ? v : [v];
  }
  return { headers: lower, headersDistinct: distinct } as unknown as IncomingMessage;
}

const ALICE: UserInfo = { username: 'alice', groups: ['system:authenticated'] };
const ADMIN: UserInfo = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };

function fixture(): Authorization {
  const a = new Authorization();
  a.index.set('root', 'clusterroles', '', 'impersonator', {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'impersonator' },
    rules: [
      { apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['bob'] },
      { apiGroups: [''], resources: ['groups'], verbs: ['impersonate'], resourceNames: ['devs'] },
      {
        apiGroups: ['authentication.k8s.io'],
        resources: ['userextras/scopes'],
        verbs: ['impersonate'],
      },
    ],
  } as KubeObject);
  a.index.set('root', 'clusterrolebindings', '', 'alice', {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: 'alice' },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'impersonator' },
    subjects: [{ kind: 'User', name: 'alice' }],
  } as KubeObject);
  return a;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
    return 'allowed';
  } catch (err) {
    if (isStatusError(err)) return `${err.code} ${err.status.message}`;
    throw err;
  }
}

describe('impersonation', () => {
  it('leaves requests without headers alone', () => {
    expect(impersonate(request({}), ALICE, 'root', fixture())).toBe(ALICE);
  });

  it('acts as the user, adding system:authenticated', () => {
    expect(impersonate(request({ 'Impersonate-User': 'bob' }), ALICE, 'root', fixture())).toEqual({
      username: 'bob',
      groups: ['system:authenticated'],
      extra: { [SCOPES]: ['cluster:root'] },
    });
  });

  it('takes groups and extras as given, each checked', () => {
    const user = impersonate(
      request({
        'Impersonate-User': 'bob',
        'Impersonate-Group': 'devs',
        'Impersonate-Extra-Scopes': ['a', 'b'],
      }),
      ALICE,
      'root',
      fixture(),
    );
    expect(user).toEqual({
      username: 'bob',
      groups: ['devs', 'system:authenticated'],
      extra: { scopes: ['a', 'b'], [SCOPES]: ['cluster:root'] },
    });
  });

  it.each<[Record<string, string | string[]>, string]>([
    [
      { 'Impersonate-User': 'carol' },
      '403 users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
    ],
    [
      { 'Impersonate-User': 'bob', 'Impersonate-Group': ['devs', 'system:masters'] },
      '403 forbidden: impersonation is not allowed for the requestor',
    ],
    [
      { 'Impersonate-User': 'bob', 'Impersonate-Group': 'system:kcp:admin' },
      '403 forbidden: impersonation is not allowed for the requestor',
    ],
    [
      {
        'Impersonate-User': 'bob',
        'Impersonate-Extra-Authorization.kcp.io%2Fwarrant':
          '{"user":"x","groups":["system:masters"]}',
      },
      '403 forbidden: impersonating the extra key "authorization.kcp.io/warrant" is not allowed for the requestor',
    ],
    [
      {
        'Impersonate-User': 'system:serviceaccount:default:robot',
        'Impersonate-Extra-Authentication.KCP.io%2Fcluster-name': 'other',
      },
      '403 forbidden: impersonating the extra key "authentication.kcp.io/cluster-name" is not allowed for the requestor',
    ],
    [
      {
        'Impersonate-User': 'bob',
        'Impersonate-Extra-Authentication.kcp.io%2Fscopes': 'cluster:x',
      },
      '403 forbidden: impersonating the extra key "authentication.kcp.io/scopes" is not allowed for the requestor',
    ],
    [
      { 'Impersonate-User': 'system:serviceaccount:kube-system:default' },
      '403 serviceaccounts "default" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"',
    ],
    [
      { 'Impersonate-User': 'bob', 'Impersonate-Uid': '1234' },
      '403 uids.authentication.k8s.io "1234" is forbidden: User "alice" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope',
    ],
    [
      { 'Impersonate-User': 'bob', 'Impersonate-Extra-Acme.com%2Fproject': 'x' },
      '403 userextras.authentication.k8s.io "x" is forbidden: User "alice" cannot impersonate resource "userextras/acme.com/project" in API group "authentication.k8s.io" at the cluster scope',
    ],
    [
      { 'Impersonate-Group': 'devs' },
      '500 Internal error occurred: requested [{Group devs}] without impersonating a user',
    ],
  ])('refuses %o', (headers, message) => {
    expect(refusal(() => impersonate(request(headers), ALICE, 'root', fixture()))).toBe(message);
  });

  it('gives service accounts their groups unless groups are given', () => {
    const a = fixture();
    expect(
      impersonate(
        request({ 'Impersonate-User': 'system:serviceaccount:team:builder' }),
        ADMIN,
        'root',
        a,
      ),
    ).toEqual({
      username: 'system:serviceaccount:team:builder',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
      // One of the cluster it was impersonated in, as its own token would say.
      extra: { 'authentication.kcp.io/cluster-name': ['root'] },
    });
    expect(
      impersonate(
        request({
          'Impersonate-User': 'system:serviceaccount:team:builder',
          'Impersonate-Group': 'x',
        }),
        ADMIN,
        'root',
        a,
      ).groups,
    ).toEqual(['x', 'system:authenticated']);
  });

  it('keeps the cluster system:masters names for a service account, and scopes others’', () => {
    expect(
      impersonate(
        request({
          'Impersonate-User': 'system:serviceaccount:team:builder',
          'Impersonate-Extra-Authentication.kcp.io%2Fcluster-name': 'other',
        }),
        ADMIN,
        'root',
        fixture(),
      ).extra,
    ).toEqual({ 'authentication.kcp.io/cluster-name': ['other'] });
    const a = fixture();
    a.index.set('root', 'clusterroles', '', 'impersonator', {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'impersonator' },
      rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] }],
    } as KubeObject);
    expect(
      impersonate(
        request({ 'Impersonate-User': 'system:serviceaccount:team:builder' }),
        ALICE,
        'root',
        a,
      ).extra,
    ).toEqual({ 'authentication.kcp.io/cluster-name': ['root'], [SCOPES]: ['cluster:root'] });
  });

  it('makes anonymous unauthenticated', () => {
    expect(
      impersonate(request({ 'Impersonate-User': 'system:anonymous' }), ADMIN, 'root', fixture()),
    ).toEqual({ username: 'system:anonymous', groups: ['system:unauthenticated'] });
  });

  it('lets a privileged group be impersonated only by its members, and masters unscoped', () => {
    const masters = impersonate(
      request({ 'Impersonate-User': 'bob', 'Impersonate-Group': 'system:masters' }),
      ADMIN,
      'root',
      fixture(),
    );
    expect(masters).toEqual({
      username: 'bob',
      groups: ['system:masters', 'system:authenticated'],
    });
    expect(
      impersonate(
        request({
          'Impersonate-User': 'bob',
          'Impersonate-Extra-Authentication.kcp.io%2Fscopes': 'cluster:x',
        }),
        ADMIN,
        'root',
        fixture(),
      ).extra,
    ).toEqual({ 'authentication.kcp.io/scopes': ['cluster:x'] });
    // Being in the group already is what counts, on top of the impersonate verb.
    const a = fixture();
    a.index.set('root', 'clusterroles', '', 'impersonator', {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'impersonator' },
      rules: [{ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] }],
    } as KubeObject);
    const kcpAdmin: UserInfo = { username: 'alice', groups: ['system:kcp:admin'] };
    expect(
      impersonate(
        request({ 'Impersonate-User': 'bob', 'Impersonate-Group': 'system:kcp:admin' }),
        kcpAdmin,
        'root',
        a,
      ).groups,
    ).toEqual(['system:kcp:admin', 'system:authenticated']);
    expect(
      refusal(() =>
        impersonate(
          request({ 'Impersonate-User': 'bob', 'Impersonate-Group': 'system:masters' }),
          ALICE,
          'root',
          a,
        ),
      ),
    ).toBe('403 forbidden: impersonation is not allowed for the requestor');
  });

  it('checks in the cluster of the request', () => {
    expect(
      refusal(() => impersonate(request({ 'Impersonate-User': 'bob' }), ALICE, 'other', fixture())),
    ).toMatch(/^403 users "bob" is forbidden/);
  });
});
