/**
 * The APIs the hub needs of its control plane. kcp's workspaces (`tenancy.kcp.io`): a
 * control plane without them (a plain Kubernetes API server, `canopy start --plain`) cannot
 * hold a catalog, which the hub says at once instead of retrying for ever. And CatalogEntry
 * in the catalog workspace: Canopy's control plane serves it itself (a system type with its
 * validation and the approval gate, `apis/`); one that does not, such as kcp, gets it from
 * the hub as a CRD of the same schema, as kedge's hub installs its CRDs at start-up. There
 * only the schema is checked on write: the reconcile still refuses an invalid entry (Ready
 * False with the field errors), but nothing stops whoever may write CatalogEntries from
 * setting the untrusted-claims annotation or `spec.apiExport.path`, so keep that to
 * administrators.
 */
import type { CustomResourceDefinition } from '../api/apiextensions/types.ts';
import { CATALOG_RESOURCE, PROVIDERS_GROUP } from '../api/providers/types.ts';
import type { APIResourceList } from '../apiserver/discovery/documents.ts';
import { systemTypeCrdSpec } from '../apiserver/registry/system-type.ts';
import { isNotFound, type KubeClient, type ResourceRef } from '../controller/kube/client.ts';
import {
  CUSTOM_RESOURCE_DEFINITIONS,
  installCrd,
  waitEstablished,
} from '../controller/kube/crds.ts';
import { catalogEntryDefinition } from './apis/catalogentries.ts';
import { CATALOG_ENTRIES } from './catalog.ts';
import { FIELD_MANAGER } from './control-plane.ts';
import { WORKSPACES } from './refs.ts';

export const CATALOG_ENTRY_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${CATALOG_RESOURCE}.${PROVIDERS_GROUP}` },
  spec: systemTypeCrdSpec(catalogEntryDefinition),
} satisfies CustomResourceDefinition;

/** A control plane the hub cannot work with; retrying would not help. */
export class UnsuitableControlPlaneError extends Error {}

/** Whether the workspace `client` points at serves `ref`, by its discovery document. */
export async function servesResource(client: KubeClient, ref: ResourceRef): Promise<boolean> {
  const groupVersion = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  try {
    const list = await client.request<APIResourceList>('GET', groupVersion);
    return list.resources.some((r) => r.name === ref.plural);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Throws UnsuitableControlPlaneError unless `root` (a client of root) serves workspaces. */
export async function requireWorkspaces(root: KubeClient, origin: string): Promise<void> {
  if (await servesResource(root, WORKSPACES)) return;
  throw new UnsuitableControlPlaneError(
    `the control plane at ${origin} serves no workspaces (${WORKSPACES.plural}.${WORKSPACES.group}/${WORKSPACES.version} in root): the hub needs a kcp-compatible control plane, such as canopy start without --plain, or kcp`,
  );
}

/**
 * Makes sure the catalog workspace (`catalog`) serves CatalogEntries: `system` when the
 * control plane serves them itself, `crd` when the hub's CRD does (installed, or brought up
 * to date with this hub's schema, and Established).
 */
export async function ensureCatalogApi(catalog: KubeClient): Promise<'system' | 'crd'> {
  const { name } = CATALOG_ENTRY_CRD.metadata;
  if (
    (await servesResource(catalog, CATALOG_ENTRIES)) &&
    !(await catalog.getOrUndefined(CUSTOM_RESOURCE_DEFINITIONS, undefined, name))
  )
    return 'system';
  await installCrd(catalog, CATALOG_ENTRY_CRD, FIELD_MANAGER);
  await waitEstablished(catalog, [name]);
  return 'crd';
}
