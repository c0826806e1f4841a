/**
 * One object of a given name in every namespace that is not terminating, in every logical
 * cluster: what kube-controller-manager's service account controller (ServiceAccount
 * `default`) and root CA publisher (ConfigMap `kube-root-ca.crt`) do, and kcp runs both
 * in every workspace. The object is made again when deleted and, when the controller says
 * how, put right when changed.
 *
 * Follows the store: namespaces whose object is as it should be are remembered, so they
 * cost no read, on start or later.
 */
import { NAMESPACES_GVR } from '../../api/core/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { StoreFollower } from '../../controller/store-follower.ts';
import { WorkQueue } from '../../controller/work-queue.ts';
import type { Logger } from '../../logging/logger.ts';
import { objectKey, parseObjectKey, resourcePrefix } from '../../storage/keys.ts';
import type { Store } from '../../storage/store.ts';
import type { Client, GroupVersionResource } from '../client.ts';

export interface PerNamespaceObject {
  /** Names the work queue and log lines. */
  readonly controller: string;
  readonly resource: GroupVersionResource;
  readonly name: string;
  /** The object a namespace gets. */
  desired(namespace: string): KubeObject;
  /** The existing object brought back to what it should be, or undefined when it is. */
  repair?(existing: KubeObject): KubeObject | undefined;
}

const namespaceKey = (cluster: string, name: string) =>
  objectKey({ group: '', resource: 'namespaces', cluster, name });

function parsed(value: string): KubeObject | undefined {
  try {
    return JSON.parse(value) as KubeObject;
  } catch {
    return undefined;
  }
}

export class PerNamespaceObjectController {
  private readonly client: Client;
  private readonly spec: PerNamespaceObject;
  /** Keys of namespaces whose object is as it should be. */
  private readonly provided = new Set<string>();
  private readonly objects: StoreFollower;
  private readonly namespaces: StoreFollower;
  readonly queue: WorkQueue;

  constructor(client: Client, store: Store, spec: PerNamespaceObject, logger: Logger) {
    this.client = client;
    this.spec = spec;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      name: spec.controller,
      logger,
      concurrency: 4,
    });
    const onError = (err: unknown) =>
      logger.warn({ err: (err as Error).message }, `${spec.controller}: relisting`);
    this.objects = new StoreFollower(
      store,
      resourcePrefix({ group: spec.resource.group, resource: spec.resource.resource }),
      (key, value) => {
        const { cluster, namespace = '' } = parseObjectKey(key);
        const ns = namespaceKey(cluster, namespace);
        const obj = value === undefined ? undefined : parsed(value);
        if (obj && !spec.repair?.(obj)) {
          this.provided.add(ns);
          return;
        }
        this.provided.delete(ns);
        this.queue.add(ns);
      },
      // Only the one name: keys of every other object of the resource are not kept.
      { trackKeys: true, onError, accept: (key) => key.endsWith(`/${spec.name}`) },
    );
    this.namespaces = new StoreFollower(
      store,
      resourcePrefix(NAMESPACES_GVR),
      (key, value) => {
        if (value === undefined) {
          this.provided.delete(key);
          return;
        }
        if (!this.provided.has(key) && !parsed(value)?.metadata?.deletionTimestamp) {
          this.queue.add(key);
        }
      },
      { trackKeys: false, onError },
    );
  }

  /** Follows the objects first, so that namespaces that have theirs are not queued. */
  async start(): Promise<void> {
    await this.objects.start();
    await this.namespaces.start();
  }

  private async reconcile(key: string): Promise<undefined> {
    if (this.provided.has(key)) return undefined;
    const { cluster, name: namespace } = parseObjectKey(key);
    const ns = await this.client.resource(cluster, NAMESPACES_GVR).find(namespace);
    if (!ns || ns.metadata.deletionTimestamp) return undefined;
    const objects = this.client.resource(cluster, this.spec.resource, namespace);
    const existing = await objects.find(this.spec.name);
    if (!existing) {
      await objects.createIfAbsent(this.spec.desired(namespace));
      return undefined;
    }
    const repaired = this.spec.repair?.(existing);
    if (repaired) await objects.update(repaired);
    return undefined;
  }

  stop(): void {
    this.objects.stop();
    this.namespaces.stop();
    this.queue.stop();
  }
}
