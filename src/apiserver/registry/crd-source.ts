/**
 * The CRDs of every logical cluster, kept from one watch over the store: serves the
 * established ones as resource types of their cluster, and lets the CRD controller see
 * them all. Only clusters that have CRDs cost memory here.
 */

import { CRD_GVR, type CustomResourceDefinition } from '../../api/apiextensions/types.ts';
import { isConditionTrue } from '../../apimachinery/conditions.ts';
import { StoreInformer } from '../../controller/store-informer.ts';
import type { Logger } from '../../logging/logger.ts';
import { resourcePrefix } from '../../storage/keys.ts';
import type { Store } from '../../storage/store.ts';
import { customResourceType } from './custom-resource-type.ts';
import type { ResourceType } from './resource-type.ts';
import { versionSchema } from './structural-schema.ts';
import type { TypeRegistry, TypeSource } from './type-registry.ts';

interface Entry {
  readonly crd: CustomResourceDefinition;
  readonly type: ResourceType | undefined;
}

type Listener = (cluster: string, name: string, crd: CustomResourceDefinition | undefined) => void;

const PREFIX = resourcePrefix({ group: CRD_GVR.group, resource: CRD_GVR.resource });

export function isEstablished(crd: CustomResourceDefinition): boolean {
  return isConditionTrue(crd.status?.conditions, 'Established');
}

export class CrdSource implements TypeSource {
  private readonly registry: TypeRegistry;
  private readonly logger: Logger;
  private readonly informer: StoreInformer<CustomResourceDefinition>;
  private readonly byCluster = new Map<string, Map<string, Entry>>();
  private readonly listeners: Listener[] = [];
  private started = false;

  constructor(store: Store, registry: TypeRegistry, logger: Logger) {
    this.registry = registry;
    this.logger = logger;
    this.informer = new StoreInformer(store, PREFIX);
    this.informer.onEvent((e) => this.apply(e.cluster, e.name, e.object));
    this.informer.onWatchError((err) =>
      logger.warn({ err: (err as Error).message }, 'CRD watch ended; listing again'),
    );
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.started = true;
  }

  private apply(cluster: string, name: string, crd: CustomResourceDefinition | undefined): void {
    let entries = this.byCluster.get(cluster);
    if (!crd) {
      entries?.delete(name);
      if (entries?.size === 0) this.byCluster.delete(cluster);
    } else {
      if (!entries) {
        entries = new Map();
        this.byCluster.set(cluster, entries);
      }
      entries.set(name, { crd, type: this.buildType(crd) });
    }
    this.registry.changed(cluster);
    if (this.started) for (const l of this.listeners) l(cluster, name, crd);
  }

  private buildType(crd: CustomResourceDefinition): ResourceType | undefined {
    if (!isEstablished(crd)) return undefined;
    try {
      const accepted = crd.status?.acceptedNames;
      return customResourceType(
        { ...crd.spec, names: accepted?.plural ? accepted : crd.spec.names },
        { compile: versionSchema, terminating: crd.metadata.deletionTimestamp !== undefined },
      );
    } catch (err) {
      this.logger.error(
        { crd: crd.metadata.name, err: (err as Error).message },
        'cannot serve CRD',
      );
      return undefined;
    }
  }

  /** Called for every change after start (cluster, CRD name, the CRD or undefined). */
  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  types(cluster: string): ResourceType[] {
    const entries = this.byCluster.get(cluster);
    if (!entries) return [];
    const out: ResourceType[] = [];
    for (const e of entries.values()) if (e.type) out.push(e.type);
    return out;
  }

  crd(cluster: string, name: string): CustomResourceDefinition | undefined {
    return this.byCluster.get(cluster)?.get(name)?.crd;
  }

  crds(cluster: string): CustomResourceDefinition[] {
    return [...(this.byCluster.get(cluster)?.values() ?? [])].map((e) => e.crd);
  }

  /** The type of a CRD whether or not it is served (cleanup of a terminating CRD). */
  typeOf(crd: CustomResourceDefinition): ResourceType {
    return customResourceType(crd.spec, { compile: versionSchema });
  }

  *all(): Iterable<{ cluster: string; crd: CustomResourceDefinition }> {
    for (const [cluster, entries] of this.byCluster) {
      for (const e of entries.values()) yield { cluster, crd: e.crd };
    }
  }

  stop(): void {
    this.informer.stop();
  }
}
