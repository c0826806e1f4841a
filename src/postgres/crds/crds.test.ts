import { describe, expect, it } from 'vitest';
import type { Schema } from '../../controller/kube/crd-schema.ts';
import { clusterCrd, databaseCrd } from './index.ts';

/** Paths of schema nodes under `path` that `kubectl explain` would show without a description. */
function undescribed(schema: Schema, path: string): string[] {
  const out = schema.description ? [] : [path];
  for (const [name, child] of Object.entries(schema.properties ?? {}))
    if (!['apiVersion', 'kind', 'metadata'].includes(name) || path !== '')
      out.push(...undescribed(child, path ? `${path}.${name}` : name));
  if (schema.items && !Array.isArray(schema.items) && schema.items.properties)
    for (const [name, child] of Object.entries(schema.items.properties))
      out.push(...undescribed(child, `${path}[].${name}`));
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object' && extra.properties)
    for (const [name, child] of Object.entries(extra.properties))
      out.push(...undescribed(child, `${path}{}.${name}`));
  return out;
}

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

  it('describe every field, so kubectl explain helps', () => {
    for (const crd of [clusterCrd, databaseCrd]) {
      const root = crd.spec.versions[0]?.schema.openAPIV3Schema as Schema;
      expect(undescribed(root, '').filter((p) => p !== '')).toEqual([]);
      expect(root.description).toBeTruthy();
    }
    const spec = clusterCrd.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
    expect(spec?.properties?.backup?.description).toMatch(/not honoured here/);
    expect(spec?.properties?.imageName?.description).toMatch(/major version/);
  });
});
