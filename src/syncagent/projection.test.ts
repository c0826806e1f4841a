import { describe, expect, it } from 'vitest';
import { normalize, type PublishedResource } from './apis/types.ts';
import {
  type Crd,
  compareKubeVersions,
  projectCrd,
  schemaName,
  toResourceSchema,
} from './projection.ts';

const crd = (): Crd => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'clusters.postgresql.cnpg.io', generation: 4 },
  spec: {
    group: 'postgresql.cnpg.io',
    names: {
      plural: 'clusters',
      singular: 'cluster',
      kind: 'Cluster',
      listKind: 'ClusterList',
      shortNames: ['cl'],
    },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: false,
        schema: { openAPIV3Schema: { type: 'object' } },
      },
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } },
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }],
      },
    ],
  },
});

const pr = (spec: Partial<PublishedResource['spec']>): PublishedResource => ({
  metadata: { name: 'p' },
  spec: { resource: { apiGroup: 'postgresql.cnpg.io', kind: 'Cluster' }, ...spec },
});

describe('projection and CRD → APIResourceSchema', () => {
  it('without projection keeps everything and syncs the storage version', () => {
    const p = projectCrd(crd(), normalize(pr({})));
    expect(p.group).toBe('postgresql.cnpg.io');
    expect(p.versions.map((v) => v.name)).toEqual(['v1beta1', 'v1']);
    expect(p.local).toEqual({
      group: 'postgresql.cnpg.io',
      version: 'v1',
      plural: 'clusters',
      namespaced: true,
      kind: 'Cluster',
    });
    expect(p.remote).toEqual(p.local);
    expect(p.hasStatus).toBe(true);
    // Its status schema has no conditions: the agent does not report there.
    expect(p.hasConditions).toBe(false);
  });

  it('knows whether the status keeps conditions the agent may add', () => {
    const withStatus = (status: object) => {
      const c = crd();
      const v1 = c.spec.versions[1] as (typeof c.spec.versions)[number];
      v1.schema = { openAPIV3Schema: { type: 'object', properties: { status } } };
      return projectCrd(c, normalize(pr({}))).hasConditions;
    };
    expect(
      withStatus({
        type: 'object',
        properties: { conditions: { type: 'array', items: { type: 'object' } } },
      }),
    ).toBe(true);
    expect(withStatus({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true })).toBe(true);
    expect(withStatus({ type: 'object', properties: { phase: { type: 'string' } } })).toBe(false);
  });

  it('projects group, kind (and thereby plural, singular, listKind), short names, categories, scope', () => {
    const p = projectCrd(
      crd(),
      normalize(
        pr({
          resource: { apiGroup: 'postgresql.cnpg.io', kind: 'Cluster', versions: ['v1'] },
          projection: {
            group: 'dbaas.example.com',
            kind: 'PostgresCluster',
            shortNames: [],
            categories: ['dbaas'],
            scope: 'Cluster',
          },
        }),
      ),
    );
    expect(p.names).toEqual({
      plural: 'postgresclusters',
      singular: 'postgrescluster',
      kind: 'PostgresCluster',
      listKind: 'PostgresClusterList',
      categories: ['dbaas'],
    });
    expect(p.scope).toBe('Cluster');
    expect(p.remote).toEqual({
      group: 'dbaas.example.com',
      version: 'v1',
      plural: 'postgresclusters',
      namespaced: false,
      kind: 'PostgresCluster',
    });
    expect(p.local.group).toBe('postgresql.cnpg.io');
  });

  it('picks a storage version among the chosen ones and renames versions', () => {
    const p = projectCrd(
      crd(),
      normalize(
        pr({
          resource: { apiGroup: 'postgresql.cnpg.io', kind: 'Cluster', version: 'v1beta1' },
          projection: { version: 'v2' },
        }),
      ),
    );
    expect(p.versions.map((v) => [v.name, v.storage])).toEqual([['v2', true]]);
    expect(p.local.version).toBe('v1beta1');
    expect(p.remote.version).toBe('v2');
    expect(p.hasStatus).toBe(false);
    const q = projectCrd(
      crd(),
      normalize(pr({ projection: { versions: { v1beta1: 'v1alpha9', v1: 'v2' } } })),
    );
    expect(q.versions.map((v) => v.name)).toEqual(['v1alpha9', 'v2']);
    expect(() =>
      projectCrd(crd(), normalize(pr({ projection: { versions: { v1beta1: 'v1' } } }))),
    ).toThrow(/twice/);
    expect(() =>
      projectCrd(
        crd(),
        normalize(
          pr({ resource: { apiGroup: 'postgresql.cnpg.io', kind: 'Cluster', versions: ['v9'] } }),
        ),
      ),
    ).toThrow(/does not contain/);
  });

  it('turns the projection into an APIResourceSchema v<hash>.<plural>.<group>; a changed CRD gives a new name', () => {
    const c = crd();
    const ars = toResourceSchema(projectCrd(c, normalize(pr({}))), c, 'agent');
    expect(ars.metadata.name).toMatch(/^v[0-9a-f]{8}\.clusters\.postgresql\.cnpg\.io$/);
    expect(ars.metadata.labels).toEqual({
      'syncagent.kcp.io/agent-name': 'agent',
      'syncagent.kcp.io/api-group': 'postgresql.cnpg.io',
    });
    expect(ars.metadata.annotations?.['syncagent.kcp.io/source-generation']).toBe('4');
    expect(ars.spec.conversion).toEqual({ strategy: 'None' });
    const v1 = ars.spec.versions.find((v) => v.name === 'v1');
    expect(v1?.schema).toEqual({ type: 'object', properties: { spec: { type: 'object' } } });
    expect(v1?.subresources).toEqual({ status: {} });
    expect(v1?.additionalPrinterColumns).toEqual([
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
    ]);
    // Same input, same name; any change, a new one.
    expect(
      toResourceSchema(projectCrd(crd(), normalize(pr({}))), crd(), 'agent').metadata.name,
    ).toBe(ars.metadata.name);
    const changed = crd();
    (
      changed.spec.versions[1] as { additionalPrinterColumns?: unknown[] }
    ).additionalPrinterColumns = [];
    expect(
      toResourceSchema(projectCrd(changed, normalize(pr({}))), changed, 'agent').metadata.name,
    ).not.toBe(ars.metadata.name);
    expect(schemaName({ ...ars.spec, group: '' })).toMatch(/^v[0-9a-f]{8}\.clusters\.core$/);
  });

  it('orders versions as Kubernetes does', () => {
    const sorted = ['v1', 'v2beta1', 'v1alpha1', 'v2', 'foo', 'v1beta2'].sort(compareKubeVersions);
    expect(sorted).toEqual(['foo', 'v1alpha1', 'v1beta2', 'v2beta1', 'v1', 'v2']);
  });
});
