/**
 * The workspace controller (kcp's scheduling and phase reconcilers in one, as Canopy has
 * one shard):
 * - schedules a new Workspace: picks a random logical cluster name (kept in an annotation
 *   so a restart reuses it), adds the finalizer, creates the LogicalCluster `cluster` in it
 *   (owner, creator, canonical path, type, initializers), then sets spec.cluster and URL;
 * - mirrors the LogicalCluster's phase and initializers into the Workspace's status;
 * - deletes a deleted Workspace's child workspaces and content, then its LogicalCluster,
 *   then lets the Workspace go.
 * A logical cluster the Workspace does not own (`ownership.ts`) is never mirrored nor
 * emptied: the Workspace is Unavailable and its deletion leaves that cluster alone.
 */

import {
  CLUSTER_NAME_ANNOTATION,
  CONTENT_FINALIZER,
  LOGICAL_CLUSTER_FINALIZER,
  LOGICAL_CLUSTER_NAME,
  LOGICAL_CLUSTERS_GVR,
  type LogicalCluster,
  OWNER_ANNOTATION,
  PATH_ANNOTATION,
  TENANCY_GROUP,
  TYPE_ANNOTATION,
  WORKSPACES_GVR,
  type Workspace,
} from '../../../api/tenancy/types.ts';
import { sameStatusIgnoringTimes, setCondition } from '../../../apimachinery/conditions.ts';
import { joinPath } from '../../../apimachinery/logicalcluster.ts';
import type { Condition } from '../../../apimachinery/meta.ts';
import { isStatusError } from '../../../apimachinery/status.ts';
import type { Client } from '../../../apiserver/client.ts';
import type { TypeRegistry } from '../../../apiserver/registry/type-registry.ts';
import { Requeue, WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { objectKey, parseObjectKey } from '../../../storage/keys.ts';
import type { ClusterIndex } from '../../cluster-index.ts';
import { randomClusterName } from '../../names.ts';
import { ownedBy } from '../../ownership.ts';
import type { WorkspaceTypeResolver } from '../../workspace-types.ts';

const RETRY_MS = 300;

export interface WorkspaceControllerOptions {
  readonly client: Client;
  readonly index: ClusterIndex;
  readonly types: WorkspaceTypeResolver;
  readonly registry: TypeRegistry;
  readonly logger: Logger;
  /** The server's public base URL (https://host:port), for spec.URL. */
  readonly baseUrl: () => string;
}

export class WorkspaceController {
  private readonly o: WorkspaceControllerOptions;
  readonly queue: WorkQueue;

  constructor(options: WorkspaceControllerOptions) {
    this.o = options;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      name: 'workspace',
      logger: options.logger,
      concurrency: 8,
    });
    options.index.workspaces.onEvent((e) => {
      if (e.object) this.queue.add(e.key);
    });
    // A LogicalCluster's changes show in its Workspace.
    options.index.logicalClusters.onEvent((e) => {
      const owner = e.object?.spec?.owner;
      if (owner?.resource === 'workspaces') this.queue.add(workspaceKey(owner.cluster, owner.name));
    });
  }

  /** Queues what the informers already hold (call after they started). */
  resync(): void {
    for (const [key] of this.o.index.workspaces.entries()) this.queue.add(key);
  }

  private async reconcile(key: string): Promise<Requeue | undefined> {
    const ws = this.o.index.workspaces.get(key);
    if (!ws) return undefined;
    const parent = parseObjectKey(key).cluster;
    if (ws.metadata.deletionTimestamp) return this.delete(parent, ws);
    if (ws.spec?.mount) return undefined;
    if (!ws.spec?.cluster) return this.schedule(parent, ws);
    await this.mirror(parent, ws);
    return undefined;
  }

  private workspaces(cluster: string) {
    return this.o.client.resource(cluster, WORKSPACES_GVR);
  }

  private logicalCluster(cluster: string) {
    return this.o.client.resource(cluster, LOGICAL_CLUSTERS_GVR);
  }

  // ---- scheduling --------------------------------------------------------------------

  private async schedule(parent: string, ws: Workspace): Promise<Requeue | undefined> {
    const name = ws.metadata.name as string;
    const chosen = ws.metadata.annotations?.[CLUSTER_NAME_ANNOTATION];
    if (!chosen || !ws.metadata.finalizers?.includes(LOGICAL_CLUSTER_FINALIZER)) {
      await this.workspaces(parent).modify(name, (cur) => ({
        ...cur,
        metadata: {
          ...cur.metadata,
          annotations: {
            ...cur.metadata.annotations,
            [CLUSTER_NAME_ANNOTATION]: chosen ?? randomClusterName(),
          },
          finalizers: [...new Set([...(cur.metadata.finalizers ?? []), LOGICAL_CLUSTER_FINALIZER])],
        },
      }));
      return undefined;
    }
    const parentInfo = this.o.index.info(parent);
    if (!parentInfo) return new Requeue(RETRY_MS);
    const path = joinPath(parentInfo.path, name);
    const ref = ws.spec.type;
    const type = ref ? await this.o.types.resolve(ref, parentInfo.path) : undefined;
    const initializers = type ? await this.o.types.initializers(type) : [];
    const createdBy = parseOwner(ws.metadata.annotations?.[OWNER_ANNOTATION]);
    const lc: LogicalCluster = {
      apiVersion: 'core.kcp.io/v1alpha1',
      kind: 'LogicalCluster',
      metadata: {
        name: LOGICAL_CLUSTER_NAME,
        finalizers: [CONTENT_FINALIZER],
        annotations: {
          [PATH_ANNOTATION]: path,
          ...(type ? { [TYPE_ANNOTATION]: `${type.path}:${type.name}` } : {}),
          ...(ws.metadata.annotations?.[OWNER_ANNOTATION]
            ? { [OWNER_ANNOTATION]: ws.metadata.annotations[OWNER_ANNOTATION] }
            : {}),
        },
      },
      spec: {
        owner: {
          apiVersion: `${TENANCY_GROUP}/v1alpha1`,
          resource: 'workspaces',
          name,
          cluster: parent,
          uid: ws.metadata.uid ?? '',
        },
        ...(createdBy ? { createdBy } : {}),
        ...(initializers.length ? { initializers } : {}),
      },
    };
    const target = this.logicalCluster(chosen);
    try {
      await target.create(lc);
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      const existing = (await target.find(LOGICAL_CLUSTER_NAME)) as LogicalCluster | undefined;
      if (existing?.spec.owner?.uid !== ws.metadata.uid) {
        // The name is taken by someone else: forget it, pick another next time.
        this.o.logger.warn(
          { workspace: path, cluster: chosen },
          'logical cluster name taken; picking another',
        );
        await this.workspaces(parent).modify(name, (cur) => {
          const { [CLUSTER_NAME_ANNOTATION]: _taken, ...rest } = cur.metadata.annotations ?? {};
          return { ...cur, metadata: { ...cur.metadata, annotations: rest } };
        });
        return undefined;
      }
    }
    const url = `${this.o.baseUrl()}/clusters/${path}`;
    await target.modify(
      LOGICAL_CLUSTER_NAME,
      (cur) => {
        const status = (cur as LogicalCluster).status ?? {};
        if (status.phase && status.phase !== 'Scheduling') return cur;
        return { ...cur, status: { ...status, phase: 'Initializing', URL: url, initializers } };
      },
      'status',
    );
    await this.workspaces(parent).modify(name, (cur) => ({
      ...cur,
      spec: { ...(cur.spec as Workspace['spec']), cluster: chosen, URL: url },
    }));
    return undefined;
  }

  // ---- phase mirroring ---------------------------------------------------------------

  private async mirror(parent: string, ws: Workspace): Promise<void> {
    const cluster = ws.spec.cluster as string;
    const lc = this.o.index.logicalClusters.get(
      objectKey({
        group: LOGICAL_CLUSTERS_GVR.group,
        resource: LOGICAL_CLUSTERS_GVR.resource,
        cluster,
        name: LOGICAL_CLUSTER_NAME,
      }),
    );
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
            message: `logical cluster ${cluster} belongs to another workspace`,
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
    const next = { ...status, phase, conditions, ...(initializers.length ? { initializers } : {}) };
    if (!initializers.length) delete (next as { initializers?: string[] }).initializers;
    if (sameStatusIgnoringTimes(next, status)) return;
    await this.workspaces(parent).modify(
      ws.metadata.name as string,
      (cur) => ({ ...cur, status: next }),
      'status',
    );
  }

  // ---- deletion ----------------------------------------------------------------------

  private async delete(parent: string, ws: Workspace): Promise<Requeue | undefined> {
    const name = ws.metadata.name as string;
    const child = ws.spec?.cluster ?? ws.metadata.annotations?.[CLUSTER_NAME_ANNOTATION];
    if (child && (await this.emptied(child, ws.metadata.uid)) > 0) return new Requeue(RETRY_MS);
    if (ws.metadata.finalizers?.includes(LOGICAL_CLUSTER_FINALIZER)) {
      await this.workspaces(parent)
        .modify(name, (cur) => ({
          ...cur,
          metadata: {
            ...cur.metadata,
            finalizers: (cur.metadata.finalizers ?? []).filter(
              (f) => f !== LOGICAL_CLUSTER_FINALIZER,
            ),
          },
        }))
        .catch(ignoreNotFound);
    }
    return undefined;
  }

  /**
   * Marks the LogicalCluster Terminating (new content is refused from then on), deletes
   * child workspaces, then content, then lets the LogicalCluster go; returns what is left.
   * Only the cluster of the Workspace `owner` is emptied: without its LogicalCluster
   * (gone, or never made) there is nothing of it left, and another's is not touched.
   */
  private async emptied(cluster: string, owner: string | undefined): Promise<number> {
    const lc = this.logicalCluster(cluster);
    const current = (await lc.find(LOGICAL_CLUSTER_NAME)) as LogicalCluster | undefined;
    if (!current || !ownedBy(current.spec?.owner?.uid, owner)) return 0;
    if (!current.metadata.deletionTimestamp) {
      await lc.modify(
        LOGICAL_CLUSTER_NAME,
        (cur) => ({ ...cur, status: { ...(cur.status as object), phase: 'Terminating' } }),
        'status',
      );
      await lc.delete(LOGICAL_CLUSTER_NAME).catch(ignoreNotFound);
    }
    const children = await this.workspaces(cluster).deleteAll();
    if (children > 0) return children;
    let left = 0;
    for (const type of this.o.registry.types(cluster)) {
      if (type.storedAs || !type.verbs.includes('delete')) continue;
      if (
        type.group === LOGICAL_CLUSTERS_GVR.group &&
        type.names.plural === LOGICAL_CLUSTERS_GVR.resource
      )
        continue;
      left += await this.o.client.forType(cluster, type).deleteAll();
    }
    if (left > 0) return left;
    await lc
      .modify(LOGICAL_CLUSTER_NAME, (cur) => ({
        ...cur,
        metadata: {
          ...cur.metadata,
          finalizers: (cur.metadata.finalizers ?? []).filter((f) => f !== CONTENT_FINALIZER),
        },
      }))
      .catch(ignoreNotFound);
    return 0;
  }

  stop(): void {
    this.queue.stop();
  }
}

export function workspaceKey(cluster: string, name: string): string {
  return objectKey({
    group: WORKSPACES_GVR.group,
    resource: WORKSPACES_GVR.resource,
    cluster,
    name,
  });
}

function parseOwner(text: string | undefined): LogicalCluster['spec']['createdBy'] | undefined {
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

function ignoreNotFound(err: unknown): undefined {
  if (isStatusError(err, 'NotFound')) return undefined;
  throw err;
}
