/** The resources the hub reads and writes on the control plane, in the versions it uses. */
import type { ResourceRef } from '../controller/kube/client.ts';

const ref = (group: string, version: string, plural: string, namespaced = false): ResourceRef => ({
  group,
  version,
  plural,
  namespaced,
});

export const WORKSPACES = ref('tenancy.kcp.io', 'v1alpha1', 'workspaces');
export const WORKSPACE_TYPES = ref('tenancy.kcp.io', 'v1alpha1', 'workspacetypes');
export const SCHEMAS = ref('apis.kcp.io', 'v1alpha1', 'apiresourceschemas');
export const EXPORTS = ref('apis.kcp.io', 'v1alpha2', 'apiexports');
export const ENDPOINT_SLICES = ref('apis.kcp.io', 'v1alpha1', 'apiexportendpointslices');
export const BINDINGS = ref('apis.kcp.io', 'v1alpha2', 'apibindings');
export const CLUSTER_ROLES = ref('rbac.authorization.k8s.io', 'v1', 'clusterroles');
export const CLUSTER_ROLE_BINDINGS = ref('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings');
export const SERVICE_ACCOUNTS = ref('', 'v1', 'serviceaccounts', true);
export const SECRETS = ref('', 'v1', 'secrets', true);
