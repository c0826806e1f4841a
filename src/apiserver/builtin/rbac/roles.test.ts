import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { StrategyContext } from '../../registry/resource-type.ts';
import { roles, validatePolicyRules } from './roles.ts';

const ctx: StrategyContext = { cluster: 'root', version: 'v1', subresource: '' };

function role(rules: unknown, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'pod-reader', namespace: 'shop', creationTimestamp: '2024-05-01T11:00:00Z' },
    ...(rules === undefined ? {} : { rules }),
    ...extra,
  } as KubeObject;
}

describe('policy rules', () => {
  it.each<[string, unknown, boolean, string[]]>([
    ['no rules', undefined, true, []],
    ['no rules (null)', null, true, []],
    ['an empty list', [], true, []],
    [
      'a resource rule',
      [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
      true,
      [],
    ],
    [
      'a named resource',
      [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'], verbs: ['get'] }],
      true,
      [],
    ],
    [
      'a non-resource rule in a cluster role',
      [{ nonResourceURLs: ['/healthz', '/api/*'], verbs: ['get'] }],
      false,
      [],
    ],
    [
      'no verbs',
      [{ apiGroups: [''], resources: ['pods'] }],
      true,
      ['rules[0].verbs: Required value: verbs must contain at least one value'],
    ],
    [
      'an empty rule',
      [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, {}],
      true,
      [
        'rules[1].verbs: Required value: verbs must contain at least one value',
        'rules[1].apiGroups: Required value: resource rules must supply at least one api group',
        'rules[1].resources: Required value: resource rules must supply at least one resource',
      ],
    ],
    [
      'a null rule (decodes as an empty one)',
      [null],
      false,
      [
        'rules[0].verbs: Required value: verbs must contain at least one value',
        'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
        'rules[0].resources: Required value: resource rules must supply at least one resource',
      ],
    ],
    [
      'resource names over several resources',
      [{ apiGroups: [''], resources: ['pods', 'secrets'], resourceNames: ['x'], verbs: ['get'] }],
      true,
      ['rules[0].resourceNames: Required value: resource names cannot apply to multiple resources'],
    ],
    [
      'non-resource URLs in a namespaced role',
      [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }],
      true,
      [
        'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
      ],
    ],
    [
      'non-resource URLs mixed with resources',
      [{ nonResourceURLs: ['/healthz'], resources: ['pods'], verbs: [] }],
      false,
      [
        'rules[0].verbs: Required value: verbs must contain at least one value',
        'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: rules cannot apply to both regular resources and non-resource URLs',
      ],
    ],
    [
      'rules not a list',
      { verbs: ['get'] },
      true,
      ['rules: Invalid value: {"verbs":["get"]}: must be an array'],
    ],
    [
      'a rule not an object',
      ['get pods'],
      true,
      ['rules[0]: Invalid value: "get pods": must be an object'],
    ],
    [
      'verbs as a string',
      [{ apiGroups: [''], resources: ['pods'], verbs: 'get' }],
      true,
      ['rules[0].verbs: Invalid value: "get": must be an array of strings'],
    ],
    [
      'a numeric resource',
      [{ apiGroups: [''], resources: ['pods', 7], verbs: ['get'] }],
      true,
      ['rules[0].resources[1]: Invalid value: 7: must be a string'],
    ],
  ])('%s', (_name, rules, namespaced, want) => {
    expect(validatePolicyRules(rules, namespaced).map(fieldErrorMessage)).toEqual(want);
  });
});

describe('roles resource', () => {
  it('validates rules as namespaced', () => {
    expect(
      roles.strategy
        .validate(role([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]), ctx)
        .map(fieldErrorMessage),
    ).toEqual([
      'rules[0].nonResourceURLs: Invalid value: ["/metrics"]: namespaced rules cannot apply to non-resource URLs',
    ]);
  });

  it('drops an aggregation rule, which Roles do not have', () => {
    const obj = role([], { aggregationRule: { clusterRoleSelectors: [] } });
    roles.strategy.prepareForCreate?.(obj, ctx);
    expect('aggregationRule' in obj).toBe(false);
  });

  it('prints NAME and CREATED AT', () => {
    expect(roles.strategy.columns.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Created At', 'date'],
    ]);
    expect(roles.strategy.cells(role([]), 0)).toEqual(['pod-reader', '2024-05-01T11:00:00Z']);
  });

  it('is rbac.authorization.k8s.io/v1 Role', () => {
    expect([
      roles.group,
      roles.versions,
      roles.names.kind,
      roles.names.plural,
      roles.namespaced,
    ]).toEqual(['rbac.authorization.k8s.io', ['v1'], 'Role', 'roles', true]);
    expect(roles.strategy).toMatchObject({
      nameValidation: 'PathSegmentName',
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
    });
  });
});
