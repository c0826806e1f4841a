/**
 * The APIExportEndpointSlice controller: lists the virtual workspace URL of the export
 * once some workspace binds it (the URL a provider's controllers, such as the sync agent,
 * connect to), and says whether the export it names exists.
 */

import {
  type APIExportEndpointSlice,
  APIS_GROUP,
  ENDPOINT_SLICES_GVR,
} from '../../../api/apis/types.ts';
import { sameStatusIgnoringTimes, setCondition } from '../../../apimachinery/conditions.ts';
import { type Condition, nameOf } from '../../../apimachinery/meta.ts';
import type { Client } from '../../../apiserver/client.ts';
import { StoreInformer } from '../../../controller/store-informer.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { parseObjectKey, resourcePrefix } from '../../../storage/keys.ts';
import type { Store } from '../../../storage/store.ts';
import type { ApiIndex } from '../../api-index.ts';

/** The virtual workspace URL of an export. */
export function apiExportUrl(baseUrl: string, exportCluster: string, exportName: string): string {
  return `${baseUrl}/services/apiexport/${exportCluster}/${exportName}`;
}

export class EndpointSliceController {
  private readonly client: Client;
  private readonly index: ApiIndex;
  private readonly baseUrl: () => string;
  readonly slices: StoreInformer<APIExportEndpointSlice>;
  readonly queue: WorkQueue;

  constructor(
    client: Client,
    store: Store,
    index: ApiIndex,
    baseUrl: () => string,
    logger: Logger,
  ) {
    this.client = client;
    this.index = index;
    this.baseUrl = baseUrl;
    this.slices = new StoreInformer(
      store,
      resourcePrefix({ group: APIS_GROUP, resource: 'apiexportendpointslices' }),
    );
    this.queue = new WorkQueue((k) => this.reconcile(k), {
      name: 'endpointslice',
      logger,
      concurrency: 4,
    });
    this.slices.onEvent((e) => {
      if (e.object) this.queue.add(e.key);
    });
    // Bindings coming and going, and exports appearing, change what slices list.
    const all = () => {
      for (const [k] of this.slices.entries()) this.queue.add(k);
    };
    index.bindings.onEvent(all);
    index.exports.onEvent(all);
  }

  async start(): Promise<void> {
    await this.slices.start();
  }

  private async reconcile(key: string): Promise<undefined> {
    const slice = this.slices.get(key);
    if (!slice || slice.metadata.deletionTimestamp) return undefined;
    const { cluster } = parseObjectKey(key);
    const ref = slice.spec.export;
    const exportCluster = this.index.exportCluster(cluster, ref.path);
    const exists =
      exportCluster !== undefined && this.index.exportOf(exportCluster, ref.name) !== undefined;
    const bound = exists && this.index.bindingsOf(exportCluster, ref.name).length > 0;
    const conditions: Condition[] = structuredClone(slice.status?.conditions ?? []);
    setCondition(
      conditions,
      exists
        ? { type: 'APIExportValid', status: 'True', reason: 'Valid', message: '' }
        : {
            type: 'APIExportValid',
            status: 'False',
            reason: 'APIExportNotFound',
            message: `APIExport ${ref.path ? `${ref.path}:` : ''}${ref.name} not found`,
          },
    );
    setCondition(conditions, {
      type: 'EndpointURLsReady',
      status: 'True',
      reason: 'Ready',
      message: '',
    });
    const endpoints = bound
      ? [{ url: apiExportUrl(this.baseUrl(), exportCluster as string, ref.name) }]
      : [];
    const next = { ...slice.status, endpoints, conditions };
    if (sameStatusIgnoringTimes(next, slice.status ?? {})) return undefined;
    await this.client
      .resource(cluster, ENDPOINT_SLICES_GVR)
      .modify(nameOf(slice), (cur) => ({ ...cur, status: next }), 'status');
    return undefined;
  }

  stop(): void {
    this.slices.stop();
    this.queue.stop();
  }
}
