import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { crdSnapshot, crdToAPIResourceSchema, snapshot, validateSnapshot } from './crd-snapshot.ts';
import { FakeKcp, fakeContext, kubeconfigFor } from './testing.ts';

const CLUSTER_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusters.postgresql.cnpg.io
  annotations:
    controller-gen.kubebuilder.io/version: v0.16.1
spec:
  group: postgresql.cnpg.io
  names:
    kind: Cluster
    plural: clusters
    shortNames: [pgcluster]
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      additionalPrinterColumns:
        - name: Instances
          type: integer
          jsonPath: .spec.instances
        - name: Status
          type: string
          jsonPath: .status.phase
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                instances: {type: integer, minimum: 1}
            status:
              type: object
              x-kubernetes-preserve-unknown-fields: true
      subresources:
        status: {}
`;

const CORE_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: services.core
spec:
  group: ""
  names: {kind: Service, listKind: ServiceList, plural: services, singular: service}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object}
`;

describe('CRD → APIResourceSchema', () => {
  it('names the schema <prefix>.<plural>.<group> and copies the versions', () => {
    expect(
      crdToAPIResourceSchema(parseAllDocuments(CLUSTER_CRD)[0]?.toJS(), 'v260801-ab12'),
    ).toEqual({
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIResourceSchema',
      metadata: { name: 'v260801-ab12.clusters.postgresql.cnpg.io' },
      spec: {
        conversion: { strategy: 'None' },
        group: 'postgresql.cnpg.io',
        names: {
          kind: 'Cluster',
          listKind: 'ClusterList',
          plural: 'clusters',
          shortNames: ['pgcluster'],
          singular: 'cluster',
        },
        scope: 'Namespaced',
        versions: [
          {
            additionalPrinterColumns: [
              { jsonPath: '.spec.instances', name: 'Instances', type: 'integer' },
              { jsonPath: '.status.phase', name: 'Status', type: 'string' },
            ],
            name: 'v1',
            schema: {
              properties: {
                spec: {
                  properties: { instances: { minimum: 1, type: 'integer' } },
                  type: 'object',
                },
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
              type: 'object',
            },
            served: true,
            storage: true,
            subresources: { status: {} },
          },
        ],
      },
    });
  });

  it('prints YAML documents separated by ---, as kcp lays them out, core group spelled core in the name', () => {
    expect(snapshot(CORE_CRD, 'today')).toBe(`apiVersion: apis.kcp.io/v1alpha1
kind: APIResourceSchema
metadata:
  name: today.services.core
spec:
  conversion:
    strategy: None
  group: ""
  names:
    kind: Service
    listKind: ServiceList
    plural: services
    singular: service
  scope: Namespaced
  versions:
  - name: v1
    schema:
      type: object
    served: true
    storage: true
    subresources: {}

---
`);
    const two = snapshot(`${CLUSTER_CRD}---\n${CORE_CRD}`, 'p');
    expect(two.match(/^---$/gm)).toHaveLength(2);
    expect(two).toContain('name: p.clusters.postgresql.cnpg.io');
    expect(two).toContain('name: p.services.core');
  });

  it('derives the name from plural and group when the CRD has none', () => {
    const crd = parseAllDocuments(CORE_CRD)[0]?.toJS() as { metadata: { name?: string } };
    delete crd.metadata.name;
    expect((crdToAPIResourceSchema(crd, 'x').metadata as { name: string }).name).toBe(
      'x.services.core',
    );
  });

  it('prints JSON with -o json', () => {
    const out = snapshot(CORE_CRD, 'today', 'json');
    expect(out.endsWith('}\n\n---\n')).toBe(true);
    expect(JSON.parse(out.split('\n')[0] as string).metadata.name).toBe('today.services.core');
  });

  it('rejects bad prefixes, non-CRDs and bad flags', () => {
    expect(() => snapshot(CORE_CRD, 'Bad_Prefix')).toThrow(
      /^error converting CRD: metadata.name: Invalid value: "Bad_Prefix.services.core": a lowercase RFC 1123 subdomain/,
    );
    expect(() => snapshot('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', 'p')).toThrow(
      'error converting CRD: unexpected type for CRD ConfigMap',
    );
    expect(() => validateSnapshot({})).toThrow('[--filename is required, --prefix is required]');
    expect(() => validateSnapshot({ filename: 'f' })).toThrow('--prefix is required');
    expect(() => validateSnapshot({ filename: 'f', prefix: 'p', output: 'xml' })).toThrow(
      'invalid value "xml" for --output; valid values are json, yaml',
    );
  });

  const dir = mkdtempSync(join(tmpdir(), 'crd-snapshot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file or stdin', async () => {
    const file = join(dir, 'crd.yaml');
    writeFileSync(file, CLUSTER_CRD);
    const ctx = fakeContext(new FakeKcp(), kubeconfigFor('https://x'));
    await crdSnapshot(ctx, { filename: file, prefix: 'v1' });
    expect(ctx.stdout()).toContain('name: v1.clusters.postgresql.cnpg.io');
    const fromStdin = fakeContext(new FakeKcp(), kubeconfigFor('https://x'));
    fromStdin.stdin = CORE_CRD;
    await crdSnapshot(fromStdin, { filename: '-', prefix: 'v1' });
    expect(fromStdin.stdout()).toContain('name: v1.services.core');
    await expect(
      crdSnapshot(ctx, { filename: join(dir, 'missing.yaml'), prefix: 'v1' }),
    ).rejects.toThrow(/^error opening .*missing.yaml: /);
  });
});
