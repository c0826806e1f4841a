/** What the Cluster and Database reconcilers share: clients, caches, runtime, metrics. */
import type { Logger } from 'pino';
import type { KubeObject } from '../../apimachinery/meta.ts';
import {
  isConflict,
  isNotFound,
  type KubeClient,
  type ResourceRef,
} from '../../controller/kube/client.ts';
import type { EventRecorder } from '../../controller/kube/events.ts';
import type { Reflector } from '../../controller/kube/reflector.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { type Cluster, type Database, GROUP, type Secret, VERSION } from '../types.ts';
import type { InstanceManager } from './instance-manager.ts';

export const CLUSTERS: ResourceRef = {
  group: GROUP,
  version: VERSION,
  plural: 'clusters',
  namespaced: true,
};
export const DATABASES: ResourceRef = {
  group: GROUP,
  version: VERSION,
  plural: 'databases',
  namespaced: true,
};
export const SECRETS: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'secrets',
  namespaced: true,
};

export interface Cache<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): T[];
}

/** A reflector's cache (keyed `namespace/name`) seen by name and namespace. */
export function cacheOf<T extends KubeObject>(reflector: Reflector<T>): Cache<T> {
  return {
    get: (name, namespace) => reflector.get(`${namespace ?? ''}/${name}`),
    list: (namespace) => reflector.list(namespace),
  };
}

/**
 * Adds `finalizer` with a merge patch guarded by the object's resourceVersion; on a
 * conflict the object is read again and the patch retried. Returns the updated object, or
 * undefined once it is gone or being deleted.
 */
export async function ensureFinalizer<T extends KubeObject>(
  client: KubeClient,
  ref: ResourceRef,
  obj: T,
  finalizer: string,
): Promise<T | undefined> {
  let current: T | undefined = obj;
  while (current) {
    const finalizers = current.metadata.finalizers ?? [];
    if (finalizers.includes(finalizer)) return current;
    const namespace: string | undefined = current.metadata.namespace;
    const name = current.metadata.name as string;
    try {
      return await client.patch<T>(ref, namespace, name, {
        metadata: {
          finalizers: [...finalizers, finalizer],
          resourceVersion: current.metadata.resourceVersion,
        },
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (!isConflict(err)) throw err;
      const latest: T | undefined = await client.getOrUndefined<T>(ref, namespace, name);
      current = latest && !latest.metadata.deletionTimestamp ? latest : undefined;
    }
  }
  return undefined;
}

export interface ControllerDeps {
  readonly client: KubeClient;
  readonly log: Logger;
  readonly clusters: Cache<Cluster>;
  readonly secrets: Cache<Secret>;
  readonly databases: Cache<Database>;
  /** Undefined when the runtime cannot work (see environmentProblem). */
  readonly manager: InstanceManager | undefined;
  /** Why no server can run here (binaries missing, data directory unreachable). */
  readonly environmentProblem: string | undefined;
  /** Host written into Secrets and status (where clients reach the servers). */
  readonly host: string;
  readonly metrics: OperatorMetrics;
  readonly events: EventRecorder;
  enqueueCluster(namespace: string, name: string, afterMs?: number): void;
  enqueueDatabase(namespace: string, name: string, afterMs?: number): void;
}
