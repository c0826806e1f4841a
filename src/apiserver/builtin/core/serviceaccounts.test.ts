import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { StrategyContext } from '../../registry/resource-type.ts';
import { serviceAccounts } from './serviceaccounts.ts';

const ctx: StrategyContext = { cluster: 'root', version: 'v1', subresource: '' };
const NOW = Date.parse('2024-05-01T12:00:00Z');

function sa(extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'builder', namespace: 'ci', creationTimestamp: '2024-04-30T12:00:00Z' },
    ...extra,
  } as KubeObject;
}

describe('service account validation', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a bare service account', {}, []],
    [
      'secrets, pull secrets and automount',
      {
        secrets: [{ name: 'builder-token' }],
        imagePullSecrets: [{ name: 'registry' }],
        automountServiceAccountToken: false,
      },
      [],
    ],
    // Upstream checks nothing beyond metadata: empty names (as charts render them) pass.
    ['empty references', { secrets: [{}], imagePullSecrets: [{ name: '' }, {}] }, []],
    ['nulls', { secrets: null, imagePullSecrets: [null], automountServiceAccountToken: null }, []],
    [
      'a string automount',
      { automountServiceAccountToken: 'yes' },
      ['automountServiceAccountToken: Invalid value: "yes": must be a boolean'],
    ],
    [
      'secrets not a list',
      { secrets: 'builder-token' },
      ['secrets: Invalid value: "builder-token": must be an array'],
    ],
    [
      'a secret as a string',
      { secrets: ['builder-token'] },
      ['secrets[0]: Invalid value: "builder-token": must be an object'],
    ],
    [
      'a numeric secret name',
      { secrets: [{ name: 1 }] },
      ['secrets[0].name: Invalid value: 1: must be a string'],
    ],
    [
      'a pull secret as a string',
      { imagePullSecrets: ['registry'] },
      ['imagePullSecrets[0]: Invalid value: "registry": must be an object'],
    ],
    [
      'a numeric pull secret name',
      { imagePullSecrets: [{}, { name: false }] },
      ['imagePullSecrets[1].name: Invalid value: false: must be a string'],
    ],
  ])('%s', (_name, extra, want) => {
    expect(serviceAccounts.strategy.validate(sa(extra), ctx).map(fieldErrorMessage)).toEqual(want);
  });
});

describe('service account defaulting', () => {
  it('reduces secret references to their names on create and update', () => {
    const create = sa({
      secrets: [
        { name: 'a', namespace: 'elsewhere', kind: 'Secret', uid: 'u' },
        { kind: 'Secret' },
        'bad',
      ],
    });
    serviceAccounts.strategy.prepareForCreate?.(create, ctx);
    expect(create.secrets).toEqual([{ name: 'a' }, {}, 'bad']);

    const update = sa({ secrets: [{ name: 'b', apiVersion: 'v1' }] });
    serviceAccounts.strategy.prepareForUpdate?.(update, sa(), ctx);
    expect(update.secrets).toEqual([{ name: 'b' }]);
  });
});

describe('service account table', () => {
  it('prints NAME, SECRETS, AGE', () => {
    expect(serviceAccounts.strategy.columns.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Secrets', 'integer'],
      ['Age', 'date'],
    ]);
    expect(
      serviceAccounts.strategy.cells(sa({ secrets: [{ name: 'a' }, { name: 'b' }] }), NOW),
    ).toEqual(['builder', 2, '24h']);
    expect(serviceAccounts.strategy.cells(sa(), NOW)).toEqual(['builder', 0, '24h']);
  });
});

describe('serviceaccounts resource', () => {
  it('is core/v1 ServiceAccount with upstream update rules', () => {
    expect(serviceAccounts.names).toMatchObject({
      plural: 'serviceaccounts',
      kind: 'ServiceAccount',
      shortNames: ['sa'],
    });
    expect(serviceAccounts.namespaced).toBe(true);
    expect(serviceAccounts.strategy).toMatchObject({
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    });
    expect(serviceAccounts.extraSubresources).toBeUndefined();
  });
});
