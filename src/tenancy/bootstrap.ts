/**
 * The root of the workspace tree: its LogicalCluster, the built-in WorkspaceTypes (root,
 * universal, organization, team) and what kcp grants in root to every authenticated user —
 * entering root, reading workspaces and types, and using the built-in types. Idempotent:
 * it runs on every start and only creates what is missing.
 */

import { RBAC_API_VERSION, RBAC_GROUP } from '../api/rbac/types.ts';
import {
  LOGICAL_CLUSTER_NAME,
  LOGICAL_CLUSTERS_GVR,
  PATH_ANNOTATION,
  ROOT,
  TYPE_ANNOTATION,
  WORKSPACE_TYPES_GVR,
  type WorkspaceType,
} from '../api/tenancy/types.ts';
import type { KubeObject } from '../apimachinery/meta.ts';
import { WORKSPACE_ACCESS_ROLE } from '../apiserver/authz/bootstrap-policy.ts';
import { AUTHENTICATED } from '../apiserver/authz/scopes.ts';
import type { Client, GroupVersionResource } from '../apiserver/client.ts';

const CLUSTER_ROLES = { group: RBAC_GROUP, version: 'v1', resource: 'clusterroles' };
const CLUSTER_ROLE_BINDINGS = { group: RBAC_GROUP, version: 'v1', resource: 'clusterrolebindings' };

const type = (name: string, spec: WorkspaceType['spec']): WorkspaceType => ({
  apiVersion: 'tenancy.kcp.io/v1alpha1',
  kind: 'WorkspaceType',
  metadata: { name },
  spec,
});

export const BUILTIN_WORKSPACE_TYPES: readonly WorkspaceType[] = [
  type('root', {
    defaultChildWorkspaceType: { name: 'organization', path: ROOT },
    limitAllowedParents: { none: true },
  }),
  type('universal', { initializer: true }),
  type('organization', {
    extend: { with: [{ name: 'universal', path: ROOT }] },
    defaultChildWorkspaceType: { name: 'universal', path: ROOT },
    limitAllowedParents: { types: [{ name: 'root', path: ROOT }] },
  }),
  type('team', {
    extend: { with: [{ name: 'universal', path: ROOT }] },
    defaultChildWorkspaceType: { name: 'universal', path: ROOT },
    limitAllowedParents: {
      types: [
        { name: 'organization', path: ROOT },
        { name: 'team', path: ROOT },
      ],
    },
  }),
];

const authenticated = [{ apiGroup: RBAC_GROUP, kind: 'Group', name: AUTHENTICATED }];
const binding = (name: string, role: string) => ({
  apiVersion: RBAC_API_VERSION,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
  subjects: authenticated,
});

/** Roles and bindings kcp has in root for every authenticated user. */
const ROOT_RBAC: ReadonlyArray<{ gvr: GroupVersionResource; object: KubeObject }> = [
  {
    gvr: CLUSTER_ROLES,
    object: {
      apiVersion: RBAC_API_VERSION,
      kind: 'ClusterRole',
      metadata: { name: WORKSPACE_ACCESS_ROLE },
      rules: [{ nonResourceURLs: ['/'], verbs: ['access'] }],
    },
  },
  {
    gvr: CLUSTER_ROLE_BINDINGS,
    object: binding('system:kcp:tenancy:authenticated:access', WORKSPACE_ACCESS_ROLE),
  },
  {
    gvr: CLUSTER_ROLES,
    object: {
      apiVersion: RBAC_API_VERSION,
      kind: 'ClusterRole',
      metadata: { name: 'system:kcp:authenticated:tenancy:reader' },
      rules: [
        {
          apiGroups: ['tenancy.kcp.io'],
          resources: ['workspaces', 'workspacetypes'],
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: ['core.kcp.io'],
          resources: ['logicalclusters'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    },
  },
  {
    gvr: CLUSTER_ROLE_BINDINGS,
    object: binding(
      'system:kcp:authenticated:tenancy:reader',
      'system:kcp:authenticated:tenancy:reader',
    ),
  },
  {
    gvr: CLUSTER_ROLES,
    object: {
      apiVersion: RBAC_API_VERSION,
      kind: 'ClusterRole',
      metadata: { name: 'system:kcp:workspacetypes:use' },
      rules: [
        {
          apiGroups: ['tenancy.kcp.io'],
          resources: ['workspacetypes'],
          resourceNames: ['universal', 'organization', 'team'],
          verbs: ['use'],
        },
      ],
    },
  },
  {
    gvr: CLUSTER_ROLE_BINDINGS,
    object: binding('system:kcp:workspacetypes:use', 'system:kcp:workspacetypes:use'),
  },
];

async function ensure(
  client: Client,
  cluster: string,
  gvr: GroupVersionResource,
  object: KubeObject,
): Promise<void> {
  await client.resource(cluster, gvr).createIfAbsent(object);
}

export async function bootstrapRoot(client: Client, baseUrl: string): Promise<void> {
  await ensure(client, ROOT, LOGICAL_CLUSTERS_GVR, {
    apiVersion: 'core.kcp.io/v1alpha1',
    kind: 'LogicalCluster',
    metadata: {
      name: LOGICAL_CLUSTER_NAME,
      annotations: { [PATH_ANNOTATION]: ROOT, [TYPE_ANNOTATION]: `${ROOT}:root` },
    },
    spec: {},
  });
  await client.resource(ROOT, LOGICAL_CLUSTERS_GVR).modify(
    LOGICAL_CLUSTER_NAME,
    (cur) => ({
      ...cur,
      status: { ...(cur.status as object), phase: 'Ready', URL: `${baseUrl}/clusters/${ROOT}` },
    }),
    'status',
  );
  for (const t of BUILTIN_WORKSPACE_TYPES) await ensure(client, ROOT, WORKSPACE_TYPES_GVR, t);
  for (const { gvr, object } of ROOT_RBAC) await ensure(client, ROOT, gvr, object);
}
