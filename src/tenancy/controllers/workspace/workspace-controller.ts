/**
 * The workspace controller's wiring: a Workspace is queued when it changes and when its
 * LogicalCluster changes; per key, the fetch from the index, a deep copy, and the pass of
 * `workspace-reconcile.ts` (scheduling, the phase mirrored into status, deletion) with
 * the lookups and writes it needs built here on the in-process client.
 */
import {
  CLUSTER_NAME_ANNOTATION,
  CONTENT_FINALIZER,
  LOGICAL_CLUSTER_FINALIZER,
  LOGICAL_CLUSTER_NAME,
  LOGICAL_CLUSTERS_GVR,
  type LogicalCluster,
  WORKSPACES_GVR,
} from '../../../api/tenancy/types.ts';
import { type KubeObject, objectOrEmpty } from '../../../apimachinery/meta.ts';
import { isStatusError } from '../../../apimachinery/status.ts';
import type { Client } from '../../../apiserver/client.ts';
import type { TypeRegistry } from '../../../apiserver/registry/type-registry.ts';
import { type QueueResult, WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { objectKey, parseObjectKey } from '../../../storage/keys.ts';
import type { ClusterIndex } from '../../cluster-index.ts';
import { randomClusterName } from '../../names.ts';
import type { WorkspaceTypeResolver } from '../../workspace-types.ts';
import {
  reconcileWorkspace,
  type WorkspaceLookups,
  type WorkspaceOps,
} from './workspace-reconcile.ts';

export interface WorkspaceControllerOptions {
  readonly client: Client;
  readonly index: ClusterIndex;
  readonly types: WorkspaceTypeResolver;
  readonly registry: TypeRegistry;
  readonly logger: Logger;
  /** The server's public base URL (https://host:port), for spec.URL. */
  readonly baseUrl: () => string;
}

export function workspaceKey(cluster: string, name: string): string {
  return objectKey({
    group: WORKSPACES_GVR.group,
    resource: WORKSPACES_GVR.resource,
    cluster,
    name,
  });
}

function logicalClusterKey(cluster: string): string {
  return objectKey({
    group: LOGICAL_CLUSTERS_GVR.group,
    resource: LOGICAL_CLUSTERS_GVR.resource,
    cluster,
    name: LOGICAL_CLUSTER_NAME,
  });
}

function ignoreNotFound(err: unknown): undefined {
  if (isStatusError(err, 'NotFound')) return undefined;
  throw err;
}

/** Removes one finalizer from an object (for `ResourceClient.modify`). */
const withoutFinalizer =
  (finalizer: string) =>
  (current: KubeObject): KubeObject => ({
    ...current,
    metadata: {
      ...current.metadata,
      finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== finalizer),
    },
  });

export class WorkspaceController {
  readonly queue: WorkQueue;
  readonly #index: ClusterIndex;
  readonly #lookups: WorkspaceLookups;
  readonly #ops: WorkspaceOps;

  constructor(options: WorkspaceControllerOptions) {
    const { index } = options;
    this.#index = index;
    this.#lookups = {
      pathOf: (cluster) => index.info(cluster)?.path,
      logicalCluster: (cluster) => index.logicalClusters.get(logicalClusterKey(cluster)),
      resolveType: (ref, fromPath) => options.types.resolve(ref, fromPath),
      initializers: (type) => options.types.initializers(type),
      baseUrl: options.baseUrl,
      randomClusterName,
    };
    this.#ops = workspaceOps(options);
    this.queue = new WorkQueue((key) => this.#sync(key), {
      name: 'workspace',
      logger: options.logger,
      concurrency: 8,
    });
    index.workspaces.onEvent((e) => {
      if (e.object) this.queue.add(e.key);
    });
    // A LogicalCluster's changes show in its Workspace.
    index.logicalClusters.onEvent((e) => {
      const owner = e.object?.spec?.owner;
      if (owner?.resource === 'workspaces') this.queue.add(workspaceKey(owner.cluster, owner.name));
    });
  }

  /** Queues what the informers already hold (call after they started). */
  resync(): void {
    for (const [key] of this.#index.workspaces.entries()) this.queue.add(key);
  }

  stop(): void {
    this.queue.stop();
  }

  async #sync(key: string): Promise<QueueResult | undefined> {
    const cached = this.#index.workspaces.get(key);
    if (!cached) return undefined;
    const parent = parseObjectKey(key).cluster;
    return reconcileWorkspace(parent, structuredClone(cached), this.#lookups, this.#ops);
  }
}

/** The controller's writes on the in-process client. */
function workspaceOps(options: WorkspaceControllerOptions): WorkspaceOps {
  const { client } = options;
  const workspaces = (cluster: string) => client.resource(cluster, WORKSPACES_GVR);
  const logicalCluster = (cluster: string) => client.resource(cluster, LOGICAL_CLUSTERS_GVR);
  return {
    workspace: {
      chooseCluster: async (parent, name, cluster) => {
        await workspaces(parent).modify(name, (current) => ({
          ...current,
          metadata: {
            ...current.metadata,
            annotations: { ...current.metadata.annotations, [CLUSTER_NAME_ANNOTATION]: cluster },
            finalizers: [
              ...new Set([...(current.metadata.finalizers ?? []), LOGICAL_CLUSTER_FINALIZER]),
            ],
          },
        }));
      },
      forgetCluster: async (parent, name) => {
        await workspaces(parent).modify(name, (current) => {
          const { [CLUSTER_NAME_ANNOTATION]: _taken, ...rest } = current.metadata.annotations ?? {};
          return { ...current, metadata: { ...current.metadata, annotations: rest } };
        });
      },
      setCluster: async (parent, name, cluster, url) => {
        await workspaces(parent).modify(name, (current) => ({
          ...current,
          spec: { ...objectOrEmpty(current.spec), cluster, URL: url },
        }));
      },
      writeStatus: async (parent, name, status) => {
        await workspaces(parent).modify(name, (current) => ({ ...current, status }), 'status');
      },
      removeFinalizer: async (parent, name) => {
        await workspaces(parent)
          .modify(name, withoutFinalizer(LOGICAL_CLUSTER_FINALIZER))
          .catch(ignoreNotFound);
      },
    },
    logicalCluster: {
      create: async (cluster, object) => {
        await logicalCluster(cluster).create(object);
      },
      get: async (cluster) =>
        (await logicalCluster(cluster).find(LOGICAL_CLUSTER_NAME)) as LogicalCluster | undefined,
      initialize: async (cluster, url, initializers) => {
        await logicalCluster(cluster).modify(
          LOGICAL_CLUSTER_NAME,
          (current) => {
            const status = objectOrEmpty(current.status);
            if (status.phase && status.phase !== 'Scheduling') return current;
            return {
              ...current,
              status: { ...status, phase: 'Initializing', URL: url, initializers },
            };
          },
          'status',
        );
      },
      terminate: async (cluster) => {
        const lc = logicalCluster(cluster);
        await lc.modify(
          LOGICAL_CLUSTER_NAME,
          (current) => ({
            ...current,
            status: {
              ...objectOrEmpty(current.status),
              phase: 'Terminating',
            },
          }),
          'status',
        );
        await lc.delete(LOGICAL_CLUSTER_NAME).catch(ignoreNotFound);
      },
      release: async (cluster) => {
        await logicalCluster(cluster)
          .modify(LOGICAL_CLUSTER_NAME, withoutFinalizer(CONTENT_FINALIZER))
          .catch(ignoreNotFound);
      },
    },
    deleteChildWorkspaces: (cluster) => workspaces(cluster).deleteAll(),
    deleteContent: async (cluster) => {
      let left = 0;
      for (const type of options.registry.types(cluster)) {
        if (type.storedAs || !type.verbs.includes('delete')) continue;
        if (
          type.group === LOGICAL_CLUSTERS_GVR.group &&
          type.names.plural === LOGICAL_CLUSTERS_GVR.resource
        )
          continue;
        left += await client.forType(cluster, type).deleteAll();
      }
      return left;
    },
    warn: (fields, message) => options.logger.warn(fields, message),
  };
}
