/**
 * The path index of the workspace tree: which logical clusters exist (their LogicalCluster
 * objects, with canonical path, type and phase) and which child each workspace names, so
 * a path resolves segment by segment through each Workspace's spec.cluster. Its first
 * segment may be any logical cluster name (`root`, or an opaque name).
 */

import {
  CORE_GROUP,
  type LogicalCluster,
  PATH_ANNOTATION,
  type Phase,
  TENANCY_GROUP,
  TYPE_ANNOTATION,
  type Workspace,
} from '../api/tenancy/types.ts';
import { StoreInformer } from '../controller/store-informer.ts';
import type { Logger } from '../logging/logger.ts';
import { resourcePrefix } from '../storage/keys.ts';
import type { Store } from '../storage/store.ts';

export interface ClusterInfo {
  readonly name: string;
  /** Canonical path, e.g. `root:consumers:pg`. */
  readonly path: string;
  /** `<path>:<name>` of its WorkspaceType. */
  readonly type: string;
  readonly phase: Phase | undefined;
}

export class ClusterIndex {
  readonly logicalClusters: StoreInformer<LogicalCluster>;
  readonly workspaces: StoreInformer<Workspace>;
  private readonly clusters = new Map<string, ClusterInfo>();
  /** `<parent cluster>/<workspace name>` → child cluster name. */
  private readonly children = new Map<string, string>();

  constructor(store: Store, logger: Logger) {
    this.logicalClusters = new StoreInformer(
      store,
      resourcePrefix({ group: CORE_GROUP, resource: 'logicalclusters' }),
    );
    this.workspaces = new StoreInformer(
      store,
      resourcePrefix({ group: TENANCY_GROUP, resource: 'workspaces' }),
    );
    this.logicalClusters.onEvent((e) => {
      if (!e.object) {
        this.clusters.delete(e.cluster);
        return;
      }
      const annotations = e.object.metadata.annotations ?? {};
      this.clusters.set(e.cluster, {
        name: e.cluster,
        path: annotations[PATH_ANNOTATION] ?? e.cluster,
        type: annotations[TYPE_ANNOTATION] ?? '',
        phase: e.object.status?.phase,
      });
    });
    this.workspaces.onEvent((e) => {
      const key = `${e.cluster}/${e.name}`;
      const child = e.object?.spec?.cluster;
      if (child) this.children.set(key, child);
      else this.children.delete(key);
    });
    for (const informer of [this.logicalClusters, this.workspaces]) {
      informer.onWatchError((err) =>
        logger.warn({ err: (err as Error).message }, 'workspace index watch ended; listing again'),
      );
    }
  }

  async start(): Promise<void> {
    await this.logicalClusters.start();
    await this.workspaces.start();
  }

  /** The logical cluster a path or name denotes, if it exists. */
  resolve(pathOrName: string): string | undefined {
    const segments = pathOrName.split(':');
    // `system:…` names are whole names, not paths.
    if (pathOrName.startsWith('system:'))
      return this.clusters.has(pathOrName) ? pathOrName : undefined;
    let cluster = segments[0] ?? '';
    if (!this.clusters.has(cluster)) return undefined;
    for (const segment of segments.slice(1)) {
      const child = this.children.get(`${cluster}/${segment}`);
      if (!child || !this.clusters.has(child)) return undefined;
      cluster = child;
    }
    return cluster;
  }

  info(cluster: string): ClusterInfo | undefined {
    return this.clusters.get(cluster);
  }

  stop(): void {
    this.logicalClusters.stop();
    this.workspaces.stop();
  }
}
