import { describe, expect, it } from 'vitest';
import type { PublishedResource } from '../../apis/types.ts';
import { desiredExport, parseSchemaName } from './controller.ts';

const pr = (
  name: string,
  schema: string | undefined,
  spec: Record<string, unknown> = {},
): PublishedResource =>
  ({
    metadata: { name },
    spec: { resource: { apiGroup: 'postgresql.cnpg.io', kind: 'Cluster' }, ...spec },
    ...(schema ? { status: { resourceSchemaName: schema } } : {}),
  }) as PublishedResource;

describe('the APIExport the PublishedResources need', () => {
  it('parses schema names', () => {
    expect(parseSchemaName('v1a2b3c4d.clusters.postgresql.cnpg.io')).toEqual({
      group: 'postgresql.cnpg.io',
      resource: 'clusters',
    });
    expect(parseSchemaName('vabc.configmaps.core')).toEqual({ group: '', resource: 'configmaps' });
    expect(parseSchemaName('bad')).toBeUndefined();
  });

  it('one schema per group/resource, claims for related kinds, namespaces and events', () => {
    const { schemas, claims } = desiredExport([
      pr('cluster', 'v1.clusters.postgresql.cnpg.io', {
        related: [
          {
            identifier: 'c',
            origin: 'kcp',
            kind: 'Secret',
            reference: { name: { path: 'spec.x' } },
          },
        ],
      }),
      pr('db', 'v2.databases.postgresql.cnpg.io'),
      pr('pending', undefined),
      pr('cm', 'v3.things.example.com', {
        enableWorkspacePaths: true,
        related: [
          {
            identifier: 'c',
            origin: 'service',
            resource: 'configmaps',
            object: { reference: { path: 'spec.y' } },
          },
        ],
      }),
    ]);
    expect(Object.fromEntries(schemas)).toEqual({
      'postgresql.cnpg.io/clusters': 'v1.clusters.postgresql.cnpg.io',
      'postgresql.cnpg.io/databases': 'v2.databases.postgresql.cnpg.io',
      'example.com/things': 'v3.things.example.com',
    });
    expect(claims).toEqual([
      { group: '', resource: 'configmaps' },
      { group: '', resource: 'events' },
      { group: '', resource: 'namespaces' },
      { group: '', resource: 'secrets' },
      { group: 'core.kcp.io', resource: 'logicalclusters' },
    ]);
  });

  it('claims namespaces for a namespace filter, and nothing it exports itself', () => {
    const { claims } = desiredExport([
      pr('a', 'v1.clusters.postgresql.cnpg.io', {
        filter: { namespace: { matchLabels: { x: 'y' } } },
      }),
      pr('b', 'v1.databases.postgresql.cnpg.io', {
        related: [
          {
            identifier: 'c',
            origin: 'kcp',
            group: 'postgresql.cnpg.io',
            version: 'v1',
            resource: 'clusters',
            object: { reference: { path: 'spec.cluster.name' } },
          },
        ],
      }),
    ]);
    expect(claims).toEqual([
      { group: '', resource: 'events' },
      { group: '', resource: 'namespaces' },
    ]);
  });
});
