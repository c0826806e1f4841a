/**
 * Manifests the end-to-end tests share: the workshop's, read from
 * examples/dynamic-providers/ (the repository's one copy, which the docs and `canopy up`
 * use too), the Cluster-like CRD the kcp plugin tests snapshot into an
 * APIResourceSchema, and the open Widget CRD the request tests write to.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES } from '../../../src/cli/up/world.ts';
import type { RawRequest, RawResponse } from './http.ts';
import { until } from './wait.ts';

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

/** A namespaced CRD of Widgets (example.com/v1) whose objects take any fields. */
export const openWidgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    ],
  },
};

/** Creates `openWidgetCrd` through `send` and waits until widgets are served. */
export async function serveOpenWidgets(
  send: (r: RawRequest) => Promise<RawResponse>,
): Promise<void> {
  const created = await send({
    method: 'POST',
    path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    body: JSON.stringify(openWidgetCrd),
  });
  if (created.status !== 201) {
    throw new Error(`creating the Widget CRD: ${created.status} ${created.body}`);
  }
  await until(
    'widgets served',
    async () =>
      (await send({ path: '/apis/example.com/v1/namespaces/default/widgets' })).status === 200,
  );
}
