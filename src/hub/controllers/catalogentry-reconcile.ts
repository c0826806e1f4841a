/**
 * The hub's reconcile of one CatalogEntry, idempotent, step by step, each step a condition
 * with a reason and a message a person can act on:
 * - WorkspaceReady: `root:kedge:providers:<name>` (WorkspaceType `provider`: no children),
 *   or the workspace `spec.apiExport.path` names (made by the export's owner);
 * - SchemasApplied: each inline schema created once and never changed (kcp's rule): a
 *   changed body under an existing name is refused and reported, the export keeps the old
 *   schema for that resource; a new name is added and the export moves to it;
 * - APIExportReady: the export with the entry's claims, once its identity exists (an
 *   export managed elsewhere is only read, its claims become the entry's);
 * - BindGrantReady: `bind` on exactly this export for `system:authenticated`;
 * - IdentityReady: the provider's ServiceAccount, token, role and kubeconfig Secret;
 * - Ready: all of them, claims that are not tenant-scoped approved
 *   (`kedge.faros.sh/accept-untrusted-claims`), and a heartbeat within 90 s for providers
 *   that have sent any.
 * The control plane is reached through `Objects`, functions the controller wires to the
 * admin client and tests to a fake.
 */
import type {
  APIExport,
  APIExportEndpointSlice,
  APIResourceSchema,
  ExportResource,
} from '../../api/apis/types.ts';
import type { Secret, ServiceAccount } from '../../api/core/types.ts';
import {
  ACCEPT_UNTRUSTED_CLAIMS_ANNOTATION,
  CATALOG_WORKSPACE,
  type CatalogEntry,
  type CatalogEntryStatus,
  type PermissionClaimSpec,
  PROVIDER_WORKSPACE_TYPE,
  PROVIDERS_WORKSPACE,
} from '../../api/providers/types.ts';
import type { ClusterRole, ClusterRoleBinding } from '../../api/rbac/types.ts';
import type { Workspace } from '../../api/tenancy/types.ts';
import { findCondition, setCondition } from '../../apimachinery/conditions.ts';
import { fieldErrorMessage } from '../../apimachinery/field-errors.ts';
import { type Condition, type KubeObject, nameOf } from '../../apimachinery/meta.ts';
import { isDNS1123Label } from '../../apimachinery/validation/names.ts';
import { isForbidden, type ResourceRef } from '../../controller/kube/client.ts';
import { parseInlineSchema, validateCatalogEntry } from '../apis/validation.ts';
import {
  CLUSTER_ROLE_BINDINGS,
  CLUSTER_ROLES,
  ENDPOINT_SLICES,
  EXPORTS,
  SCHEMAS,
  SECRETS,
  SERVICE_ACCOUNTS,
  WORKSPACES,
} from '../refs.ts';
import { providerWorkspacePath, splitPath, workspaceObject } from '../topology.ts';
import {
  bindGrant,
  exportSpec,
  IDENTITY_NAMESPACE,
  IDENTITY_SERVICE_ACCOUNT,
  IDENTITY_TOKEN_SECRET,
  identityGrant,
  KUBECONFIG_SECRET,
  kubeconfigSecretObject,
  SCHEMA_HASH_ANNOTATION,
  schemaHash,
  schemaObject,
  serviceAccountObject,
  tokenSecretObject,
} from './provisioning.ts';

/** The control plane as the reconcile sees it: objects by workspace path. */
export interface Objects {
  get<T extends KubeObject>(
    path: string,
    ref: ResourceRef,
    name: string,
    namespace?: string,
  ): Promise<T | undefined>;
  create<T extends KubeObject>(path: string, ref: ResourceRef, obj: T): Promise<T>;
  update<T extends KubeObject>(path: string, ref: ResourceRef, obj: T): Promise<T>;
  /** Deletes; nothing happens when it is already gone. */
  remove(path: string, ref: ResourceRef, name: string, namespace?: string): Promise<void>;
}

export interface ReconcileContext {
  readonly objects: Objects;
  /** The control plane's base URL as the hub reaches it (for the provider's kubeconfig). */
  readonly origin: string;
  /** The control plane's CA (base64 PEM), for the provider's kubeconfig. */
  readonly caData: string | undefined;
  readonly now: () => number;
}

export interface Outcome {
  readonly status: CatalogEntryStatus;
  /** Come back after this long (waiting for something, or for a heartbeat to expire). */
  readonly requeueAfterMs?: number;
  /** The claims tenants are asked to accept: the entry's, or those of an export managed elsewhere. */
  readonly claims: PermissionClaimSpec[];
}

export const CONDITIONS = [
  'WorkspaceReady',
  'SchemasApplied',
  'APIExportReady',
  'BindGrantReady',
  'IdentityReady',
] as const;
type ConditionType = (typeof CONDITIONS)[number] | 'Ready';

export const HEARTBEAT_TIMEOUT_MS = 90_000;
/**
 * How soon to look again while the control plane makes something (a workspace, an
 * identity, a token). The controller's watches bring those changes at once; this is the
 * fallback for a control plane whose watches do not.
 */
export const SOON_MS = 1_000;
/** How soon to look again for something a person or another process must make. */
const LATER_MS = 5_000;

/** The first step that is not done: what Ready says while there is one. */
function firstFailed(conditions: readonly Condition[]): Condition | undefined {
  return CONDITIONS.map((t) => findCondition(conditions, t)).find((c) => c?.status === 'False');
}

/** Thrown inside the reconcile to stop at a step whose condition says why. */
class Stop {
  readonly requeueAfterMs: number | undefined;
  constructor(requeueAfterMs?: number) {
    this.requeueAfterMs = requeueAfterMs;
  }
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Gets an object and creates or updates it to `desired` unless `same(current)`. */
async function ensure<T extends KubeObject>(
  objects: Objects,
  path: string,
  ref: ResourceRef,
  desired: T,
  same: (current: T) => boolean,
): Promise<T> {
  const name = nameOf(desired);
  const current = await objects.get<T>(path, ref, name, desired.metadata.namespace);
  if (!current) return objects.create(path, ref, desired);
  if (same(current)) return current;
  return objects.update(path, ref, {
    ...current,
    ...desired,
    metadata: {
      ...current.metadata,
      labels: { ...current.metadata.labels, ...desired.metadata.labels },
      annotations: { ...current.metadata.annotations, ...desired.metadata.annotations },
    },
  });
}

const sameRole = (desired: ClusterRole) => (c: ClusterRole) => sameJson(c.rules, desired.rules);
const sameBinding = (desired: ClusterRoleBinding) => (c: ClusterRoleBinding) =>
  sameJson(c.subjects, desired.subjects) && sameJson(c.roleRef, desired.roleRef);

/** The parts of an export's spec the hub sets, without what the server defaults. */
function exportShape(spec: APIExport['spec']) {
  return {
    resources: (spec.resources ?? []).map((r) => [r.name, r.group ?? '', r.schema]),
    claims: (spec.permissionClaims ?? []).map((c) => [
      c.group ?? '',
      c.resource,
      [...(c.verbs ?? [])],
      c.identityHash ?? '',
    ]),
  };
}

function claimKey(c: { group?: string; resource: string }): string {
  return `${c.resource}.${c.group || 'core'}`;
}

/** Claims of an export managed elsewhere, tenant-scoped as far as the entry says so. */
function claimsOfExport(
  exp: APIExport,
  declared: readonly PermissionClaimSpec[],
): PermissionClaimSpec[] {
  const byKey = new Map(declared.map((c) => [claimKey(c), c]));
  return (exp.spec.permissionClaims ?? []).map((c) => ({
    group: c.group,
    resource: c.resource,
    verbs: [...c.verbs],
    tenantScoped: byKey.get(claimKey(c))?.tenantScoped === true,
    ...(c.identityHash ? { identityHash: c.identityHash } : {}),
  }));
}

function describeUntrusted(claims: readonly PermissionClaimSpec[]): string {
  return claims.map((c) => `${(c.verbs ?? []).join(',')} on ${claimKey(c)}`).join('; ');
}

export async function reconcileEntry(entry: CatalogEntry, ctx: ReconcileContext): Promise<Outcome> {
  const { objects } = ctx;
  const name = entry.metadata.name ?? '';
  const spec = entry.spec;
  const exp = spec.apiExport;
  const managedWorkspace = !exp?.path;
  const path = exp?.path ?? providerWorkspacePath(name);
  const conditions: Condition[] = (entry.status?.conditions ?? []).map((c) => ({ ...c }));
  const status: CatalogEntryStatus = {
    ...(entry.status?.lastHeartbeat ? { lastHeartbeat: entry.status.lastHeartbeat } : {}),
    ...(entry.status?.reportedVersion ? { reportedVersion: entry.status.reportedVersion } : {}),
    ...(entry.metadata.generation !== undefined
      ? { observedGeneration: entry.metadata.generation }
      : {}),
    workspace: path,
    conditions,
  };
  const endpoints: NonNullable<CatalogEntryStatus['endpoints']> = {
    ...(spec.ui?.url ? { ui: spec.ui.url } : {}),
    ...(spec.backend?.url ? { backend: spec.backend.url } : {}),
  };
  let claims: PermissionClaimSpec[] = [...(exp?.permissionClaims ?? [])];
  const set = (type: ConditionType, ok: boolean, reason: string, message: string) =>
    setCondition(conditions, { type, status: ok ? 'True' : 'False', reason, message });
  /** `type` is not done, for `reason`; every later step waits for it. */
  const blocked = (type: (typeof CONDITIONS)[number], reason: string, message: string) => {
    set(type, false, reason, message);
    for (const later of CONDITIONS.slice(CONDITIONS.indexOf(type) + 1))
      set(later, false, 'Waiting', `waiting for ${type}`);
  };

  let requeueAfterMs: number | undefined;
  try {
    // Invalid entries reach here only from a control plane that does not validate them.
    const errors = [
      ...isDNS1123Label(name).map((m) => `metadata.name: ${m}`),
      ...validateCatalogEntry(entry).map(fieldErrorMessage),
    ];
    if (errors.length > 0) {
      blocked('WorkspaceReady', 'InvalidSpec', `fix the entry: ${errors.slice(0, 3).join('; ')}`);
      throw new Stop();
    }

    // The provider's workspace.
    const { parent, name: wsName } = splitPath(path);
    if (managedWorkspace) {
      const desired = workspaceObject(wsName, {
        name: PROVIDER_WORKSPACE_TYPE,
        path: CATALOG_WORKSPACE,
      });
      const existing = await objects.get<Workspace>(PROVIDERS_WORKSPACE, WORKSPACES, wsName);
      if (!existing) await objects.create(PROVIDERS_WORKSPACE, WORKSPACES, desired);
    }
    const ws = await objects.get<Workspace>(parent, WORKSPACES, wsName).catch((err: unknown) => {
      // The control plane answers for a parent workspace that does not exist as for one the
      // caller may not enter: 403.
      if (!managedWorkspace && isForbidden(err)) return undefined;
      throw err;
    });
    if (!ws) {
      blocked(
        'WorkspaceReady',
        'WorkspaceNotFound',
        managedWorkspace
          ? `workspace ${path} is being created`
          : `workspace ${path} (spec.apiExport.path) does not exist, or the hub may not enter it: create it, or drop spec.apiExport.path to have the hub make one`,
      );
      throw new Stop(managedWorkspace ? SOON_MS : LATER_MS);
    }
    if (ws.status?.phase !== 'Ready' || !ws.spec.cluster) {
      blocked(
        'WorkspaceReady',
        ws.status?.phase || 'Scheduling',
        `workspace ${path} is ${ws.status?.phase || 'being scheduled'}; the hub continues once it is Ready`,
      );
      throw new Stop(SOON_MS);
    }
    status.logicalCluster = ws.spec.cluster;
    set('WorkspaceReady', true, 'Ready', `workspace ${path} (logical cluster ${ws.spec.cluster})`);

    if (!exp) {
      for (const type of ['SchemasApplied', 'APIExportReady', 'BindGrantReady'] as const)
        set(type, true, 'NoAPIExport', 'the provider offers no API to bind');
    } else {
      // Schemas, created once and never changed.
      const current = await objects.get<APIExport>(path, EXPORTS, exp.name);
      const resources: ExportResource[] = [];
      const refused: string[] = [];
      if (managedWorkspace) {
        for (const inline of exp.schemas ?? []) {
          const parsed = parseInlineSchema(inline.body);
          if (!parsed.ok) continue; // validated above
          const desired = schemaObject(parsed.schema);
          const schemaName = nameOf(desired);
          const stored = await objects.get<APIResourceSchema>(path, SCHEMAS, schemaName);
          const resource = {
            name: parsed.schema.spec.names.plural,
            group: parsed.schema.spec.group,
          };
          if (!stored) await objects.create(path, SCHEMAS, desired);
          else if (
            stored.metadata.annotations?.[SCHEMA_HASH_ANNOTATION] !== schemaHash(parsed.schema)
          ) {
            refused.push(schemaName);
            const kept = current?.spec.resources?.find(
              (r) => r.name === resource.name && r.group === resource.group,
            );
            if (kept) resources.push(kept);
            continue;
          }
          resources.push({ ...resource, schema: schemaName, storage: { crd: {} } });
        }
        if (refused.length > 0)
          set(
            'SchemasApplied',
            false,
            'SchemaChanged',
            `APIResourceSchema ${refused.join(', ')} already exists with a different spec and schemas never change: give the changed schema a new name (e.g. a new date prefix); the export keeps serving the old one until then`,
          );
        else
          set(
            'SchemasApplied',
            true,
            'Applied',
            `${resources.length} APIResourceSchema(s) in ${path}`,
          );
      } else {
        set(
          'SchemasApplied',
          true,
          'ManagedElsewhere',
          `the export's owner manages its schemas in ${path}`,
        );
      }

      // The export.
      let exported = current;
      if (!managedWorkspace) {
        if (!exported) {
          blocked(
            'APIExportReady',
            'APIExportNotFound',
            `APIExport ${exp.name} is not in ${path} yet: its owner (e.g. a sync agent) creates it`,
          );
          throw new Stop(LATER_MS);
        }
        if ((exported.spec.resources ?? []).length === 0) {
          blocked(
            'APIExportReady',
            'NoResources',
            `APIExport ${exp.name} in ${path} exports no resources yet: its owner (e.g. a sync agent) adds them`,
          );
          throw new Stop(LATER_MS);
        }
        claims = claimsOfExport(exported, exp.permissionClaims ?? []);
      }
      const untrusted = claims.filter((c) => c.tenantScoped !== true);
      const approved = entry.metadata.annotations?.[ACCEPT_UNTRUSTED_CLAIMS_ANNOTATION] === 'true';
      if (untrusted.length > 0 && !approved) {
        const message = `claims that are not tenant-scoped need approval (${describeUntrusted(untrusted)}): someone allowed to approve catalogentries sets ${ACCEPT_UNTRUSTED_CLAIMS_ANNOTATION}: "true", or the provider marks them tenantScoped`;
        blocked('APIExportReady', 'UntrustedClaims', message);
        // Nobody new may bind an export whose claims are not approved.
        const grant = bindGrant(exp.name);
        await objects.remove(path, CLUSTER_ROLE_BINDINGS, nameOf(grant.binding));
        await objects.remove(path, CLUSTER_ROLES, nameOf(grant.role));
        throw new Stop();
      }
      if (managedWorkspace) {
        const desired: APIExport = {
          apiVersion: 'apis.kcp.io/v1alpha2',
          kind: 'APIExport',
          metadata: { name: exp.name },
          spec: exportSpec(entry, resources),
        };
        exported = await ensure(objects, path, EXPORTS, desired, (c) =>
          sameJson(exportShape(c.spec), exportShape(desired.spec)),
        );
      }
      const identityHash = exported?.status?.identityHash;
      if (!identityHash) {
        blocked('APIExportReady', 'IdentityPending', `APIExport ${exp.name} has no identity yet`);
        throw new Stop(SOON_MS);
      }
      status.identityHash = identityHash;
      set('APIExportReady', true, 'Ready', `APIExport ${path}:${exp.name}`);

      // Its endpoint slice (the virtual workspace URL), made when the control plane has none.
      const slice = await ensure<APIExportEndpointSlice>(
        objects,
        path,
        ENDPOINT_SLICES,
        {
          apiVersion: 'apis.kcp.io/v1alpha1',
          kind: 'APIExportEndpointSlice',
          metadata: { name: exp.name },
          spec: { export: { path, name: exp.name } },
        },
        () => true,
      );
      const url = slice.status?.endpoints?.[0]?.url;
      if (url) endpoints.virtualWorkspace = url;

      // The bind grant.
      const grant = bindGrant(exp.name);
      await ensure(objects, path, CLUSTER_ROLES, grant.role, sameRole(grant.role));
      await ensure(objects, path, CLUSTER_ROLE_BINDINGS, grant.binding, sameBinding(grant.binding));
      set('BindGrantReady', true, 'Granted', `every authenticated user may bind ${exp.name}`);
    }

    // The provider's identity.
    await ensure<ServiceAccount>(
      objects,
      path,
      SERVICE_ACCOUNTS,
      serviceAccountObject(),
      () => true,
    );
    const tokenSecret = await ensure<Secret>(
      objects,
      path,
      SECRETS,
      tokenSecretObject(),
      () => true,
    );
    const token = tokenSecret.data?.token;
    if (!token) {
      blocked(
        'IdentityReady',
        'TokenPending',
        `the token of ServiceAccount ${IDENTITY_SERVICE_ACCOUNT} is not issued yet`,
      );
      throw new Stop(SOON_MS);
    }
    if (exp) {
      const g = identityGrant(exp.name);
      await ensure(objects, path, CLUSTER_ROLES, g.role, sameRole(g.role));
      await ensure(objects, path, CLUSTER_ROLE_BINDINGS, g.binding, sameBinding(g.binding));
    }
    const kubeconfig = kubeconfigSecretObject({
      origin: ctx.origin,
      logicalCluster: status.logicalCluster,
      caData: ctx.caData,
      token: Buffer.from(token, 'base64').toString('utf8'),
    });
    await ensure(objects, path, SECRETS, kubeconfig, (c) => sameJson(c.data, kubeconfig.data));
    status.kubeconfigSecret = { namespace: IDENTITY_NAMESPACE, name: KUBECONFIG_SECRET };
    set(
      'IdentityReady',
      true,
      'Ready',
      `ServiceAccount ${IDENTITY_NAMESPACE}/${IDENTITY_SERVICE_ACCOUNT}; kubeconfig in Secret ${IDENTITY_NAMESPACE}/${KUBECONFIG_SECRET}`,
    );

    // Ready, as long as a provider that sends heartbeats keeps sending them.
    const last = status.lastHeartbeat ? Date.parse(status.lastHeartbeat) : undefined;
    const silentFor = last === undefined ? 0 : ctx.now() - last;
    const failed = firstFailed(conditions);
    if (failed) {
      set('Ready', false, failed.reason ?? 'NotReady', failed.message ?? '');
    } else if (last !== undefined && silentFor > HEARTBEAT_TIMEOUT_MS) {
      set(
        'Ready',
        false,
        'HeartbeatMissed',
        `no heartbeat since ${status.lastHeartbeat} (${Math.round(silentFor / 1000)} s): check that the provider is running and can reach the hub`,
      );
    } else {
      set('Ready', true, 'Ready', 'the provider can be enabled');
      if (last !== undefined) requeueAfterMs = HEARTBEAT_TIMEOUT_MS - silentFor + 100;
    }
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    requeueAfterMs = err.requeueAfterMs;
    const failed = firstFailed(conditions);
    if (failed) set('Ready', false, failed.reason ?? 'NotReady', failed.message ?? '');
  }
  status.endpoints = endpoints;
  return { status, claims, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
}

/**
 * Removes what the hub made for an entry. The provider workspace it made goes as a whole
 * (export, schemas, grants, identity: tenants' bindings then report the export missing);
 * in a workspace managed elsewhere only the grants and the identity go. True once done.
 */
export async function cleanupEntry(entry: CatalogEntry, objects: Objects): Promise<boolean> {
  const name = entry.metadata.name ?? '';
  const exp = entry.spec.apiExport;
  if (!exp?.path) {
    await objects.remove(PROVIDERS_WORKSPACE, WORKSPACES, name);
    return (await objects.get(PROVIDERS_WORKSPACE, WORKSPACES, name)) === undefined;
  }
  const path = exp.path;
  const { parent, name: wsName } = splitPath(path);
  // Gone (or never there): nothing of the hub's is left in it.
  const ws = await objects.get(parent, WORKSPACES, wsName).catch((err: unknown) => {
    if (isForbidden(err)) return undefined;
    throw err;
  });
  if (!ws) return true;
  for (const g of [bindGrant(exp.name), identityGrant(exp.name)]) {
    await objects.remove(path, CLUSTER_ROLE_BINDINGS, nameOf(g.binding));
    await objects.remove(path, CLUSTER_ROLES, nameOf(g.role));
  }
  await objects.remove(path, SECRETS, KUBECONFIG_SECRET, IDENTITY_NAMESPACE);
  await objects.remove(path, SECRETS, IDENTITY_TOKEN_SECRET, IDENTITY_NAMESPACE);
  await objects.remove(path, SERVICE_ACCOUNTS, IDENTITY_SERVICE_ACCOUNT, IDENTITY_NAMESPACE);
  return true;
}
