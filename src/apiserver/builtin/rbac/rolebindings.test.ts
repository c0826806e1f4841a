import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { StrategyContext } from '../../registry/resource-type.ts';
import { roleBindings, subjectsStrings } from './rolebindings.ts';

const ctx: StrategyContext = { cluster: 'root', version: 'v1', subresource: '' };
const NOW = Date.parse('2024-05-01T12:00:00Z');
const G = 'rbac.authorization.k8s.io';

function binding(extra: Record<string, unknown>): KubeObject {
  return {
    apiVersion: `${G}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'read-pods', namespace: 'shop', creationTimestamp: '2024-05-01T11:00:00Z' },
    roleRef: { apiGroup: G, kind: 'Role', name: 'pod-reader' },
    ...extra,
  } as KubeObject;
}

/** Create as the REST layer does: defaults first, then validation. */
function create(obj: KubeObject): string[] {
  roleBindings.strategy.prepareForCreate?.(obj, ctx);
  return roleBindings.strategy.validate(obj, ctx).map(fieldErrorMessage);
}

const SA_NAME_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('role binding defaulting', () => {
  it('fills in the RBAC group for roleRef, users and groups', () => {
    const obj = binding({
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'Group', name: 'devs', apiGroup: '' },
        { kind: 'ServiceAccount', name: 'builder' },
        { kind: 'User', name: 'bob', apiGroup: 'example.com' },
      ],
    });
    roleBindings.strategy.prepareForCreate?.(obj, ctx);
    expect(obj.roleRef).toEqual({ kind: 'ClusterRole', name: 'view', apiGroup: G });
    expect(obj.subjects).toEqual([
      { kind: 'User', name: 'alice', apiGroup: G },
      { kind: 'Group', name: 'devs', apiGroup: G },
      { kind: 'ServiceAccount', name: 'builder' },
      { kind: 'User', name: 'bob', apiGroup: 'example.com' },
    ]);
  });
});

describe('role binding validation', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a binding without subjects', {}, []],
    [
      'users, groups and service accounts',
      {
        subjects: [
          { kind: 'User', name: 'alice@example.com' },
          { kind: 'Group', name: 'system:authenticated', apiGroup: G },
          { kind: 'ServiceAccount', name: 'builder' },
          { kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' },
        ],
      },
      [],
    ],
    ['a ClusterRole reference', { roleRef: { kind: 'ClusterRole', name: 'view' } }, []],
    [
      'no roleRef',
      { roleRef: undefined },
      [
        'roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"',
        'roleRef.name: Required value',
      ],
    ],
    [
      'a roleRef in another group',
      { roleRef: { apiGroup: 'example.com', kind: 'Role', name: 'x' } },
      [
        'roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
      ],
    ],
    [
      'a roleRef to another kind',
      { roleRef: { kind: 'Policy', name: 'x' } },
      ['roleRef.kind: Unsupported value: "Policy": supported values: "Role", "ClusterRole"'],
    ],
    [
      'a roleRef name with a slash',
      { roleRef: { kind: 'Role', name: 'a/b' } },
      ['roleRef.name: Invalid value: "a/b": may not contain \'/\''],
    ],
    [
      'a subject without a name',
      { subjects: [{ kind: 'User' }, { kind: 'Group', name: '' }] },
      [
        'subjects[0].name: Required value',
        'subjects[0].name: Invalid value: "": user name cannot be empty',
        'subjects[1].name: Required value',
        'subjects[1].name: Invalid value: "": group name cannot be empty',
      ],
    ],
    [
      'an unknown subject kind',
      { subjects: [{ kind: 'Robot', name: 'r2' }] },
      [
        'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      ],
    ],
    [
      'a user in another group',
      { subjects: [{ kind: 'User', name: 'alice', apiGroup: 'example.com' }] },
      [
        'subjects[0].apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
      ],
    ],
    [
      'a service account with an API group',
      { subjects: [{ kind: 'ServiceAccount', name: 'builder', apiGroup: G }] },
      [`subjects[0].apiGroup: Unsupported value: "${G}": supported values: ""`],
    ],
    [
      'a service account with an invalid name',
      { subjects: [{ kind: 'ServiceAccount', name: 'Builder' }] },
      [`subjects[0].name: Invalid value: "Builder": ${SA_NAME_MSG}`],
    ],
    [
      'a string subject list',
      { subjects: 'alice' },
      ['subjects: Invalid value: "alice": must be an array'],
    ],
    [
      'a numeric subject name',
      { subjects: [{ kind: 'User', name: 5 }] },
      ['subjects[0].name: Invalid value: 5: must be a string'],
    ],
    [
      'a string roleRef',
      { roleRef: 'Role/x' },
      ['roleRef: Invalid value: "Role/x": must be an object'],
    ],
  ])('%s', (_name, extra, want) => {
    expect(create(binding(extra))).toEqual(want);
  });

  it('refuses a roleRef change on update', () => {
    const old = binding({});
    const update = (obj: KubeObject) => {
      roleBindings.strategy.prepareForUpdate?.(obj, old, ctx);
      return (roleBindings.strategy.validateUpdate?.(obj, old, ctx) ?? []).map(fieldErrorMessage);
    };
    expect(update(binding({ subjects: [{ kind: 'User', name: 'alice' }] }))).toEqual([]);
    // The defaulted apiGroup is no change.
    expect(update(binding({ roleRef: { kind: 'Role', name: 'pod-reader' } }))).toEqual([]);
    expect(update(binding({ roleRef: { kind: 'ClusterRole', name: 'pod-reader' } }))).toEqual([
      `roleRef: Invalid value: {"apiGroup":"${G}","kind":"ClusterRole","name":"pod-reader"}: cannot change roleRef`,
    ]);
  });
});

describe('role binding table', () => {
  it('prints the role and, wide, the subjects by kind', () => {
    expect(roleBindings.strategy.columns.map((c) => [c.name, c.priority, c.description])).toEqual([
      ['Name', 0, expect.any(String)],
      ['Role', 0, expect.any(String)],
      ['Age', 0, expect.any(String)],
      ['Users', 1, 'Users in the roleBinding'],
      ['Groups', 1, 'Groups in the roleBinding'],
      ['ServiceAccounts', 1, 'ServiceAccounts in the roleBinding'],
    ]);
    const obj = binding({
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
        { kind: 'User', name: 'bob' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'deployer' },
      ],
    });
    expect(roleBindings.strategy.cells(obj, NOW)).toEqual([
      'read-pods',
      'ClusterRole/view',
      '60m',
      'alice, bob',
      'devs',
      'ci/builder, /deployer',
    ]);
    expect(roleBindings.strategy.cells(binding({}), NOW)).toEqual([
      'read-pods',
      'Role/pod-reader',
      '60m',
      '',
      '',
      '',
    ]);
  });

  it('sorts subjects for display', () => {
    expect(
      subjectsStrings([
        { kind: 'User', name: 'a' },
        { kind: 'Robot', name: 'r', namespace: 'x' },
        { kind: 'ServiceAccount', name: 's', namespace: 'n' },
      ]),
    ).toEqual({ users: ['a'], groups: [], serviceAccounts: ['n/s'], others: ['Robot/x/r'] });
  });
});

describe('rolebindings resource', () => {
  it('is namespaced rbac.authorization.k8s.io/v1 RoleBinding', () => {
    expect([
      roleBindings.group,
      roleBindings.names.kind,
      roleBindings.names.plural,
      roleBindings.namespaced,
    ]).toEqual([G, 'RoleBinding', 'rolebindings', true]);
    expect(roleBindings.strategy).toMatchObject({
      nameValidation: 'PathSegmentName',
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
    });
  });
});
