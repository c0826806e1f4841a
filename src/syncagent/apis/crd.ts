/**
 * The PublishedResource CRD the agent installs on the service cluster when it is absent
 * (server-side apply, field manager canopy-syncagent). Cluster-scoped, status subresource,
 * no printer columns (as api-syncagent's), and a structural schema that accepts both the
 * v0.2 shape the kcp workshop uses and the current one.
 */
import type { Logger } from 'pino';
import { type KubeClient, KubeError } from '../../controller/kube/client.ts';
import { CRDS, FIELD_MANAGER } from '../constants.ts';
import { PR_GROUP, PR_PLURAL, PR_VERSION } from './types.ts';

type Schema = Record<string, unknown>;

const str = (description?: string): Schema => ({
  type: 'string',
  ...(description ? { description } : {}),
});
const obj = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  ...extra,
});
const arr = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', items, ...extra });

const regex = obj({ pattern: str(), replacement: str() });
const template = obj({ template: str() });
const labelSelector = (extra: Record<string, Schema> = {}): Schema =>
  obj({
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
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
    identifier: str('Unique name of this related resource within the PublishedResource.'),
    origin: { type: 'string', enum: ['kcp', 'service'] },
    kind: str('Deprecated: ConfigMap or Secret.'),
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
    cleanup: { type: 'boolean' },
    cleanupPolicy: { type: 'string', enum: ['Orphan', 'OnPrimaryDeletion', 'MatchOrigin'] },
    watch: obj({
      byOwner: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      bySelector: labelSelector(),
    }),
    syncStatus: { type: 'boolean' },
  },
  { required: ['identifier', 'origin'] },
);

const spec = obj(
  {
    resource: obj(
      {
        apiGroup: str('API group of the resource on the service cluster.'),
        kind: str(),
        version: str('Deprecated: use versions.'),
        versions: arr(str()),
      },
      { required: ['apiGroup', 'kind'] },
    ),
    naming: obj({ namespace: str(), name: str() }),
    projection: obj({
      group: str(),
      version: str(),
      versions: { type: 'object', additionalProperties: { type: 'string' } },
      kind: str(),
      plural: str(),
      scope: { type: 'string', enum: ['Cluster', 'Namespaced'] },
      shortNames: arr(str()),
      categories: arr(str()),
    }),
    filter: obj({ namespace: labelSelector(), resource: labelSelector() }),
    enableWorkspacePaths: { type: 'boolean' },
    mutation: mutationSpec,
    related: arr(related),
    synchronization: obj({ enabled: { type: 'boolean' } }),
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
          openAPIV3Schema: obj(
            {
              apiVersion: str(),
              kind: str(),
              metadata: { type: 'object' },
              spec,
              status: obj({ resourceSchemaName: str() }),
            },
            {
              description:
                'PublishedResource describes how an API type on the service cluster is exposed in kcp workspaces.',
              required: ['spec'],
            },
          ),
        },
      },
    ],
  },
};

interface CrdStatus {
  status?: { conditions?: { type: string; status: string }[] };
}

/** Installs the CRD when absent (server-side apply), then waits until it is Established. */
export async function ensurePublishedResourceCrd(
  client: KubeClient,
  log: Logger,
): Promise<'installed' | 'present'> {
  const name = PUBLISHED_RESOURCE_CRD.metadata.name;
  let result: 'installed' | 'present' = 'present';
  const existing = await client.getOrUndefined<CrdStatus>(CRDS, undefined, name);
  if (!existing) {
    try {
      await client.patch(CRDS, undefined, name, PUBLISHED_RESOURCE_CRD, {
        type: 'application/apply-patch+yaml',
        query: { fieldManager: FIELD_MANAGER, force: 'true' },
      });
    } catch (err) {
      // A server without apply: create.
      if (!(err instanceof KubeError) || (err.code !== 415 && err.code !== 400)) throw err;
      await client.create(CRDS, undefined, PUBLISHED_RESOURCE_CRD).catch((e: unknown) => {
        if (!(e instanceof KubeError && e.code === 409)) throw e;
      });
    }
    result = 'installed';
    log.info({ crd: name }, 'installed the PublishedResource CRD');
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const crd = await client.getOrUndefined<CrdStatus>(CRDS, undefined, name);
    if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'))
      return result;
    if (Date.now() > deadline) throw new Error(`CRD ${name} did not become Established`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
