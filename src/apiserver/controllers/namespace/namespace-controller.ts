/**
 * The namespace controller: when a namespace is deleted (Terminating), deletes every
 * namespaced object in it, waits for their finalizers, then removes the `kubernetes`
 * finalizer so the namespace itself goes.
 */

import { NAMESPACES_GVR } from '../../../api/core/types.ts';
import { setCondition } from '../../../apimachinery/conditions.ts';
import { type Condition, type KubeObject, nameOf } from '../../../apimachinery/meta.ts';
import { StoreInformer } from '../../../controller/store-informer.ts';
import { Requeue, WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { clusterOfKey, resourcePrefix } from '../../../storage/keys.ts';
import type { Store } from '../../../storage/store.ts';
import { NAMESPACE_FINALIZER, specFinalizers } from '../../builtin/core/namespaces.ts';
import type { Client } from '../../client.ts';
import type { TypeRegistry } from '../../registry/type-registry.ts';

interface Remaining {
  objects: number;
  byResource: Map<string, number>;
  byFinalizer: Map<string, number>;
}

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
    this.informer = new StoreInformer(store, resourcePrefix(NAMESPACES_GVR));
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
    const cluster = clusterOfKey(key);
    const name = nameOf(ns);
    const left = await this.deleteContent(cluster, name);
    await this.report(cluster, name, left);
    if (left.objects > 0) return new Requeue(RETRY_MS);
    if (!specFinalizers(ns).includes(NAMESPACE_FINALIZER)) return undefined;
    const finalized: KubeObject = {
      ...ns,
      spec: {
        ...(ns.spec as object),
        finalizers: specFinalizers(ns).filter((f) => f !== NAMESPACE_FINALIZER),
      },
    };
    await this.client.resource(cluster, NAMESPACES_GVR).update(finalized, 'finalize');
    return undefined;
  }

  /** Deletes what is left in the namespace; says what still exists and what holds it. */
  private async deleteContent(cluster: string, namespace: string): Promise<Remaining> {
    const left: Remaining = { objects: 0, byResource: new Map(), byFinalizer: new Map() };
    for (const type of this.registry.types(cluster)) {
      if (!type.namespaced || !type.verbs.includes('delete') || type.storedAs) continue;
      const objects = this.client.forType(cluster, type, namespace);
      const list = await objects.list();
      if (list.items.length === 0) continue;
      left.objects += list.items.length;
      const resource = type.group ? `${type.names.plural}.${type.group}` : type.names.plural;
      left.byResource.set(resource, list.items.length);
      for (const item of list.items) {
        for (const f of item.metadata.finalizers ?? [])
          left.byFinalizer.set(f, (left.byFinalizer.get(f) ?? 0) + 1);
        if (item.metadata.deletionTimestamp) continue;
        await objects.delete(nameOf(item)).catch((err: { code?: number }) => {
          if (err.code !== 404) throw err;
        });
      }
    }
    return left;
  }

  /** The namespace's conditions, as upstream words them, so users see what is left. */
  private async report(cluster: string, name: string, left: Remaining): Promise<void> {
    const namespaces = this.client.resource(cluster, NAMESPACES_GVR);
    const describe = (m: Map<string, number>) =>
      [...m]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, n]) => `${k} has ${n} resource instances`)
        .join(', ');
    const finalizers = [...left.byFinalizer]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([f, n]) => `${f} in ${n} resource instances`)
      .join(', ');
    const wanted: Omit<Condition, 'lastTransitionTime'>[] = [
      {
        type: 'NamespaceDeletionDiscoveryFailure',
        status: 'False',
        reason: 'ResourcesDiscovered',
        message: 'All resources successfully discovered',
      },
      {
        type: 'NamespaceDeletionGroupVersionParsingFailure',
        status: 'False',
        reason: 'ParsedGroupVersions',
        message: 'All legacy kube types successfully parsed',
      },
      {
        type: 'NamespaceDeletionContentFailure',
        status: 'False',
        reason: 'ContentDeleted',
        message: 'All content successfully deleted, may be waiting on finalization',
      },
      left.byResource.size > 0
        ? {
            type: 'NamespaceContentRemaining',
            status: 'True',
            reason: 'SomeResourcesRemain',
            message: `Some resources are remaining: ${describe(left.byResource)}`,
          }
        : {
            type: 'NamespaceContentRemaining',
            status: 'False',
            reason: 'ContentRemoved',
            message: 'All content successfully removed',
          },
      left.byFinalizer.size > 0
        ? {
            type: 'NamespaceFinalizersRemaining',
            status: 'True',
            reason: 'SomeFinalizersRemain',
            message: `Some content in the namespace has finalizers remaining: ${finalizers}`,
          }
        : {
            type: 'NamespaceFinalizersRemaining',
            status: 'False',
            reason: 'ContentHasNoFinalizers',
            message: 'All content-preserving finalizers finished',
          },
    ];
    await namespaces
      .modify(
        name,
        (current) => {
          const status = (current.status ?? {}) as { conditions?: Condition[] };
          const conditions = [...(status.conditions ?? [])];
          for (const c of wanted) setCondition(conditions, c);
          return { ...current, status: { ...status, conditions } };
        },
        'status',
      )
      .catch((err: { code?: number }) => {
        if (err.code !== 404) throw err;
      });
  }

  stop(): void {
    this.informer.stop();
    this.queue.stop();
  }
}
