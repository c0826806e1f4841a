/**
 * Manifests the end-to-end tests share: the workshop's, read from
 * examples/dynamic-providers/ (the repository's one copy, which the docs and `canopy up`
 * use too), and the Cluster-like CRD the kcp plugin tests snapshot into an
 * APIResourceSchema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES } from '../../../src/cli/up/world.ts';

/** examples/dynamic-providers/. */
export { EXAMPLES };

/** CloudNativePG's own 1.25.1 release manifest (test/fixtures/cloudnative-pg/). */
export const CNPG_MANIFEST = join(
  import.meta.dirname,
  '..',
  '..',
  'fixtures',
  'cloudnative-pg',
  'cnpg-1.25.1.yaml',
);

/** The text of a file in examples/dynamic-providers/. */
export function example(name: string): string {
  return readFileSync(join(EXAMPLES, name), 'utf8');
}

/** A Cluster-like CRD; `primary` adds a printer column (a schema change for an export). */
export const clusterCrd = (primary = false) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusters.postgresql.cnpg.io
spec:
  group: postgresql.cnpg.io
  names:
    kind: Cluster
    listKind: ClusterList
    plural: clusters
    singular: cluster
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
${primary ? '        - name: Primary\n          type: string\n          jsonPath: .status.currentPrimary\n' : ''}      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                instances: {type: integer, minimum: 1}
            status:
              type: object
              properties:
                phase: {type: string}
                currentPrimary: {type: string}
      subresources:
        status: {}
`;
