/**
 * The APIBinding controller's wiring: which events queue which bindings, and per key the
 * fetch from the index, a deep copy, the finalizer, the decision of
 * `apibinding-reconcile.ts` (the status a binding must have, or what its deletion
 * needs) and one status write when the status changed. This is the template every
 * controller inside the server follows (see `src/controller/README.md`).
 *
 * Queued: a binding that changes; every binding of a workspace whose bindings or CRDs
 * change (a binding or CRD that goes can settle another's naming conflict); every binding
 * of an export that changes (resources, claims, identity).
 */
import {
  type APIBinding,
  BINDING_FINALIZER,
  BINDINGS_GVR,
  type BoundResource,
} from '../../../api/apis/types.ts';
import { sameStatusIgnoringTimes } from '../../../apimachinery/conditions.ts';
import { isStatusError } from '../../../apimachinery/status.ts';
import type { Client } from '../../../apiserver/client.ts';
import type { CrdSource } from '../../../apiserver/registry/crd-source.ts';
import { type QueueResult, WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { parseObjectKey } from '../../../storage/keys.ts';
import type { ApiIndex } from '../../api-index.ts';
import {
  type BindingLookups,
  type BindingStatus,
  finalizeBinding,
  reconcileBinding,
} from './apibinding-reconcile.ts';

export function bindingKey(cluster: string, name: string): string {
  return `/apis.kcp.io/apibindings/-/${cluster}/-/${name}`;
}

export class ApiBindingController {
  readonly queue: WorkQueue;
  readonly #client: Client;
  readonly #index: ApiIndex;
  readonly #lookups: BindingLookups;

  constructor(client: Client, index: ApiIndex, crds: CrdSource, logger: Logger) {
    this.#client = client;
    this.#index = index;
    this.#lookups = {
      exportCluster: (cluster, path) => index.exportCluster(cluster, path),
      getExport: (cluster, name) => index.exportOf(cluster, name),
      getSchema: (cluster, name) => index.schema(cluster, name),
      listBindings: (cluster) => index.bindingsIn(cluster).map((ref) => ref.binding),
      crdServes: (cluster, group, resource) =>
        crds.crds(cluster).some((c) => c.spec.group === group && c.spec.names.plural === resource),
    };
    this.queue = new WorkQueue((key) => this.#sync(key), {
      name: 'apibinding',
      logger,
      concurrency: 8,
    });
    const allIn = (cluster: string) => {
      for (const ref of index.bindingsIn(cluster))
        this.queue.add(bindingKey(ref.cluster, ref.binding.metadata.name ?? ''));
    };
    index.bindings.onEvent((e) => {
      if (e.object) this.queue.add(e.key);
      allIn(e.cluster);
    });
    crds.onChange((cluster) => allIn(cluster));
    index.exports.onEvent((e) => {
      for (const ref of index.bindingsOf(e.cluster, e.name))
        this.queue.add(bindingKey(ref.cluster, ref.binding.metadata.name ?? ''));
    });
  }

  resync(): void {
    for (const [key] of this.#index.bindings.entries()) this.queue.add(key);
  }

  stop(): void {
    this.queue.stop();
  }

  async #sync(key: string): Promise<QueueResult | undefined> {
    const cached = this.#index.bindings.get(key);
    if (!cached) return undefined;
    const binding = structuredClone(cached);
    const { cluster, name } = parseObjectKey(key);
    if (binding.metadata.deletionTimestamp) return this.#finalize(cluster, name, binding);
    if (!binding.metadata.finalizers?.includes(BINDING_FINALIZER)) {
      // The finalizer's write queues the binding again; the next pass reconciles it.
      await this.#bindings(cluster).modify(name, (current) => ({
        ...current,
        metadata: {
          ...current.metadata,
          finalizers: [...(current.metadata.finalizers ?? []), BINDING_FINALIZER],
        },
      }));
      return undefined;
    }
    const result = reconcileBinding(cluster, binding, this.#lookups);
    await this.#writeStatus(cluster, name, cached.status, result.status);
    return result.requeueAfterMs === undefined
      ? undefined
      : { requeueAfterMs: result.requeueAfterMs };
  }

  #bindings(cluster: string) {
    return this.#client.resource(cluster, BINDINGS_GVR);
  }

  /** The one status write of a pass, skipped when only transition times would change. */
  async #writeStatus(
    cluster: string,
    name: string,
    current: APIBinding['status'],
    next: BindingStatus,
  ): Promise<void> {
    if (sameStatusIgnoringTimes(current ?? {}, next)) return;
    await this.#bindings(cluster).modify(name, (latest) => ({ ...latest, status: next }), 'status');
  }

  async #finalize(
    cluster: string,
    name: string,
    binding: APIBinding,
  ): Promise<QueueResult | undefined> {
    const deleteObjectsOf = async (exportCluster: string, resource: BoundResource) => {
      const type = this.#index.typeFor(
        exportCluster,
        resource.schema.name,
        resource.schema.identityHash,
      );
      return type ? this.#client.forType(cluster, type).deleteAll() : 0;
    };
    const result = await finalizeBinding(binding, deleteObjectsOf);
    if (!('removeFinalizer' in result)) return result;
    await this.#bindings(cluster)
      .modify(name, (current) => ({
        ...current,
        metadata: {
          ...current.metadata,
          finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== BINDING_FINALIZER),
        },
      }))
      .catch((err) => {
        if (!isStatusError(err, 'NotFound')) throw err;
      });
    return undefined;
  }
}
