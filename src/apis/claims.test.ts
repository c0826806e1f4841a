import { describe, expect, it } from 'vitest';
import type { APIBinding, BindingPermissionClaim, ClaimSelector } from '../api/apis/types.ts';
import { builtinTypes } from '../apiserver/builtin/index.ts';
import type { ResourceType } from '../apiserver/registry/resource-type.ts';
import type { BindingRef } from './api-index.ts';
import {
  CLAIM_LABEL_PREFIX,
  claimLabelKey,
  claimLabelValue,
  wantedClaimLabels,
  withClaimLabels,
} from './claims.ts';

const typeOf = (plural: string) =>
  builtinTypes.find((t) => t.group === '' && t.names.plural === plural) as ResourceType;
const secrets = typeOf('secrets');
const configmaps = typeOf('configmaps');

function bindingRef(
  exportName: string,
  claims: Array<{ resource: string; state: 'Accepted' | 'Rejected'; selector?: ClaimSelector }>,
  phase: 'Binding' | 'Bound' = 'Bound',
): BindingRef {
  const spec: BindingPermissionClaim[] = claims.map((c) => ({
    group: '',
    resource: c.resource,
    verbs: ['*'],
    state: c.state,
    ...(c.selector ? { selector: c.selector } : {}),
  }));
  const binding: APIBinding = {
    apiVersion: 'apis.kcp.io/v1alpha2',
    kind: 'APIBinding',
    metadata: { name: exportName },
    spec: { reference: { export: { path: 'root:p', name: exportName } }, permissionClaims: spec },
    status: {
      phase,
      apiExportClusterName: 'provider1',
      appliedPermissionClaims: spec
        .filter((c) => c.state === 'Accepted')
        .map(({ group, resource, verbs }) => ({ group, resource, verbs })),
    },
  };
  return { cluster: 'tenant1', binding };
}

const secret = (labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'default', ...(labels ? { labels } : {}) },
});

describe('claim labels', () => {
  const key = claimLabelKey('provider1', 'db');
  const value = claimLabelValue({ group: '', resource: 'secrets' });

  it('are valid label names and values, distinct per export and per claim', () => {
    expect(key.startsWith(CLAIM_LABEL_PREFIX)).toBe(true);
    expect(key.slice(CLAIM_LABEL_PREFIX.length)).toMatch(/^[0-9a-f]{40}$/);
    expect(value).toMatch(/^[0-9a-f]{40}$/);
    expect(claimLabelKey('provider1', 'other')).not.toBe(key);
    expect(claimLabelKey('provider2', 'db')).not.toBe(key);
    expect(claimLabelValue({ group: '', resource: 'configmaps' })).not.toBe(value);
    expect(claimLabelValue({ group: '', resource: 'secrets', identityHash: 'abc' })).not.toBe(
      value,
    );
  });

  it.each([
    {
      name: 'an accepted claim on the type labels the object',
      bindings: [bindingRef('db', [{ resource: 'secrets', state: 'Accepted' }])],
      type: secrets,
      labels: undefined,
      want: { [key]: value },
    },
    {
      name: 'a rejected claim does not',
      bindings: [bindingRef('db', [{ resource: 'secrets', state: 'Rejected' }])],
      type: secrets,
      labels: undefined,
      want: {},
    },
    {
      name: 'a claim on another resource does not',
      bindings: [bindingRef('db', [{ resource: 'secrets', state: 'Accepted' }])],
      type: configmaps,
      labels: undefined,
      want: {},
    },
    {
      name: 'a binding not yet bound does not',
      bindings: [bindingRef('db', [{ resource: 'secrets', state: 'Accepted' }], 'Binding')],
      type: secrets,
      labels: undefined,
      want: {},
    },
    {
      name: 'a selector the object does not match does not',
      bindings: [
        bindingRef('db', [
          { resource: 'secrets', state: 'Accepted', selector: { matchLabels: { a: 'b' } } },
        ]),
      ],
      type: secrets,
      labels: { a: 'c' },
      want: {},
    },
    {
      name: 'a selector the object matches does',
      bindings: [
        bindingRef('db', [
          { resource: 'secrets', state: 'Accepted', selector: { matchLabels: { a: 'b' } } },
        ]),
      ],
      type: secrets,
      labels: { a: 'b' },
      want: { [key]: value },
    },
    {
      name: 'two exports claiming the type give two labels',
      bindings: [
        bindingRef('db', [{ resource: 'secrets', state: 'Accepted' }]),
        bindingRef('cache', [{ resource: 'secrets', state: 'Accepted' }]),
      ],
      type: secrets,
      labels: undefined,
      want: { [key]: value, [claimLabelKey('provider1', 'cache')]: value },
    },
  ])('$name', ({ bindings, type, labels, want }) => {
    expect(Object.fromEntries(wantedClaimLabels(bindings, type, secret(labels)))).toEqual(want);
  });

  it('replaces stale claim labels and keeps the others, or says nothing changes', () => {
    const wanted = new Map([[key, value]]);
    expect(withClaimLabels({ app: 'x' }, wanted)).toEqual({ app: 'x', [key]: value });
    expect(withClaimLabels({ app: 'x', [key]: value }, wanted)).toBeUndefined();
    expect(withClaimLabels({ [key]: 'tampered' }, wanted)).toEqual({ [key]: value });
    const stale = claimLabelKey('provider1', 'gone');
    expect(withClaimLabels({ app: 'x', [stale]: value }, new Map())).toEqual({ app: 'x' });
    expect(withClaimLabels(undefined, new Map())).toBeUndefined();
  });
});
