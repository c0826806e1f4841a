/**
 * The path index of the workspace tree: which logical clusters exist (their LogicalCluster
 * objects, with canonical path, type, phase and owner) and which child each workspace
 * names, so a path resolves segment by segment through each Workspace's spec.cluster —
 * only into a logical cluster that Workspace owns (`ownership.ts`). Its first segment may
 * be any logical cluster name (`root`, or an opaque name).
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
import { ownedBy } from './ownership.ts';

export interface ClusterInfo {
  readonly name: string;
  /** Canonical path, e.g. `root:consumers:pg`. */
  readonly path: string;
  /** `<path>:<name>` of its WorkspaceType. */
  readonly type: string;
  readonly phase: Phase | undefined;
  /** UID of the Workspace that owns it (none for root). */
  readonly ownerUid: string | undefined;
}

export class ClusterIndex {
  readonly logicalClusters: StoreInformer<LogicalCluster>;
  readonly workspaces: StoreInformer<Workspace>;
  private readonly clusters = new Map<string, ClusterInfo>();
  /** `<parent cluster>/<workspace name>` → the child cluster it names, and its own UID. */
  private readonly children = new Map<string, { cluster: string; uid: string | undefined }>();

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
        ownerUid: e.object.spec?.owner?.uid,
      });
    });
    this.workspaces.onEvent((e) => {
      const key = `${e.cluster}/${e.name}`;
      const child = e.object?.spec?.cluster;
      if (child) this.children.set(key, { cluster: child, uid: e.object?.metadata.uid });
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
      const info = child && this.clusters.get(child.cluster);
      if (!child || !info || !ownedBy(info.ownerUid, child.uid)) return undefined;
      cluster = child.cluster;
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
