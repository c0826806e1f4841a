import { describe, expect, it } from 'vitest';
import { clusterCrd, databaseCrd } from './index.ts';

describe('CRDs', () => {
  it('Cluster: CloudNativePG 1.25 names, subresources and printer columns', () => {
    expect(clusterCrd.metadata.name).toBe('clusters.postgresql.cnpg.io');
    expect(clusterCrd.spec.names).toEqual({
      plural: 'clusters',
      singular: 'cluster',
      kind: 'Cluster',
      listKind: 'ClusterList',
    });
    const v = clusterCrd.spec.versions[0];
    expect(v?.subresources).toEqual({
      status: {},
      scale: { specReplicasPath: '.spec.instances', statusReplicasPath: '.status.instances' },
    });
    expect(v?.additionalPrinterColumns.map((c) => [c.name, c.type, c.jsonPath])).toEqual([
      ['Age', 'date', '.metadata.creationTimestamp'],
      ['Instances', 'integer', '.status.instances'],
      ['Ready', 'integer', '.status.readyInstances'],
      ['Status', 'string', '.status.phase'],
      ['Primary', 'string', '.status.currentPrimary'],
    ]);
    const spec = v?.schema.openAPIV3Schema.properties?.spec;
    expect(spec?.properties?.instances).toMatchObject({ minimum: 1, default: 1 });
    expect(spec?.properties?.affinity?.['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });

  it('Database: printer columns and reserved names', () => {
    const v = databaseCrd.spec.versions[0];
    expect(v?.additionalPrinterColumns.map((c) => [c.name, c.type, c.jsonPath])).toEqual([
      ['Age', 'date', '.metadata.creationTimestamp'],
      ['Cluster', 'string', '.spec.cluster.name'],
      ['PG Name', 'string', '.spec.name'],
      ['Applied', 'boolean', '.status.applied'],
      ['Message', 'string', '.status.message'],
    ]);
    const name = v?.schema.openAPIV3Schema.properties?.spec?.properties?.name;
    expect(name?.['x-kubernetes-validations']?.map((r) => r.message)).toEqual([
      'name is immutable',
      'the name postgres is reserved',
      'the name template0 is reserved',
      'the name template1 is reserved',
    ]);
  });
});
