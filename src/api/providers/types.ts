/**
 * kedge's CatalogEntry (providers.kedge.faros.sh/v1alpha1) as Canopy serves it, and the
 * names the hub's workspace topology, annotations and labels use. Field names are kedge's,
 * so its manifests apply unchanged; Canopy's additions are marked.
 */
import type { Condition, KubeObject } from '../../apimachinery/meta.ts';

export const PROVIDERS_GROUP = 'providers.kedge.faros.sh';
export const CATALOG_VERSION = 'v1alpha1';
export const CATALOG_API_VERSION = `${PROVIDERS_GROUP}/${CATALOG_VERSION}`;
export const CATALOG_RESOURCE = 'catalogentries';

/** The admin-only workspace holding the CatalogEntries (the only one serving them). */
export const CATALOG_WORKSPACE = 'root:kedge';
/** The parent of every provider's own workspace. */
export const PROVIDERS_WORKSPACE = `${CATALOG_WORKSPACE}:providers`;
/** The WorkspaceType (in the catalog workspace) of provider workspaces: no children. */
export const PROVIDER_WORKSPACE_TYPE = 'provider';

/** Lets an entry with claims that are not tenant-scoped become Ready. */
export const ACCEPT_UNTRUSTED_CLAIMS_ANNOTATION = 'kedge.faros.sh/accept-untrusted-claims';
/** The verb on catalogentries that setting or changing that approval needs. */
export const APPROVE_VERB = 'approve';
/** Entries the hub writes for providers compiled into Canopy. */
export const BUILTIN_LABEL = 'providers.kedge.faros.sh/builtin';
/** Held by every entry until the hub has cleaned up what it made for it. */
export const CATALOG_FINALIZER = 'providers.kedge.faros.sh/cleanup';

export interface PermissionClaimSpec {
  /** '' for the core group. */
  group?: string;
  resource: string;
  verbs?: string[];
  /** Bounded to the binding tenant's own workspace; others need the approval annotation. */
  tenantScoped?: boolean;
  /** The identity of the export serving the resource, for claims on another export's resources. */
  identityHash?: string;
}

export interface InlineSchema {
  /** `<plural>.<group>` of the schema. */
  groupResource: string;
  /** A whole APIResourceSchema YAML (or JSON) document. */
  body: string;
}

export interface CatalogEntrySpec {
  displayName: string;
  description?: string;
  category?: string;
  vendor?: string;
  version?: string;
  iconURL?: string;
  serviceAccountNamespace?: string;
  dependencies?: { name: string }[];
  ui?: {
    url?: string;
    indexPath?: string;
    builtinRoute?: string;
    children?: { displayName: string; builtinRoute: string }[];
  };
  backend?: { url: string; healthPath?: string };
  virtualWorkspace?: { url: string };
  edgeProxyAccess?: boolean;
  apiExport?: {
    name: string;
    /**
     * Canopy: the workspace of an export the provider manages itself (the sync agent's);
     * default `root:kedge:providers:<entry>`, which the hub creates.
     */
    path?: string;
    permissionClaims?: PermissionClaimSpec[];
    schemas?: InlineSchema[];
  };
}

export interface CatalogEntryStatus {
  /** The provider workspace's path. */
  workspace?: string;
  /** Canopy: the provider workspace's logical cluster. */
  logicalCluster?: string;
  endpoints?: { ui?: string; backend?: string; virtualWorkspace?: string };
  /** Canopy: the export's identity hash. */
  identityHash?: string;
  kubeconfigSecret?: { namespace: string; name: string };
  lastHeartbeat?: string;
  reportedVersion?: string;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface CatalogEntry extends KubeObject {
  spec: CatalogEntrySpec;
  status?: CatalogEntryStatus;
}
