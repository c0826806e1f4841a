/**
 * kcp's tenancy and core APIs as Canopy serves them: Workspace and WorkspaceType
 * (tenancy.kcp.io/v1alpha1) and LogicalCluster (core.kcp.io/v1alpha1), with the
 * annotations, finalizers and phases kcp's tools and controllers rely on.
 */
import type { Condition, KubeObject, LabelSelector } from '../../apimachinery/meta.ts';
import type { PolicyRule } from '../rbac/types.ts';

export const TENANCY_GROUP = 'tenancy.kcp.io';
export const CORE_GROUP = 'core.kcp.io';
export const WORKSPACES_GVR = { group: TENANCY_GROUP, version: 'v1alpha1', resource: 'workspaces' };
export const WORKSPACE_TYPES_GVR = {
  group: TENANCY_GROUP,
  version: 'v1alpha1',
  resource: 'workspacetypes',
};
export const LOGICAL_CLUSTERS_GVR = {
  group: CORE_GROUP,
  version: 'v1alpha1',
  resource: 'logicalclusters',
};

/** The one LogicalCluster object inside every logical cluster. */
export const LOGICAL_CLUSTER_NAME = 'cluster';
export const ROOT = 'root';

/** Canonical path of a logical cluster, on its LogicalCluster. */
export const PATH_ANNOTATION = 'kcp.io/path';
/** Creator of a workspace (JSON user info), set by admission. */
export const OWNER_ANNOTATION = 'experimental.tenancy.kcp.io/owner';
/** `<path>:<name>` of a logical cluster's WorkspaceType, on its LogicalCluster. */
export const TYPE_ANNOTATION = 'internal.tenancy.kcp.io/type';
/** The logical cluster name a workspace was scheduled to, before spec.cluster is set. */
export const CLUSTER_NAME_ANNOTATION = 'internal.tenancy.kcp.io/cluster';
/** Holds a Workspace until its logical cluster is gone. */
export const LOGICAL_CLUSTER_FINALIZER = 'core.kcp.io/logicalcluster';
/** Holds a deleted LogicalCluster (Terminating) until its content is gone. */
export const CONTENT_FINALIZER = 'core.kcp.io/logicalcluster-content';

export type Phase = 'Scheduling' | 'Initializing' | 'Ready' | 'Unavailable' | 'Terminating';

export interface WorkspaceTypeReference {
  name: string;
  path?: string;
}

export interface Workspace extends KubeObject {
  spec: {
    type?: WorkspaceTypeReference;
    location?: { selector?: LabelSelector };
    cluster?: string;
    URL?: string;
    mount?: { ref: { apiVersion: string; kind: string; name: string; namespace?: string } };
  };
  status?: {
    phase?: Phase;
    conditions?: Condition[];
    initializers?: string[];
    terminators?: string[];
  };
}

export interface TypeConstraint {
  none?: boolean;
  types?: WorkspaceTypeReference[];
}

export interface WorkspaceType extends KubeObject {
  spec: {
    initializer?: boolean;
    terminator?: boolean;
    extend?: { with?: WorkspaceTypeReference[] };
    additionalWorkspaceLabels?: Record<string, string>;
    defaultChildWorkspaceType?: WorkspaceTypeReference;
    limitAllowedChildren?: TypeConstraint;
    limitAllowedParents?: TypeConstraint;
    defaultAPIBindings?: Array<{ path?: string; export: string }>;
    defaultAPIBindingLifecycle?: 'InitializeOnly' | 'Maintain';
    initializerPermissions?: PolicyRule[];
    terminatorPermissions?: PolicyRule[];
  };
  status?: { conditions?: Condition[]; virtualWorkspaces?: Array<{ url: string }> };
}

export interface LogicalClusterOwner {
  apiVersion: string;
  resource: string;
  name: string;
  namespace?: string;
  cluster: string;
  uid: string;
}

export interface LogicalCluster extends KubeObject {
  spec: {
    directlyDeletable?: boolean;
    owner?: LogicalClusterOwner;
    createdBy?: { username?: string; uid?: string; groups?: string[] };
    initializers?: string[];
    terminators?: string[];
  };
  status?: {
    URL?: string;
    phase?: Phase;
    conditions?: Condition[];
    initializers?: string[];
    terminators?: string[];
  };
}
