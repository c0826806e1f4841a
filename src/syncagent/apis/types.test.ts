import { describe, expect, it } from 'vitest';
import { DEFAULT_NAMING, normalize, type PublishedResource } from './types.ts';

const pr = (spec: Record<string, unknown>): PublishedResource =>
  ({
    metadata: { name: 'p' },
    spec: { resource: { apiGroup: 'postgresql.cnpg.io', kind: 'Cluster', version: 'v1' }, ...spec },
  }) as PublishedResource;

describe('PublishedResource normalization', () => {
  it('accepts the workshop (v0.2) shape', () => {
    const n = normalize(
      pr({
        naming: { namespace: '$remoteClusterName', name: '$remoteName' },
        related: [
          {
            kind: 'Secret',
            origin: 'kcp',
            identifier: 'credentials',
            reference: { name: { path: 'spec.superuserSecret.name' } },
          },
        ],
      }),
    );
    expect(n.source).toEqual({ group: 'postgresql.cnpg.io', kind: 'Cluster', versions: ['v1'] });
    expect(n.naming).toEqual({ namespace: '$remoteClusterName', name: '$remoteName' });
    expect(n.related).toEqual([
      {
        identifier: 'credentials',
        origin: 'kcp',
        group: '',
        version: 'v1',
        resource: 'secrets',
        kind: 'Secret',
        destGroup: '',
        destVersion: 'v1',
        destResource: 'secrets',
        name: { kind: 'reference', path: 'spec.superuserSecret.name' },
        cleanupPolicy: 'OnPrimaryDeletion',
      },
    ]);
    expect(n.syncEnabled).toBe(true);
  });

  it('accepts the current shape with defaults', () => {
    const n = normalize(
      pr({
        resource: { apiGroup: 'postgresql.cnpg.io', kind: 'Cluster', versions: ['v1'] },
        synchronization: { enabled: false },
        related: [
          {
            identifier: 'creds',
            origin: 'service',
            resource: 'configmaps',
            object: {
              template: { template: '{{ .Object.metadata.name }}' },
              namespace: { reference: { path: 'spec.ns' } },
            },
            cleanupPolicy: 'Orphan',
          },
          {
            identifier: 'sel',
            origin: 'kcp',
            group: 'example.com',
            version: 'v1',
            resource: 'things',
            object: {
              selector: {
                matchLabels: { a: 'b' },
                rewrite: { template: { template: '{{ .Value }}' } },
              },
            },
            cleanup: false,
          },
        ],
      }),
    );
    expect(n.naming).toEqual(DEFAULT_NAMING);
    expect(n.syncEnabled).toBe(false);
    expect(n.related[0]).toMatchObject({
      kind: 'ConfigMap',
      name: { kind: 'template' },
      namespace: { kind: 'reference', path: 'spec.ns' },
      cleanupPolicy: 'Orphan',
    });
    expect(n.related[1]).toMatchObject({
      kind: 'Thing',
      group: 'example.com',
      name: { kind: 'selector', rewrite: { template: '{{ .Value }}' } },
      cleanupPolicy: 'Orphan',
    });
  });

  it('rejects contradictions', () => {
    expect(() =>
      normalize(pr({ resource: { apiGroup: 'g', kind: 'K', version: 'v1', versions: ['v1'] } })),
    ).toThrow(/exclusive/);
    expect(() =>
      normalize(
        pr({
          related: [
            { identifier: 'a', origin: 'kcp', kind: 'Pod', reference: { name: { path: 'x' } } },
          ],
        }),
      ),
    ).toThrow(/ConfigMap or Secret/);
    expect(() =>
      normalize(
        pr({
          related: [
            {
              identifier: 'a',
              origin: 'elsewhere',
              kind: 'Secret',
              reference: { name: { path: 'x' } },
            },
          ],
        }),
      ),
    ).toThrow(/origin/);
    expect(() =>
      normalize(
        pr({
          related: [
            {
              identifier: 'a',
              origin: 'kcp',
              kind: 'Secret',
              object: { reference: { path: 'x' } },
            },
            {
              identifier: 'a',
              origin: 'kcp',
              kind: 'Secret',
              object: { reference: { path: 'y' } },
            },
          ],
        }),
      ),
    ).toThrow(/not unique/);
    expect(() =>
      normalize(pr({ related: [{ identifier: 'a', origin: 'kcp', kind: 'Secret' }] })),
    ).toThrow(/object/);
  });
});
