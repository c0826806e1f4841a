/**
 * What the hub makes for a provider, as objects: its APIExport (v1alpha2), the bind grant
 * (a ClusterRole allowing `bind` on exactly that export, bound to `system:authenticated`),
 * and the provider's identity (a ServiceAccount, its token Secret, a role letting it read
 * the export and reach its virtual workspace, and a Secret with a kubeconfig for it).
 * Pure builders; `catalogentry-reconcile.ts` puts them in place.
 */
import { createHash } from 'node:crypto';
import type { APIExport, APIResourceSchema, ExportPermissionClaim } from '../../api/apis/types.ts';
import type { Secret, ServiceAccount } from '../../api/core/types.ts';
import type { CatalogEntry, PermissionClaimSpec } from '../../api/providers/types.ts';
import {
  type ClusterRole,
  type ClusterRoleBinding,
  type PolicyRule,
  RBAC_API_VERSION,
  RBAC_GROUP,
  type Subject,
} from '../../api/rbac/types.ts';
import { type Kubeconfig, serializeKubeconfig } from '../../apimachinery/kubeconfig.ts';
import { asJson } from '../../apimachinery/meta.ts';
import { canonicalJSON } from '../../apimachinery/schema/list-types.ts';

/** Where the provider's identity lives in its workspace. */
export const IDENTITY_NAMESPACE = 'default';
export const IDENTITY_SERVICE_ACCOUNT = 'kedge-provider';
export const IDENTITY_TOKEN_SECRET = 'kedge-provider-token';
export const KUBECONFIG_SECRET = 'kedge-provider-kubeconfig';
export const KUBECONFIG_KEY = 'kubeconfig';
/** On schemas the hub created: the hash of the body's spec, to tell a changed body. */
export const SCHEMA_HASH_ANNOTATION = 'providers.kedge.faros.sh/schema-hash';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'canopy-hub';

const managed = { [MANAGED_BY_LABEL]: MANAGED_BY };

/** kedge's names: `kedge:providers:bind:<export>`. */
export const bindGrantName = (exportName: string) => `kedge:providers:bind:${exportName}`;
export const identityRoleName = (exportName: string) => `kedge:providers:provider:${exportName}`;

/** The username a provider's ServiceAccount token authenticates as. */
export const IDENTITY_USERNAME = `system:serviceaccount:${IDENTITY_NAMESPACE}:${IDENTITY_SERVICE_ACCOUNT}`;

export function schemaHash(schema: APIResourceSchema): string {
  return createHash('sha256')
    .update(canonicalJSON(asJson(schema).spec))
    .digest('hex')
    .slice(0, 32);
}

/** The schema object the hub creates: the body's, marked as the hub's with its hash. */
export function schemaObject(schema: APIResourceSchema): APIResourceSchema {
  return {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: {
      name: schema.metadata.name,
      labels: { ...schema.metadata.labels, ...managed },
      annotations: { ...schema.metadata.annotations, [SCHEMA_HASH_ANNOTATION]: schemaHash(schema) },
    },
    spec: schema.spec,
  };
}

export function exportClaims(claims: readonly PermissionClaimSpec[]): ExportPermissionClaim[] {
  return claims.map((c) => ({
    group: c.group ?? '',
    resource: c.resource,
    verbs: [...(c.verbs ?? [])],
    ...(c.identityHash ? { identityHash: c.identityHash } : {}),
  }));
}

/** The export the hub keeps: `resources` as given, the entry's claims. */
export function exportSpec(
  entry: CatalogEntry,
  resources: NonNullable<APIExport['spec']['resources']>,
): APIExport['spec'] {
  return {
    resources,
    permissionClaims: exportClaims(entry.spec.apiExport?.permissionClaims ?? []),
  };
}

type Grant = { role: ClusterRole; binding: ClusterRoleBinding };

/** A ClusterRole of `rules` and its binding to `subject`, both named `name`, the hub's. */
function grant(name: string, rules: PolicyRule[], subject: Subject): Grant {
  return {
    role: {
      apiVersion: RBAC_API_VERSION,
      kind: 'ClusterRole',
      metadata: { name, labels: managed },
      rules,
    },
    binding: {
      apiVersion: RBAC_API_VERSION,
      kind: 'ClusterRoleBinding',
      metadata: { name, labels: managed },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
      subjects: [subject],
    },
  };
}

export function bindGrant(exportName: string): Grant {
  return grant(
    bindGrantName(exportName),
    [
      {
        apiGroups: ['apis.kcp.io'],
        resources: ['apiexports'],
        resourceNames: [exportName],
        verbs: ['bind'],
      },
    ],
    { apiGroup: RBAC_GROUP, kind: 'Group', name: 'system:authenticated' },
  );
}

/** What the provider's controllers may do in their workspace: read the export, use its VW. */
export function identityGrant(exportName: string): Grant {
  return grant(
    identityRoleName(exportName),
    [
      // Its workspace holds only its own export; list and watch take no names.
      {
        apiGroups: ['apis.kcp.io'],
        resources: ['apiexports'],
        verbs: ['get', 'list', 'watch'],
      },
      {
        apiGroups: ['apis.kcp.io'],
        resources: ['apiexports/content'],
        resourceNames: [exportName],
        verbs: ['*'],
      },
      {
        apiGroups: ['apis.kcp.io'],
        resources: ['apiexportendpointslices'],
        verbs: ['get', 'list', 'watch'],
      },
    ],
    { kind: 'ServiceAccount', name: IDENTITY_SERVICE_ACCOUNT, namespace: IDENTITY_NAMESPACE },
  );
}

export const serviceAccountObject = (): ServiceAccount => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name: IDENTITY_SERVICE_ACCOUNT, namespace: IDENTITY_NAMESPACE, labels: managed },
});

/** A long-lived token Secret, filled by the control plane's token controller. */
export const tokenSecretObject = (): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/service-account-token',
  metadata: {
    name: IDENTITY_TOKEN_SECRET,
    namespace: IDENTITY_NAMESPACE,
    labels: managed,
    annotations: { 'kubernetes.io/service-account.name': IDENTITY_SERVICE_ACCOUNT },
  },
});

/**
 * The provider's kubeconfig: its token, on the provider workspace addressed by logical
 * cluster (kcp's rule: by ID, never by path), with the control plane's CA.
 */
export function kubeconfigSecretObject(options: {
  origin: string;
  logicalCluster: string;
  caData: string | undefined;
  token: string;
}): Secret {
  const config: Kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'provider',
        cluster: {
          server: `${options.origin}/clusters/${options.logicalCluster}`,
          ...(options.caData ? { 'certificate-authority-data': options.caData } : {}),
        },
      },
    ],
    users: [{ name: IDENTITY_SERVICE_ACCOUNT, user: { token: options.token } }],
    contexts: [
      { name: 'provider', context: { cluster: 'provider', user: IDENTITY_SERVICE_ACCOUNT } },
    ],
    'current-context': 'provider',
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: KUBECONFIG_SECRET, namespace: IDENTITY_NAMESPACE, labels: managed },
    data: { [KUBECONFIG_KEY]: Buffer.from(serializeKubeconfig(config)).toString('base64') },
  };
}
