import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { StrategyContext } from '../../registry/resource-type.ts';
import { clusterRoles } from './clusterroles.ts';

const ctx: StrategyContext = { cluster: 'root', version: 'v1', subresource: '' };

function clusterRole(extra: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'monitoring', creationTimestamp: '2024-05-01T11:00:00Z' },
    ...extra,
  } as KubeObject;
}

const aggregated = (...clusterRoleSelectors: unknown[]) =>
  clusterRole({ aggregationRule: { clusterRoleSelectors } });
const validate = (obj: KubeObject) =>
  clusterRoles.strategy.validate(obj, ctx).map(fieldErrorMessage);

const SEL = 'aggregationRule.clusterRoleSelectors';
const BAD_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('cluster role validation', () => {
  it.each<[string, KubeObject, string[]]>([
    [
      'non-resource URLs',
      clusterRole({ rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] }),
      [],
    ],
    [
      'a rule without verbs',
      clusterRole({ rules: [{ apiGroups: ['*'], resources: ['*'] }] }),
      ['rules[0].verbs: Required value: verbs must contain at least one value'],
    ],
    [
      'an aggregation rule',
      aggregated({ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }),
      [],
    ],
    [
      'selector expressions',
      aggregated({
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['a'] },
          { key: 'x', operator: 'Exists' },
        ],
      }),
      [],
    ],
    ['a null aggregation rule', clusterRole({ aggregationRule: null }), []],
    [
      'an aggregation rule without selectors',
      clusterRole({ aggregationRule: {} }),
      [
        `${SEL}: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil`,
      ],
    ],
    [
      'an empty selector list',
      aggregated(),
      [
        `${SEL}: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil`,
      ],
    ],
    [
      'a bad label value',
      aggregated({ matchLabels: { tier: 'not ok' } }),
      [
        `${SEL}[0].matchLabels: Invalid value: "not ok": ${BAD_VALUE_MSG}`,
        `${SEL}[0]: Invalid value: null: invalid label selector.`,
      ],
    ],
    [
      'a bad operator',
      aggregated({ matchExpressions: [{ key: 'tier', operator: 'Like', values: ['a'] }] }),
      [
        `${SEL}[0].matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator`,
        `${SEL}[0]: Invalid value: null: invalid label selector.`,
      ],
    ],
    [
      'In without values',
      aggregated({ matchExpressions: [{ key: 'tier', operator: 'In' }] }),
      [
        `${SEL}[0].matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
        `${SEL}[0]: Invalid value: null: invalid label selector.`,
      ],
    ],
    [
      'Exists with values',
      aggregated({ matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['a'] }] }),
      [
        `${SEL}[0].matchExpressions[0].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
        `${SEL}[0]: Invalid value: null: invalid label selector.`,
      ],
    ],
    [
      'a bad value in an expression',
      aggregated({
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['ok', '-bad'] }],
      }),
      [
        `${SEL}[0].matchExpressions[0].values[1]: Invalid value: "-bad": ${BAD_VALUE_MSG}`,
        `${SEL}[0]: Invalid value: null: invalid label selector.`,
      ],
    ],
    [
      'a selector as a string',
      aggregated('tier=a'),
      [`${SEL}[0]: Invalid value: "tier=a": must be an object`],
    ],
    [
      'selectors not a list',
      clusterRole({ aggregationRule: { clusterRoleSelectors: { matchLabels: {} } } }),
      [`${SEL}: Invalid value: {"matchLabels":{}}: must be an array`],
    ],
    [
      'a numeric label value',
      aggregated({ matchLabels: { tier: 1 } }),
      [`${SEL}[0].matchLabels[tier]: Invalid value: 1: must be a string`],
    ],
  ])('%s', (_name, obj, want) => {
    expect(validate(obj)).toEqual(want);
  });

  it('tolerates bad selector values an existing role already has', () => {
    const bad = aggregated({
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['-bad'] }],
    });
    const update = (obj: KubeObject, old: KubeObject) =>
      (clusterRoles.strategy.validateUpdate?.(obj, old, ctx) ?? []).map(fieldErrorMessage);
    // The value check is relaxed; the selector still does not parse, as upstream.
    expect(update(bad, bad)).toEqual([`${SEL}[0]: Invalid value: null: invalid label selector.`]);
    expect(update(bad, aggregated({ matchLabels: { a: 'b' } }))).toEqual([
      `${SEL}[0].matchExpressions[0].values[0]: Invalid value: "-bad": ${BAD_VALUE_MSG}`,
      `${SEL}[0]: Invalid value: null: invalid label selector.`,
    ]);
  });
});

describe('clusterroles resource', () => {
  it('prints NAME and CREATED AT', () => {
    expect(clusterRoles.strategy.columns.map((c) => c.name)).toEqual(['Name', 'Created At']);
    expect(clusterRoles.strategy.cells(clusterRole({}), 0)).toEqual([
      'monitoring',
      '2024-05-01T11:00:00Z',
    ]);
  });

  it('is cluster-scoped rbac.authorization.k8s.io/v1 ClusterRole', () => {
    expect([
      clusterRoles.group,
      clusterRoles.names.kind,
      clusterRoles.names.plural,
      clusterRoles.namespaced,
    ]).toEqual(['rbac.authorization.k8s.io', 'ClusterRole', 'clusterroles', false]);
    expect(clusterRoles.strategy).toMatchObject({
      nameValidation: 'PathSegmentName',
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
    });
  });
});
