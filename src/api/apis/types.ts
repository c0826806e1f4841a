/**
 * apis.kcp.io: APIResourceSchema, APIExport, APIBinding and APIExportEndpointSlice. The
 * interfaces are the storage versions (v1alpha2 for exports and bindings, as kcp stores
 * them); the v1alpha1 shapes exist for conversion.
 */
import type { Condition, KubeObject, LabelSelector } from '../../apimachinery/meta.ts';
import type { JSONSchemaProps } from '../../apimachinery/schema/types.ts';
import type {
  CustomResourceDefinitionNames,
  CustomResourceDefinitionVersion,
} from '../apiextensions/types.ts';

export const APIS_GROUP = 'apis.kcp.io';
export const SCHEMAS_GVR = {
  group: APIS_GROUP,
  version: 'v1alpha1',
  resource: 'apiresourceschemas',
};
export const EXPORTS_GVR = { group: APIS_GROUP, version: 'v1alpha2', resource: 'apiexports' };
export const BINDINGS_GVR = { group: APIS_GROUP, version: 'v1alpha2', resource: 'apibindings' };
export const ENDPOINT_SLICES_GVR = {
  group: APIS_GROUP,
  version: 'v1alpha1',
  resource: 'apiexportendpointslices',
};

/** Where an export's identity secret lives by default, and the key in it. */
export const IDENTITY_NAMESPACE = 'kcp-system';
export const IDENTITY_KEY = 'key';
/** Skips the endpoint slice made for every export. */
export const SKIP_ENDPOINT_SLICE_ANNOTATION = 'apiexports.apis.kcp.io/skip-endpointslice';
/** Holds a binding until the objects of its resources are deleted. */
export const BINDING_FINALIZER = 'apis.kcp.io/apibinding-finalizer';

/** A version of an APIResourceSchema: like a CRD's, with the OpenAPI schema held directly. */
export type SchemaVersion = Omit<CustomResourceDefinitionVersion, 'schema'> & {
  schema?: JSONSchemaProps;
};

export interface APIResourceSchema extends KubeObject {
  spec: {
    group: string;
    names: CustomResourceDefinitionNames;
    scope: 'Cluster' | 'Namespaced';
    versions: SchemaVersion[];
    nameValidation?: 'DNS1123Subdomain' | 'PathSegmentName';
    conversion?: { strategy: 'None' | 'Webhook' };
  };
}

export interface ExportResource {
  /** Plural resource name. */
  name: string;
  group: string;
  /** Name of the APIResourceSchema, `<prefix>.<name>.<group|core>`. */
  schema: string;
  storage: { crd?: Record<string, never>; virtual?: unknown };
}

export interface ExportPermissionClaim {
  group: string;
  resource: string;
  identityHash?: string;
  verbs: string[];
  defaultSelector?: { matchAll?: boolean } & LabelSelector;
}

export interface APIExport extends KubeObject {
  spec: {
    resources?: ExportResource[];
    identity?: { secretRef?: { namespace?: string; name?: string } };
    maximalPermissionPolicy?: { local?: Record<string, never> };
    permissionClaims?: ExportPermissionClaim[];
  };
  status?: {
    identityHash?: string;
    conditions?: Condition[];
    virtualWorkspaces?: Array<{ url: string }>;
  };
}

export type ClaimState = 'Accepted' | 'Rejected';

export interface ClaimSelector extends LabelSelector {
  matchAll?: boolean;
}

export interface BindingPermissionClaim {
  group: string;
  resource: string;
  identityHash?: string;
  verbs: string[];
  selector?: ClaimSelector;
  state: ClaimState;
}

export interface BoundResource {
  group: string;
  resource: string;
  schema: { name: string; UID: string; identityHash: string };
  storageVersions: string[];
}

export interface APIBinding extends KubeObject {
  spec: {
    reference: { export: { path?: string; name: string } };
    permissionClaims?: BindingPermissionClaim[];
  };
  status?: {
    apiExportClusterName?: string;
    boundResources?: BoundResource[];
    phase?: '' | 'Binding' | 'Bound';
    conditions?: Condition[];
    appliedPermissionClaims?: Array<Omit<BindingPermissionClaim, 'state'>>;
    exportPermissionClaims?: ExportPermissionClaim[];
  };
}

export interface APIExportEndpointSlice extends KubeObject {
  spec: { export: { path?: string; name: string }; partition?: string };
  status?: { endpoints?: Array<{ url: string }>; conditions?: Condition[]; shardSelector?: string };
}
