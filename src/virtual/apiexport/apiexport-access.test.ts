/**
 * What a provider reaches through the APIExport virtual workspace, one table row per rule:
 * kcp's bound-API check on requests into one workspace, the claim filter (label, verbs
 * granted now, watches seeing revocations, creates labelled into the selector, writes kept
 * inside it) and the filter of the APIBindings to the export.
 */
import { describe, expect, it } from 'vitest';
import type { APIBinding, APIExport, BindingPermissionClaim } from '../../api/apis/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import type { Grant } from '../../apis/claims.ts';
import {
  bindingsFilter,
  boundApiRefusal,
  claimFilter,
  grantInForce,
  grants,
} from './apiexport-access.ts';

const SECRETS = { group: '', resource: 'secrets' };

const exp: APIExport = {
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIExport',
  metadata: { name: 'postgresql' },
  spec: {
    permissionClaims: [
      { ...SECRETS, verbs: ['get', 'list', 'watch', 'create'] },
      { group: '', resource: 'configmaps', verbs: ['get'] },
      { group: '', resource: 'serviceaccounts', verbs: ['*'] },
    ],
  },
};

const binding = (o: {
  phase?: 'Bound' | 'Binding';
  claims?: Array<Omit<BindingPermissionClaim, 'verbs'> & { verbs?: string[] }>;
  applied?: Array<{ group: string; resource: string; verbs: string[] }>;
  exportCluster?: string;
  exportName?: string;
  cluster?: string;
}): APIBinding => ({
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIBinding',
  metadata: { name: 'db', annotations: { 'kcp.io/cluster': o.cluster ?? 'tenant-a' } },
  spec: {
    reference: { export: { path: 'root:providers:db', name: o.exportName ?? 'postgresql' } },
    permissionClaims: (o.claims ?? []).map((c) => ({ verbs: ['*'], ...c })),
  },
  status: {
    phase: o.phase ?? 'Bound',
    apiExportClusterName: o.exportCluster ?? 'provider-lc',
    boundResources: [
      {
        group: 'postgresql.cnpg.io',
        resource: 'clusters',
        schema: { name: 'v1.clusters.postgresql.cnpg.io', UID: 'u', identityHash: 'h' },
        storageVersions: ['v1'],
      },
    ],
    appliedPermissionClaims: o.applied ?? [],
  },
});

const acceptedSecrets = binding({
  claims: [{ ...SECRETS, state: 'Accepted' }],
  applied: [{ ...SECRETS, verbs: ['get', 'list', 'watch'] }],
});

describe("kcp's bound-API check on a request into one workspace", () => {
  const cases: Array<{
    name: string;
    binding: APIBinding | undefined;
    request: { apiGroup: string; resource: string; subresource?: string; verb: string };
    want: string | undefined;
  }> = [
    {
      name: 'a workspace that does not bind the export',
      binding: undefined,
      request: { apiGroup: 'postgresql.cnpg.io', resource: 'clusters', verb: 'get' },
      want: 'could not find suitable APIBinding in target logical cluster',
    },
    {
      name: 'a binding not in force yet',
      binding: binding({ phase: 'Binding' }),
      request: { apiGroup: 'postgresql.cnpg.io', resource: 'clusters', verb: 'get' },
      want: 'could not find suitable APIBinding in target logical cluster',
    },
    {
      name: 'a bound resource, any verb',
      binding: acceptedSecrets,
      request: { apiGroup: 'postgresql.cnpg.io', resource: 'clusters', verb: 'delete' },
      want: undefined,
    },
    {
      name: 'a claimed resource the tenant accepted, with a granted verb',
      binding: acceptedSecrets,
      request: { apiGroup: '', resource: 'secrets', verb: 'list' },
      want: undefined,
    },
    {
      name: 'a claimed resource the tenant accepted, with a verb it did not grant',
      binding: acceptedSecrets,
      request: { apiGroup: '', resource: 'secrets', verb: 'create' },
      want: 'not granted by the APIBinding to this export',
    },
    {
      name: 'the status of a claimed resource, with a granted verb',
      binding: acceptedSecrets,
      request: { apiGroup: '', resource: 'secrets', subresource: 'status', verb: 'get' },
      want: undefined,
    },
    {
      name: 'another subresource of a claimed resource (a token of a claimed account)',
      binding: binding({
        claims: [{ group: '', resource: 'serviceaccounts', state: 'Accepted' }],
        applied: [{ group: '', resource: 'serviceaccounts', verbs: ['*'] }],
      }),
      request: { apiGroup: '', resource: 'serviceaccounts', subresource: 'token', verb: 'create' },
      want: 'a permission claim does not reach the token subresource',
    },
    {
      name: 'a claimed resource the tenant rejected',
      binding: binding({ claims: [{ ...SECRETS, state: 'Rejected' }] }),
      request: { apiGroup: '', resource: 'secrets', verb: 'get' },
      want: 'failed to find suitable reason to allow access in APIBinding',
    },
    {
      name: "the workspace's APIBindings (read)",
      binding: acceptedSecrets,
      request: { apiGroup: 'apis.kcp.io', resource: 'apibindings', verb: 'list' },
      want: undefined,
    },
    {
      name: 'anything else of the workspace',
      binding: acceptedSecrets,
      request: { apiGroup: '', resource: 'pods', verb: 'get' },
      want: 'failed to find suitable reason to allow access in APIBinding',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(boundApiRefusal(c.binding, exp, c.request)).toBe(c.want);
    });
  }

  it('counts an update as granted by patch, and * as every verb', () => {
    expect(grants(['patch'], 'update')).toBe(true);
    expect(grants(['update'], 'patch')).toBe(false);
    expect(grants(['*'], 'deletecollection')).toBe(true);
  });

  it('grants nothing through a binding not in force', () => {
    expect(grantInForce(binding({ phase: 'Binding' }), SECRETS)).toBeUndefined();
    expect(grantInForce(acceptedSecrets, SECRETS)?.verbs).toEqual(['get', 'list', 'watch']);
  });
});

describe('the filter of a claimed resource', () => {
  const LABEL = 'claimed.internal.apis.kcp.io/abc';
  const secret = (
    cluster: string,
    labels: Record<string, string> = { [LABEL]: 'v' },
  ): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 's',
      namespace: 'default',
      labels,
      annotations: { 'kcp.io/cluster': cluster },
    },
  });
  /** tenant-a granted get/list/watch with a selector; tenant-b revoked. */
  const grantIn = (cluster: string): Grant | undefined =>
    cluster === 'tenant-a'
      ? { verbs: ['get', 'list', 'watch'], selector: { matchLabels: { share: 'yes' } } }
      : undefined;
  const filter = (target: string) =>
    claimFilter({ labelKey: LABEL, labelValue: 'v', target, wildcard: target === '*', grantIn });

  const cases: Array<{
    name: string;
    target: string;
    obj: KubeObject;
    verb: string;
    want: boolean;
  }> = [
    {
      name: 'a labelled object of a granting workspace, read',
      target: '*',
      obj: secret('tenant-a'),
      verb: 'list',
      want: true,
    },
    {
      name: 'the same, with a verb not granted',
      target: '*',
      obj: secret('tenant-a'),
      verb: 'delete',
      want: false,
    },
    {
      name: 'an object without the claim label',
      target: '*',
      obj: secret('tenant-a', {}),
      verb: 'get',
      want: false,
    },
    {
      name: 'an object with another value of the label',
      target: '*',
      obj: secret('tenant-a', { [LABEL]: 'x' }),
      verb: 'get',
      want: false,
    },
    {
      name: 'a revoked grant: a watch still sees the object, to deliver its removal',
      target: '*',
      obj: secret('tenant-b'),
      verb: 'watch',
      want: true,
    },
    {
      name: 'a revoked grant: a list does not',
      target: '*',
      obj: secret('tenant-b'),
      verb: 'list',
      want: false,
    },
    {
      name: "one workspace's request sees only that workspace",
      target: 'tenant-a',
      obj: secret('tenant-b'),
      verb: 'watch',
      want: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(filter(c.target).visible(c.obj, c.verb)).toBe(c.want);
    });
  }

  it("labels a provider's create into the claim's selector", () => {
    const obj = secret('tenant-a', { app: 'x' });
    filter('tenant-a').prepareCreate?.(obj);
    expect(obj.metadata.labels).toEqual({ app: 'x', share: 'yes' });
  });

  it('refuses a write that would leave the claim (no label after admission)', () => {
    expect(filter('tenant-a').refusal?.(secret('tenant-a', {}))).toMatch(
      /outside what the APIBinding grants/,
    );
    expect(filter('tenant-a').refusal?.(secret('tenant-a'))).toBeUndefined();
  });
});

describe('the filter of the APIBindings to the export', () => {
  const cases: Array<{ name: string; obj: APIBinding; target: string; want: boolean }> = [
    { name: 'a binding in force to this export', obj: binding({}), target: '*', want: true },
    { name: 'not in force', obj: binding({ phase: 'Binding' }), target: '*', want: false },
    {
      name: "to another provider's export of that name",
      obj: binding({ exportCluster: 'other-lc' }),
      target: '*',
      want: false,
    },
    { name: 'to another export', obj: binding({ exportName: 'mysql' }), target: '*', want: false },
    {
      name: 'in another workspace than the request’s',
      obj: binding({ cluster: 'tenant-b' }),
      target: 'tenant-a',
      want: false,
    },
    {
      name: 'in the request’s workspace',
      obj: binding({ cluster: 'tenant-a' }),
      target: 'tenant-a',
      want: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const filter = bindingsFilter({
        exportCluster: 'provider-lc',
        exportName: 'postgresql',
        target: c.target,
        wildcard: c.target === '*',
      });
      expect(filter.visible(c.obj, 'list')).toBe(c.want);
    });
  }
});
