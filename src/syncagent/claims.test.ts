import { describe, expect, it } from 'vitest';
import { normalize, type PublishedResourceSpec } from './apis/types.ts';
import { claimsCondition, claimsToAsk, claimsToSync, notAccepted } from './claims.ts';

const spec = (extra: Partial<PublishedResourceSpec> = {}) =>
  normalize({
    apiVersion: 'syncagent.kcp.io/v1alpha1',
    kind: 'PublishedResource',
    metadata: { name: 'clusters' },
    spec: {
      resource: { apiGroup: 'postgresql.cnpg.io', version: 'v1', kind: 'Cluster' },
      ...extra,
    },
  });

const withSecrets = spec({
  related: [
    {
      identifier: 'superuser',
      origin: 'kcp',
      kind: 'Secret',
      reference: { name: { path: 'spec.superuserSecret.name' } },
    },
    {
      identifier: 'app',
      origin: 'service',
      kind: 'Secret',
      reference: { name: { path: 'metadata.name' } },
    },
  ],
});

describe('the claims of a PublishedResource', () => {
  it('syncs with the related resources, and asks for namespaces and events too', () => {
    expect(claimsToSync(withSecrets)).toEqual([{ group: '', resource: 'secrets' }]);
    expect(claimsToAsk(withSecrets)).toEqual([
      { group: '', resource: 'secrets' },
      { group: '', resource: 'namespaces' },
      { group: '', resource: 'events' },
    ]);
    expect(claimsToSync(spec())).toEqual([]);
    expect(claimsToAsk(spec())).toEqual([{ group: '', resource: 'events' }]);
  });

  it('needs namespaces for a namespace filter and logical clusters for workspace paths', () => {
    expect(
      claimsToSync(
        spec({ filter: { namespace: { matchLabels: { a: 'b' } } }, enableWorkspacePaths: true }),
      ),
    ).toEqual([
      { group: '', resource: 'namespaces' },
      { group: 'core.kcp.io', resource: 'logicalclusters' },
    ]);
  });
});

describe('claims a binding has not accepted', () => {
  const needed = [
    { group: '', resource: 'secrets' },
    { group: 'example.io', resource: 'widgets', identityHash: 'h4sh' },
  ];

  it('are those neither accepted nor matching by group, resource and identity', () => {
    expect(
      notAccepted(needed, {
        name: 'pg',
        permissionClaims: [
          { group: '', resource: 'secrets', state: 'Accepted' },
          { group: 'example.io', resource: 'widgets', identityHash: 'other', state: 'Accepted' },
        ],
      }),
    ).toEqual([needed[1]]);
    expect(
      notAccepted(needed, {
        name: 'pg',
        permissionClaims: [{ resource: 'secrets', state: 'Rejected' }],
      }),
    ).toEqual(needed);
    expect(notAccepted([], { name: 'pg', permissionClaims: [] })).toEqual([]);
    // What the export does not claim, the tenant cannot accept.
    expect(
      notAccepted(needed, {
        name: 'pg',
        permissionClaims: [],
        exportClaims: [{ group: '', resource: 'secrets' }],
      }),
    ).toEqual([needed[0]]);
  });

  it('are named in a Synced=False condition with the command that accepts them', () => {
    expect(claimsCondition('postgresql.cnpg.io', [{ group: '', resource: 'secrets' }])).toEqual({
      type: 'Synced',
      status: 'False',
      reason: 'PermissionClaimNotAccepted',
      message:
        'the provider cannot sync this object until APIBinding postgresql.cnpg.io accepts the permission claim on secrets; accept it with: kubectl kcp claims accept postgresql.cnpg.io --resource=secrets',
    });
    expect(claimsCondition('pg', [{ group: '', resource: 'namespaces' }, ...needed]).message).toBe(
      'the provider cannot sync this object until APIBinding pg accepts the permission claims on namespaces, secrets, widgets.example.io; accept them with: kubectl kcp claims accept pg --resource=namespaces,secrets && kubectl kcp claims accept pg --identity-hash=h4sh',
    );
  });
});
