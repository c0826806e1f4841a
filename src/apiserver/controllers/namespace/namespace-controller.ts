/**
 * The namespace controller: when a namespace is deleted (Terminating), deletes every
 * namespaced object in it, waits for their finalizers, then removes the `kubernetes`
 * finalizer so the namespace itself goes.
 */

import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { Logger } from '../../../cli/log.ts';
import type { Client } from '../../../controller/client.ts';
import { StoreInformer } from '../../../controller/store-informer.ts';
import { Requeue, WorkQueue } from '../../../controller/work-queue.ts';
import { resourcePrefix } from '../../../storage/keys.ts';
import type { Store } from '../../../storage/store.ts';
import { NAMESPACE_FINALIZER, specFinalizers } from '../../builtin/core/namespaces.ts';
import type { TypeRegistry } from '../../registry/type-registry.ts';

const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };
const RETRY_MS = 500;

export class NamespaceController {
  private readonly client: Client;
  private readonly registry: TypeRegistry;
  private readonly informer: StoreInformer;
  readonly queue: WorkQueue;

  constructor(client: Client, store: Store, registry: TypeRegistry, logger: Logger) {
    this.client = client;
    this.registry = registry;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      name: 'namespace',
      logger,
      concurrency: 4,
    });
    this.informer = new StoreInformer(store, resourcePrefix({ group: '', resource: 'namespaces' }));
    this.informer.onEvent((e) => {
      if (e.object?.metadata.deletionTimestamp) this.queue.add(e.key);
    });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  private async reconcile(key: string): Promise<Requeue | undefined> {
    const ns = this.informer.get(key);
    if (!ns?.metadata.deletionTimestamp) return undefined;
    const cluster = key.split('/')[4] as string;
    const name = ns.metadata.name as string;
    const remaining = await this.deleteContent(cluster, name);
    if (remaining > 0) return new Requeue(RETRY_MS);
    if (!specFinalizers(ns).includes(NAMESPACE_FINALIZER)) return undefined;
    const finalized: KubeObject = {
      ...ns,
      spec: {
        ...(ns.spec as object),
        finalizers: specFinalizers(ns).filter((f) => f !== NAMESPACE_FINALIZER),
      },
    };
    await this.client.resource(cluster, NAMESPACES).update(finalized, 'finalize');
    return undefined;
  }

  /** Deletes what is left in the namespace; returns how many objects still exist. */
  private async deleteContent(cluster: string, namespace: string): Promise<number> {
    let remaining = 0;
    for (const type of this.registry.types(cluster)) {
      if (!type.namespaced || !type.verbs.includes('delete') || type.storedAs) continue;
      const objects = this.client.forType(cluster, type, namespace);
      const list = await objects.list();
      remaining += list.items.length;
      for (const item of list.items) {
        if (item.metadata.deletionTimestamp) continue;
        await objects.delete(item.metadata.name as string).catch((err: { code?: number }) => {
          if (err.code !== 404) throw err;
        });
      }
    }
    return remaining;
  }

  stop(): void {
    this.informer.stop();
    this.queue.stop();
  }
}
