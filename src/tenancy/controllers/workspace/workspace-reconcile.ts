/**
 * What the workspace controller does with one Workspace, apart from its wiring
 * (`workspace-controller.ts`): every read goes through `WorkspaceLookups` and every write
 * through `WorkspaceOps`, functions the wiring builds on the in-process client and the
 * table tests (`workspace-reconcile.test.ts`) fake, as kcp's reconcilers take theirs.
 *
 * kcp's scheduling and phase reconcilers in one (Canopy has one shard):
 * - scheduling: a random logical cluster name is chosen and kept in an annotation (so a
 *   restart reuses it) together with the finalizer; then the LogicalCluster `cluster` is
 *   created in it (owner, creator, canonical path, type, initializers) and set
 *   Initializing; then `spec.cluster` and `spec.URL` are set. A name someone else's
 *   LogicalCluster holds is forgotten, and another is picked.
 * - phase: the LogicalCluster's phase and initializers are mirrored into the Workspace's
 *   status (its one status write).
 * - deletion: the LogicalCluster is marked Terminating and deleted, child workspaces and
 *   then all content are deleted, the LogicalCluster is let go, then the Workspace.
 * A logical cluster the Workspace does not own (`ownership.ts`) is never mirrored nor
 * emptied: the Workspace is Unavailable and its deletion leaves that cluster alone.
 */
import {
  CLUSTER_NAME_ANNOTATION,
  CONTENT_FINALIZER,
  LOGICAL_CLUSTER_FINALIZER,
  LOGICAL_CLUSTER_NAME,
  type LogicalCluster,
  OWNER_ANNOTATION,
  PATH_ANNOTATION,
  TENANCY_GROUP,
  TYPE_ANNOTATION,
  type Workspace,
  type WorkspaceTypeReference,
} from '../../../api/tenancy/types.ts';
import { sameStatusIgnoringTimes, setCondition } from '../../../apimachinery/conditions.ts';
import { joinPath } from '../../../apimachinery/logicalcluster.ts';
import type { Condition } from '../../../apimachinery/meta.ts';
import { isStatusError } from '../../../apimachinery/status.ts';
import { ownedBy } from '../../ownership.ts';
import type { ResolvedType } from '../../workspace-types.ts';

export type WorkspaceStatus = NonNullable<Workspace['status']>;

/** How soon a Workspace waiting for its parent or its content is looked at again. */
export const RETRY_MS = 300;

export interface WorkspaceLookups {
  /** The canonical path of a logical cluster, once the index knows it. */
  pathOf(cluster: string): string | undefined;
  /** The LogicalCluster of `cluster` as the informer holds it. */
  logicalCluster(cluster: string): LogicalCluster | undefined;
  resolveType(ref: WorkspaceTypeReference, fromPath: string): Promise<ResolvedType | undefined>;
  initializers(type: ResolvedType): Promise<string[]>;
  /** The server's public base URL (https://host:port), for spec.URL. */
  baseUrl(): string;
  randomClusterName(): string;
}

/** The writes, each on one object; `parent` is the logical cluster the Workspace is in. */
export interface WorkspaceOps {
  readonly workspace: {
    /** Records the chosen logical cluster name and the finalizer. */
    chooseCluster(parent: string, name: string, cluster: string): Promise<void>;
    /** Forgets a chosen name someone else holds. */
    forgetCluster(parent: string, name: string): Promise<void>;
    /** `spec.cluster` and `spec.URL`: scheduled. */
    setCluster(parent: string, name: string, cluster: string, url: string): Promise<void>;
    writeStatus(parent: string, name: string, status: WorkspaceStatus): Promise<void>;
    removeFinalizer(parent: string, name: string): Promise<void>;
  };
  readonly logicalCluster: {
    /** Creates it; throws AlreadyExists when `cluster` has one. */
    create(cluster: string, object: LogicalCluster): Promise<void>;
    /** A fresh read (not the informer's). */
    get(cluster: string): Promise<LogicalCluster | undefined>;
    /** Phase Initializing with URL and initializers, unless it is past Scheduling. */
    initialize(cluster: string, url: string, initializers: string[]): Promise<void>;
    /** Phase Terminating (new content is refused from then on), then deleted. */
    terminate(cluster: string): Promise<void>;
    /** Removes the content finalizer: the LogicalCluster goes. */
    release(cluster: string): Promise<void>;
  };
  /** Deletes the Workspaces in `cluster`; returns how many were there. */
  deleteChildWorkspaces(cluster: string): Promise<number>;
  /** Deletes every other object in `cluster`; returns how many were there. */
  deleteContent(cluster: string): Promise<number>;
  warn(fields: Record<string, unknown>, message: string): void;
}

export type WorkspaceResult = { readonly requeueAfterMs: number } | undefined;

/** One pass over a Workspace in `parent`. */
export async function reconcileWorkspace(
  parent: string,
  ws: Workspace,
  lookups: WorkspaceLookups,
  ops: WorkspaceOps,
): Promise<WorkspaceResult> {
  if (ws.metadata.deletionTimestamp) return finalizeWorkspace(parent, ws, ops);
  if (ws.spec?.mount) return undefined;
  if (!ws.spec?.cluster) return schedule(parent, ws, lookups, ops);
  const next = mirroredStatus(ws, lookups.logicalCluster(ws.spec.cluster));
  if (!sameStatusIgnoringTimes(next, ws.status ?? {}))
    await ops.workspace.writeStatus(parent, ws.metadata.name ?? '', next);
  return undefined;
}

/** The user recorded by admission in the owner annotation, as LogicalCluster's createdBy. */
export function parseOwner(text: string | undefined): LogicalCluster['spec']['createdBy'] {
  if (!text) return undefined;
  try {
    const user = JSON.parse(text) as { username?: string; uid?: string; groups?: string[] };
    return {
      ...(user.username ? { username: user.username } : {}),
      ...(user.uid ? { uid: user.uid } : {}),
      ...(user.groups ? { groups: user.groups } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The LogicalCluster a Workspace at `path` in `parent` gets. */
export function logicalClusterFor(input: {
  readonly parent: string;
  readonly path: string;
  readonly workspace: Workspace;
  readonly type: ResolvedType | undefined;
  readonly initializers: readonly string[];
}): LogicalCluster {
  const { workspace: ws, type } = input;
  const owner = ws.metadata.annotations?.[OWNER_ANNOTATION];
  const createdBy = parseOwner(owner);
  return {
    apiVersion: 'core.kcp.io/v1alpha1',
    kind: 'LogicalCluster',
    metadata: {
      name: LOGICAL_CLUSTER_NAME,
      finalizers: [CONTENT_FINALIZER],
      annotations: {
        [PATH_ANNOTATION]: input.path,
        ...(type ? { [TYPE_ANNOTATION]: `${type.path}:${type.name}` } : {}),
        ...(owner ? { [OWNER_ANNOTATION]: owner } : {}),
      },
    },
    spec: {
      owner: {
        apiVersion: `${TENANCY_GROUP}/v1alpha1`,
        resource: 'workspaces',
        name: ws.metadata.name ?? '',
        cluster: input.parent,
        uid: ws.metadata.uid ?? '',
      },
      ...(createdBy ? { createdBy } : {}),
      ...(input.initializers.length ? { initializers: [...input.initializers] } : {}),
    },
  };
}

async function schedule(
  parent: string,
  ws: Workspace,
  lookups: WorkspaceLookups,
  ops: WorkspaceOps,
): Promise<WorkspaceResult> {
  const name = ws.metadata.name ?? '';
  const chosen = ws.metadata.annotations?.[CLUSTER_NAME_ANNOTATION];
  if (!chosen || !ws.metadata.finalizers?.includes(LOGICAL_CLUSTER_FINALIZER)) {
    // Its write queues the Workspace again; the next pass creates the LogicalCluster.
    await ops.workspace.chooseCluster(parent, name, chosen ?? lookups.randomClusterName());
    return undefined;
  }
  const parentPath = lookups.pathOf(parent);
  if (parentPath === undefined) return { requeueAfterMs: RETRY_MS };
  const path = joinPath(parentPath, name);
  const type = ws.spec.type ? await lookups.resolveType(ws.spec.type, parentPath) : undefined;
  const initializers = type ? await lookups.initializers(type) : [];
  try {
    await ops.logicalCluster.create(
      chosen,
      logicalClusterFor({ parent, path, workspace: ws, type, initializers }),
    );
  } catch (err) {
    if (!isStatusError(err, 'AlreadyExists')) throw err;
    const existing = await ops.logicalCluster.get(chosen);
    if (existing?.spec.owner?.uid !== ws.metadata.uid) {
      ops.warn({ workspace: path, cluster: chosen }, 'logical cluster name taken; picking another');
      await ops.workspace.forgetCluster(parent, name);
      return undefined;
    }
  }
  const url = `${lookups.baseUrl()}/clusters/${path}`;
  await ops.logicalCluster.initialize(chosen, url, initializers);
  await ops.workspace.setCluster(parent, name, chosen, url);
  return undefined;
}

/**
 * The Workspace's status from its LogicalCluster (`undefined`: not there): scheduled when
 * it owns it, its phase (Unavailable when there is none to show) and initializers.
 */
export function mirroredStatus(ws: Workspace, lc: LogicalCluster | undefined): WorkspaceStatus {
  const status = ws.status ?? {};
  const conditions: Condition[] = structuredClone(status.conditions ?? []);
  const owned = lc === undefined || ownedBy(lc.spec?.owner?.uid, ws.metadata.uid);
  setCondition(
    conditions,
    owned
      ? { type: 'WorkspaceScheduled', status: 'True', reason: 'Scheduled', message: '' }
      : {
          type: 'WorkspaceScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: `logical cluster ${ws.spec.cluster} belongs to another workspace`,
        },
  );
  const phase = (owned && lc?.status?.phase) || 'Unavailable';
  const initializers = (owned && lc?.status?.initializers) || [];
  setCondition(
    conditions,
    initializers.length === 0 && phase === 'Ready'
      ? { type: 'WorkspaceInitialized', status: 'True', reason: 'Initialized', message: '' }
      : {
          type: 'WorkspaceInitialized',
          status: 'False',
          reason: 'InitializerExists',
          message: `Initializers still exist: [${initializers.join(' ')}]`,
        },
  );
  const { initializers: _previous, ...rest } = status;
  return { ...rest, phase, conditions, ...(initializers.length ? { initializers } : {}) };
}

/** A deleted Workspace: its logical cluster emptied first (when it owns it), then it goes. */
async function finalizeWorkspace(
  parent: string,
  ws: Workspace,
  ops: WorkspaceOps,
): Promise<WorkspaceResult> {
  const child = ws.spec?.cluster ?? ws.metadata.annotations?.[CLUSTER_NAME_ANNOTATION];
  if (child && (await emptyLogicalCluster(child, ws.metadata.uid, ops)) > 0)
    return { requeueAfterMs: RETRY_MS };
  if (ws.metadata.finalizers?.includes(LOGICAL_CLUSTER_FINALIZER))
    await ops.workspace.removeFinalizer(parent, ws.metadata.name ?? '');
  return undefined;
}

/**
 * Terminates the LogicalCluster, deletes child workspaces, then content, then lets the
 * LogicalCluster go; returns what is left. Only the cluster of the Workspace `owner` is
 * emptied: without its LogicalCluster (gone, or never made) there is nothing of it left,
 * and another's is not touched.
 */
async function emptyLogicalCluster(
  cluster: string,
  owner: string | undefined,
  ops: WorkspaceOps,
): Promise<number> {
  const current = await ops.logicalCluster.get(cluster);
  if (!current || !ownedBy(current.spec?.owner?.uid, owner)) return 0;
  if (!current.metadata.deletionTimestamp) await ops.logicalCluster.terminate(cluster);
  const children = await ops.deleteChildWorkspaces(cluster);
  if (children > 0) return children;
  const left = await ops.deleteContent(cluster);
  if (left > 0) return left;
  await ops.logicalCluster.release(cluster);
  return 0;
}
