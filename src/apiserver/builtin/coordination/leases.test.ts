import { describe, expect, it } from 'vitest';
import { fieldErrorMessage } from '../../../apimachinery/field-errors.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { StrategyContext } from '../../registry/resource-type.ts';
import { leases } from './leases.ts';

const ctx: StrategyContext = { cluster: 'root', version: 'v1', subresource: '' };
const NOW = Date.parse('2024-05-01T12:00:00Z');

function lease(spec: unknown): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: 'kube-controller-manager',
      namespace: 'kube-system',
      creationTimestamp: '2024-05-01T11:00:00Z',
    },
    ...(spec === undefined ? {} : { spec }),
  } as KubeObject;
}

const validate = (spec: unknown) =>
  leases.strategy.validate(lease(spec), ctx).map(fieldErrorMessage);

describe('lease validation', () => {
  it.each<[string, unknown, string[]]>([
    ['no spec', undefined, []],
    ['an empty spec', {}, []],
    [
      'a held lease',
      {
        holderIdentity: 'cm-1_6c1e',
        leaseDurationSeconds: 15,
        acquireTime: '2024-05-01T11:00:00.000000Z',
        renewTime: '2024-05-01T11:59:58.123456Z',
        leaseTransitions: 0,
      },
      [],
    ],
    [
      'a zero duration',
      { leaseDurationSeconds: 0 },
      ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
    ],
    [
      'a negative duration',
      { leaseDurationSeconds: -5 },
      ['spec.leaseDurationSeconds: Invalid value: -5: must be greater than 0'],
    ],
    [
      'negative transitions',
      { leaseTransitions: -1 },
      ['spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0'],
    ],
    ['null fields', { holderIdentity: null, leaseDurationSeconds: null, renewTime: null }, []],
    [
      'a string duration',
      { leaseDurationSeconds: '15' },
      ['spec.leaseDurationSeconds: Invalid value: "15": must be an integer'],
    ],
    [
      'a numeric holder',
      { holderIdentity: 1 },
      ['spec.holderIdentity: Invalid value: 1: must be a string'],
    ],
    [
      'a renewTime without microseconds',
      { renewTime: '2024-05-01T11:59:58Z' },
      [
        'spec.renewTime: Invalid value: "2024-05-01T11:59:58Z": must be a timestamp in RFC 3339 format with microseconds (e.g. 2006-01-02T15:04:05.000000Z)',
      ],
    ],
    ['a string spec', 'x', ['spec: Invalid value: "x": must be an object']],
    ['the built-in strategy', { strategy: 'OldestEmulationVersion', preferredHolder: 'cm-2' }, []],
    ['a domain-qualified strategy', { strategy: 'example.com/Fastest' }, []],
    [
      // Upstream repeats the field name in the path; clients see it that way.
      'an unknown strategy',
      { strategy: 'Fastest' },
      [
        'spec.strategy.strategy: Unsupported value: "Fastest": supported values: "OldestEmulationVersion"',
      ],
    ],
    [
      'a malformed qualified strategy',
      { strategy: 'example.com/-x' },
      [
        `spec.strategy.strategy: Invalid value: "example.com/-x": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ],
    ],
    [
      'a preferred holder without a strategy',
      { preferredHolder: 'cm-2' },
      ['spec.preferredHolder: Forbidden: may only be specified if `strategy` is defined'],
    ],
    ['an empty preferred holder', { preferredHolder: '' }, []],
  ])('%s', (_name, spec, want) => {
    expect(validate(spec)).toEqual(want);
  });
});

describe('lease table', () => {
  it('prints NAME, HOLDER, AGE', () => {
    expect(leases.strategy.columns.map((c) => c.name)).toEqual(['Name', 'Holder', 'Age']);
    expect(leases.strategy.cells(lease({ holderIdentity: 'cm-1_6c1e' }), NOW)).toEqual([
      'kube-controller-manager',
      'cm-1_6c1e',
      '60m',
    ]);
    expect(leases.strategy.cells(lease(undefined), NOW)).toEqual([
      'kube-controller-manager',
      '',
      '60m',
    ]);
  });
});

describe('leases resource', () => {
  it('is coordination.k8s.io/v1 Lease with upstream update rules', () => {
    expect([leases.group, leases.versions, leases.names.kind, leases.namespaced]).toEqual([
      'coordination.k8s.io',
      ['v1'],
      'Lease',
      true,
    ]);
    expect(leases.strategy).toMatchObject({
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: false,
    });
  });
});
