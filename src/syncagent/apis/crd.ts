/**
 * The PublishedResource CRD the agent installs on the service cluster when it is absent
 * (the controller toolkit's `installCrd`, field manager canopy-syncagent). Cluster-scoped, status subresource,
 * no printer columns (as api-syncagent's), and a structural schema that accepts both the
 * v0.2 shape the kcp workshop uses and the current one.
 */

import type { KubeClient } from '../../controller/kube/client.ts';
import {
  anyObject,
  arr,
  bool,
  obj,
  rootSchema,
  type Schema,
  str,
  stringMap,
} from '../../controller/kube/crd-schema.ts';
import { installCrd, waitEstablished } from '../../controller/kube/crds.ts';
import type { Logger } from '../../logging/logger.ts';
import { CRDS, FIELD_MANAGER } from '../constants.ts';
import { PR_GROUP, PR_PLURAL, PR_VERSION } from './types.ts';

const regex = obj({ pattern: str(), replacement: str() });
const template = obj({ template: str() });
const labelSelector = (extra: Record<string, Schema> = {}): Schema =>
  obj({
    matchLabels: stringMap(),
    matchExpressions: arr(
      obj({ key: str(), operator: str(), values: arr(str()) }, { required: ['key', 'operator'] }),
    ),
    ...extra,
  });
const mutation = obj({
  delete: obj({ path: str() }, { required: ['path'] }),
  regex: obj({ path: str(), pattern: str(), replacement: str() }, { required: ['path'] }),
  template: obj({ path: str(), template: str() }, { required: ['path', 'template'] }),
  cel: obj({ path: str(), expression: str() }, { required: ['path', 'expression'] }),
});
const mutationSpec = obj({ spec: arr(mutation), status: arr(mutation) });
const objectSpec = (): Record<string, Schema> => ({
  reference: obj({ path: str(), regex }, { required: ['path'] }),
  template,
  selector: labelSelector({
    rewrite: obj({ regex, template }),
  }),
});

const related = obj(
  {
    identifier: str({
      description: 'Unique name of this related resource within the PublishedResource.',
    }),
    origin: str({ enum: ['kcp', 'service'] }),
    kind: str({ description: 'Deprecated: ConfigMap or Secret.' }),
    group: str(),
    version: str(),
    resource: str(),
    identityHash: str(),
    // v0.2 shape
    reference: obj({
      name: obj({ path: str(), regex }, { required: ['path'] }),
      namespace: obj({ path: str(), regex }, { required: ['path'] }),
    }),
    // current shape
    object: obj({ ...objectSpec(), namespace: obj(objectSpec()) }),
    projection: obj({ group: str(), version: str(), resource: str() }),
    mutation: mutationSpec,
    cleanup: bool(),
    cleanupPolicy: str({ enum: ['Orphan', 'OnPrimaryDeletion', 'MatchOrigin'] }),
    watch: obj({
      byOwner: anyObject(),
      bySelector: labelSelector(),
    }),
    syncStatus: bool(),
  },
  { required: ['identifier', 'origin'] },
);

const spec = obj(
  {
    resource: obj(
      {
        apiGroup: str({ description: 'API group of the resource on the service cluster.' }),
        kind: str(),
        version: str({ description: 'Deprecated: use versions.' }),
        versions: arr(str()),
      },
      { required: ['apiGroup', 'kind'] },
    ),
    naming: obj({ namespace: str(), name: str() }),
    projection: obj({
      group: str(),
      version: str(),
      versions: stringMap(),
      kind: str(),
      plural: str(),
      scope: str({ enum: ['Cluster', 'Namespaced'] }),
      shortNames: arr(str()),
      categories: arr(str()),
    }),
    filter: obj({ namespace: labelSelector(), resource: labelSelector() }),
    enableWorkspacePaths: bool(),
    mutation: mutationSpec,
    related: arr(related),
    synchronization: obj({ enabled: bool() }),
  },
  { required: ['resource'] },
);

export const PUBLISHED_RESOURCE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${PR_PLURAL}.${PR_GROUP}` },
  spec: {
    group: PR_GROUP,
    names: {
      kind: 'PublishedResource',
      listKind: 'PublishedResourceList',
      plural: PR_PLURAL,
      singular: 'publishedresource',
    },
    scope: 'Cluster',
    versions: [
      {
        name: PR_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: rootSchema(spec, obj({ resourceSchemaName: str() }), {
            description:
              'PublishedResource describes how an API type on the service cluster is exposed in kcp workspaces.',
            required: ['spec'],
          }),
        },
      },
    ],
  },
};

/** Installs the CRD when absent, then waits until it is Established. */
export async function ensurePublishedResourceCrd(
  client: KubeClient,
  log: Logger,
): Promise<'installed' | 'present'> {
  const name = PUBLISHED_RESOURCE_CRD.metadata.name;
  let result: 'installed' | 'present' = 'present';
  if (!(await client.getOrUndefined(CRDS, undefined, name))) {
    await installCrd(client, PUBLISHED_RESOURCE_CRD, FIELD_MANAGER);
    result = 'installed';
    log.info({ crd: name }, 'installed the PublishedResource CRD');
  }
  await waitEstablished(client, [name]);
  return result;
}
