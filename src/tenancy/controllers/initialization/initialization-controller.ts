/**
 * Initialization of new logical clusters: for the built-in initializers (the `universal`
 * type's, which organization and team extend), it creates what every workspace starts
 * with — the system namespaces and the `workspace-admin` ClusterRoleBinding giving the
 * creator cluster-admin — then clears its initializers. Once no initializer is left (other
 * controllers clear theirs), the logical cluster is Ready.
 */

import {
  LOGICAL_CLUSTER_NAME,
  LOGICAL_CLUSTERS_GVR,
  type LogicalCluster,
} from '../../../api/tenancy/types.ts';
import { bootstrapCluster } from '../../../apiserver/bootstrap.ts';
import type { Client } from '../../../apiserver/client.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { parseObjectKey } from '../../../storage/keys.ts';
import type { ClusterIndex } from '../../cluster-index.ts';

/** The initializers Canopy itself runs (types in root with `initializer: true`). */
export const BUILTIN_INITIALIZERS: ReadonlySet<string> = new Set(['root:universal']);
export const WORKSPACE_ADMIN_BINDING = 'workspace-admin';

const CLUSTER_ROLE_BINDINGS = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  resource: 'clusterrolebindings',
};

export class InitializationController {
  private readonly client: Client;
  private readonly index: ClusterIndex;
  readonly queue: WorkQueue;

  constructor(client: Client, index: ClusterIndex, logger: Logger) {
    this.client = client;
    this.index = index;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      name: 'initialization',
      logger,
      concurrency: 8,
    });
    index.logicalClusters.onEvent((e) => {
      if (e.object?.status?.phase === 'Initializing') this.queue.add(e.key);
    });
  }

  resync(): void {
    for (const [key, lc] of this.index.logicalClusters.entries()) {
      if (lc.status?.phase === 'Initializing') this.queue.add(key);
    }
  }

  private async reconcile(key: string): Promise<undefined> {
    const lc = this.index.logicalClusters.get(key);
    if (lc?.status?.phase !== 'Initializing' || lc.metadata.deletionTimestamp) return undefined;
    const { cluster } = parseObjectKey(key);
    const mine = (lc.status.initializers ?? []).filter((i) => BUILTIN_INITIALIZERS.has(i));
    if (mine.length > 0) {
      await bootstrapCluster(this.client, cluster);
      await this.bindCreator(cluster, lc);
    }
    await this.client.resource(cluster, LOGICAL_CLUSTERS_GVR).modify(
      LOGICAL_CLUSTER_NAME,
      (cur) => {
        const status = (cur as LogicalCluster).status ?? {};
        const remaining = (status.initializers ?? []).filter((i) => !BUILTIN_INITIALIZERS.has(i));
        return {
          ...cur,
          status: {
            ...status,
            initializers: remaining,
            ...(remaining.length === 0 ? { phase: 'Ready' } : {}),
          },
        };
      },
      'status',
    );
    return undefined;
  }

  /** The creator gets cluster-admin in the new workspace, as kcp's `workspace-admin`. */
  private async bindCreator(cluster: string, lc: LogicalCluster): Promise<void> {
    const user = lc.spec.createdBy?.username;
    if (!user) return;
    await this.client.resource(cluster, CLUSTER_ROLE_BINDINGS).createIfAbsent({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: WORKSPACE_ADMIN_BINDING },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'cluster-admin',
      },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    });
  }

  stop(): void {
    this.queue.stop();
  }
}
