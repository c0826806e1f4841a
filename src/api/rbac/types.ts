/**
 * rbac.authorization.k8s.io/v1 object types, shared by the RBAC strategies and the RBAC
 * authorizer. Nested types are type literals rather than interfaces so that they stay
 * assignable to the JSON value types objects are stored as.
 */
import type { KubeObject, LabelSelector } from '../../apimachinery/meta.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API_VERSION = `${RBAC_GROUP}/v1`;

/** Subject kinds; any other kind is refused by validation. */
export const USER_KIND = 'User';
export const GROUP_KIND = 'Group';
export const SERVICE_ACCOUNT_KIND = 'ServiceAccount';

/** Wildcards a rule may use in verbs, apiGroups, resources and nonResourceURLs. */
export const VERB_ALL = '*';
export const API_GROUP_ALL = '*';
export const RESOURCE_ALL = '*';
export const NON_RESOURCE_ALL = '*';

/**
 * What a rule allows: `verbs` on either resources (apiGroups × resources, optionally only
 * the named ones) or non-resource URLs (ClusterRoles only), never both.
 */
export type PolicyRule = {
  verbs: string[];
  apiGroups?: string[];
  /** Plural resource names, `resource/subresource`, `*` or `*\/subresource`. */
  resources?: string[];
  resourceNames?: string[];
  /** Partial URLs (`/healthz`), optionally ending in `*` as a prefix match. */
  nonResourceURLs?: string[];
};

/** Who a binding grants to. `apiGroup` is "" for ServiceAccounts, the RBAC group otherwise. */
export type Subject = {
  /** `User`, `Group` or `ServiceAccount`. */
  kind: string;
  apiGroup?: string;
  name: string;
  /** Required for ServiceAccounts in ClusterRoleBindings; RoleBindings default to their own. */
  namespace?: string;
};

/** The role a binding grants; immutable once the binding exists. */
export type RoleRef = {
  apiGroup: string;
  /** `Role` or `ClusterRole` (ClusterRoleBindings: only `ClusterRole`). */
  kind: string;
  name: string;
};

/** ClusterRoles whose rules the aggregation controller unions into this one. */
export type AggregationRule = {
  clusterRoleSelectors?: LabelSelector[];
};

export interface Role extends KubeObject {
  rules?: PolicyRule[] | null;
}

export interface ClusterRole extends KubeObject {
  rules?: PolicyRule[] | null;
  aggregationRule?: AggregationRule | null;
}

export interface RoleBinding extends KubeObject {
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}

export interface ClusterRoleBinding extends KubeObject {
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}
