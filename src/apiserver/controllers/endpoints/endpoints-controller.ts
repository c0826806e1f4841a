/**
 * The endpoints controller of the plain server (kube-controller-manager's EndpointSlice and
 * Endpoints controllers in one): for every Service with a selector, EndpointSlices labelled
 * `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by`, owned by the
 * Service, one per set of resolved ports (an empty one when nothing is selected, as
 * upstream keeps), and the Endpoints object of the Service's name. Pods and Services are
 * followed from the store; any change in a namespace looks at its Services again. What the
 * endpoints are is decided by endpoints-reconcile.ts.
 */
import { isDeepStrictEqual } from 'node:util';
import type { EndpointAddress, Endpoints, Pod, Service } from '../../../api/core/types.ts';
import { LABEL_SERVICE_NAME } from '../../../api/core/types.ts';
import {
  DISCOVERY_GROUP,
  ENDPOINTSLICE_CONTROLLER,
  type EndpointSlice,
} from '../../../api/discovery/types.ts';
import { labelSelectorFromSet } from '../../../apimachinery/labels.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import { isStatusError } from '../../../apimachinery/status.ts';
import { StoreInformer } from '../../../controller/store-informer.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { resourcePrefix } from '../../../storage/keys.ts';
import type { Store } from '../../../storage/store.ts';
import type { Client } from '../../client.ts';
import { type EndpointGroup, serviceEndpoints } from './endpoints-reconcile.ts';

const ENDPOINTS = { group: '', version: 'v1', resource: 'endpoints' };
const SLICES = { group: DISCOVERY_GROUP, version: 'v1', resource: 'endpointslices' };
const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const MAX_ENDPOINTS_PER_SLICE = 100;

type Entry<T> = { cluster: string; namespace: string; name: string; object: T };

export class EndpointsController {
  private readonly client: Client;
  private readonly services: StoreInformer<Service>;
  private readonly pods: StoreInformer<Pod>;
  /** `cluster/namespace` → name → object. */
  private readonly serviceIndex = new Map<string, Map<string, Service>>();
  private readonly podIndex = new Map<string, Map<string, Pod>>();
  private readonly queue: WorkQueue;

  constructor(client: Client, store: Store, logger: Logger) {
    this.client = client;
    this.services = new StoreInformer<Service>(
      store,
      resourcePrefix({ group: '', resource: 'services' }),
    );
    this.pods = new StoreInformer<Pod>(store, resourcePrefix({ group: '', resource: 'pods' }));
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      name: 'endpoints',
      logger,
      concurrency: 2,
      paused: true,
    });
    this.services.onEvent((e) => {
      if (!e.namespace) return;
      this.index(this.serviceIndex, e);
      this.queue.add(`${e.cluster}/${e.namespace}/${e.name}`);
    });
    this.pods.onEvent((e) => {
      if (!e.namespace) return;
      this.index(this.podIndex, e);
      for (const name of this.serviceIndex.get(`${e.cluster}/${e.namespace}`)?.keys() ?? []) {
        this.queue.add(`${e.cluster}/${e.namespace}/${name}`);
      }
    });
  }

  private index<T>(
    index: Map<string, Map<string, T>>,
    e: { cluster: string; namespace: string | undefined; name: string; object: T | undefined },
  ): void {
    const key = `${e.cluster}/${e.namespace}`;
    const names = index.get(key) ?? new Map<string, T>();
    if (e.object) names.set(e.name, e.object);
    else names.delete(e.name);
    if (names.size > 0) index.set(key, names);
    else index.delete(key);
  }

  async start(): Promise<void> {
    await this.services.start();
    await this.pods.start();
    this.queue.start();
  }

  stop(): void {
    this.queue.stop();
    this.services.stop();
    this.pods.stop();
  }

  /** Waits until nothing is queued (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async reconcile(key: string): Promise<undefined> {
    const [cluster, namespace, name] = key.split('/') as [string, string, string];
    const service = this.serviceIndex.get(`${cluster}/${namespace}`)?.get(name);
    const entry = { cluster, namespace, name };
    if (!service) {
      await this.deleteEndpoints(entry);
      return undefined;
    }
    const selector = service.spec?.selector;
    // A Service without a selector has endpoints its owner writes.
    if (!selector || Object.keys(selector).length === 0) return undefined;
    const pods = [...(this.podIndex.get(`${cluster}/${namespace}`)?.values() ?? [])];
    const groups = serviceEndpoints(
      { ...service, metadata: { ...service.metadata, namespace } },
      pods,
    );
    await this.writeSlices({ ...entry, object: service }, groups);
    await this.writeEndpoints({ ...entry, object: service }, groups);
    return undefined;
  }

  private async writeSlices(svc: Entry<Service>, groups: EndpointGroup[]): Promise<void> {
    const client = this.client.resource(svc.cluster, SLICES, svc.namespace);
    const labels = { [LABEL_SERVICE_NAME]: svc.name, [LABEL_MANAGED_BY]: ENDPOINTSLICE_CONTROLLER };
    const existing = (await client.list({ labels: labelSelectorFromSet(labels) }))
      .items as EndpointSlice[];
    // One slice per port set (at most 100 endpoints each); one empty slice when none.
    const wanted: EndpointGroup[] = [];
    for (const g of groups) {
      for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
        wanted.push({
          ports: g.ports,
          endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE),
        });
      }
    }
    if (wanted.length === 0) wanted.push({ ports: [], endpoints: [] });
    const unused = [...existing];
    const owner = {
      apiVersion: 'v1',
      kind: 'Service',
      name: svc.name,
      uid: svc.object.metadata.uid ?? '',
      controller: true,
      blockOwnerDeletion: true,
    };
    for (const group of wanted) {
      const at = unused.findIndex((s) => isDeepStrictEqual(s.ports ?? [], group.ports));
      const reuse = at >= 0 ? unused.splice(at, 1)[0] : unused.shift();
      const body = {
        addressType: 'IPv4' as const,
        endpoints: group.endpoints,
        ports: group.ports,
      };
      if (!reuse) {
        await client.create({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            generateName: `${svc.name}-`,
            namespace: svc.namespace,
            labels,
            ownerReferences: [owner],
          },
          ...body,
        } as KubeObject);
      } else if (
        !isDeepStrictEqual(reuse.endpoints ?? [], body.endpoints) ||
        !isDeepStrictEqual(reuse.ports ?? [], body.ports)
      ) {
        await client.update({ ...reuse, ...body } as KubeObject);
      }
    }
    for (const stale of unused) await this.ignoreMissing(client.delete(stale.metadata.name ?? ''));
  }

  private async writeEndpoints(svc: Entry<Service>, groups: EndpointGroup[]): Promise<void> {
    const client = this.client.resource(svc.cluster, ENDPOINTS, svc.namespace);
    const subsets = groups
      .map((g) => {
        const address = (e: (typeof g.endpoints)[number]): EndpointAddress => ({
          ip: e.addresses[0] as string,
          ...(e.nodeName ? { nodeName: e.nodeName } : {}),
          ...(e.targetRef ? { targetRef: e.targetRef } : {}),
        });
        const ready = g.endpoints.filter((e) => e.conditions?.ready).map(address);
        const notReady = g.endpoints.filter((e) => !e.conditions?.ready).map(address);
        return {
          ...(ready.length > 0 ? { addresses: ready } : {}),
          ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}),
          ports: g.ports.map((p) => ({
            ...(p.name ? { name: p.name } : {}),
            port: p.port as number,
            protocol: p.protocol ?? 'TCP',
          })),
        };
      })
      .filter((s) => s.addresses || s.notReadyAddresses);
    const current = (await client.find(svc.name)) as Endpoints | undefined;
    const labels = {
      ...(svc.object.metadata.labels ?? {}),
      'endpoints.kubernetes.io/managed-by': 'endpoint-controller',
    };
    if (!current) {
      await client.create({
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: svc.name, namespace: svc.namespace, labels },
        ...(subsets.length > 0 ? { subsets } : {}),
      } as KubeObject);
    } else if (
      !isDeepStrictEqual(current.subsets ?? [], subsets) ||
      !isDeepStrictEqual(current.metadata.labels ?? {}, labels)
    ) {
      const next: Endpoints = { ...current, metadata: { ...current.metadata, labels } };
      if (subsets.length > 0) next.subsets = subsets;
      else delete next.subsets;
      await client.update(next);
    }
  }

  private async deleteEndpoints(entry: { cluster: string; namespace: string; name: string }) {
    const client = this.client.resource(entry.cluster, ENDPOINTS, entry.namespace);
    const current = await client.find(entry.name);
    if (
      current?.metadata.labels?.['endpoints.kubernetes.io/managed-by'] === 'endpoint-controller'
    ) {
      await this.ignoreMissing(client.delete(entry.name));
    }
  }

  private async ignoreMissing(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
}
