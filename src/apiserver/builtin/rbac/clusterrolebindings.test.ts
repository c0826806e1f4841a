import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { StrategyContext } from '../../registry/resource-type.ts';
import { clusterRoleBindings } from './clusterrolebindings.ts';

const ctx: StrategyContext = { cluster: 'root', version: 'v1', subresource: '' };
const NOW = Date.parse('2024-05-01T12:00:00Z');
const G = 'rbac.authorization.k8s.io';

function binding(extra: Record<string, unknown>): KubeObject {
  return {
    apiVersion: `${G}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: 'cluster-admins', creationTimestamp: '2024-04-29T12:00:00Z' },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'cluster-admin' },
    ...extra,
  } as KubeObject;
}

function create(obj: KubeObject): string[] {
  clusterRoleBindings.strategy.prepareForCreate?.(obj, ctx);
  return clusterRoleBindings.strategy.validate(obj, ctx).map(fieldErrorMessage);
}

describe('cluster role binding validation', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    [
      'users, groups and namespaced service accounts',
      {
        subjects: [
          { kind: 'Group', name: 'system:masters' },
          { kind: 'User', name: 'admin' },
          { kind: 'ServiceAccount', name: 'controller', namespace: 'kube-system' },
        ],
      },
      [],
    ],
    [
      'a Role reference',
      { roleRef: { apiGroup: G, kind: 'Role', name: 'x' } },
      ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"'],
    ],
    [
      'a service account without a namespace',
      { subjects: [{ kind: 'ServiceAccount', name: 'controller' }] },
      ['subjects[0].namespace: Required value'],
    ],
  ])('%s', (_name, extra, want) => {
    expect(create(binding(extra))).toEqual(want);
  });

  it('refuses a roleRef change on update', () => {
    const old = binding({});
    const changed = binding({ roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' } });
    expect(
      (clusterRoleBindings.strategy.validateUpdate?.(changed, old, ctx) ?? []).map(
        fieldErrorMessage,
      ),
    ).toEqual([
      `roleRef: Invalid value: {"apiGroup":"${G}","kind":"ClusterRole","name":"view"}: cannot change roleRef`,
    ]);
  });
});

describe('cluster role binding table', () => {
  it('prints the role and the subjects', () => {
    expect(clusterRoleBindings.strategy.columns.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Role', 0],
      ['Age', 0],
      ['Users', 1],
      ['Groups', 1],
      ['ServiceAccounts', 1],
    ]);
    expect(clusterRoleBindings.strategy.columns[5]?.description).toBe(
      'ServiceAccounts in the clusterRoleBinding',
    );
    const obj = binding({
      subjects: [
        { kind: 'Group', name: 'system:masters' },
        { kind: 'ServiceAccount', name: 'controller', namespace: 'kube-system' },
      ],
    });
    expect(clusterRoleBindings.strategy.cells(obj, NOW)).toEqual([
      'cluster-admins',
      'ClusterRole/cluster-admin',
      '2d',
      '',
      'system:masters',
      'kube-system/controller',
    ]);
  });
});

describe('clusterrolebindings resource', () => {
  it('is cluster-scoped rbac.authorization.k8s.io/v1 ClusterRoleBinding', () => {
    expect([
      clusterRoleBindings.group,
      clusterRoleBindings.names.kind,
      clusterRoleBindings.namespaced,
    ]).toEqual([G, 'ClusterRoleBinding', false]);
    expect(clusterRoleBindings.strategy).toMatchObject({
      nameValidation: 'PathSegmentName',
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
    });
  });
});
