/** What the Cluster and Database reconcilers share: clients, caches, runtime, metrics. */

import type { Pod, Secret, Service } from '../../api/core/types.ts';
import type { KubeObject } from '../../apimachinery/meta.ts';
import type { KubeClient, ResourceRef } from '../../controller/kube/client.ts';
import type { EventRecorder } from '../../controller/kube/events.ts';
import type { Reflector } from '../../controller/kube/reflector.ts';
import type { Logger } from '../../logging/logger.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { type Cluster, type Database, GROUP, VERSION } from '../types.ts';
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

export const PODS: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };
export const SERVICES: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'services',
  namespaced: true,
};

/** Where the Cluster's Pods and Services go (absent: the server does not serve them). */
export interface WorkloadDeps {
  readonly nodeName: string;
  readonly pods: Cache<Pod>;
  readonly services: Cache<Service>;
}

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
  readonly workloads: WorkloadDeps | undefined;
  /** The default PostgreSQL as status.image shows it (a Cluster's own major once it has data). */
  readonly image: string;
  /** The Cluster CRD is the operator's own, with Canopy's status fields (not CloudNativePG's). */
  readonly statusExtensions: boolean;
  /** Tells the endpoint proxy what the stable endpoints lead to now. */
  publishEndpoints(): void;
  enqueueCluster(namespace: string, name: string, afterMs?: number): void;
  enqueueDatabase(namespace: string, name: string, afterMs?: number): void;
}
