/**
 * The service account controller (kube-controller-manager's, which kcp runs in every
 * workspace too): every namespace that is not terminating has a ServiceAccount `default`,
 * made again if it is deleted.
 *
 * Follows the store: the `default` accounts it sees are remembered by namespace, so a
 * namespace that has one costs no read, on start or later.
 */
import type { KubeObject } from '../../../apimachinery/meta.ts';
import type { Logger } from '../../../cli/log.ts';
import type { Client } from '../../../controller/client.ts';
import { StoreFollower } from '../../../controller/store-follower.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import { objectKey, parseObjectKey, resourcePrefix } from '../../../storage/keys.ts';
import type { Store } from '../../../storage/store.ts';

const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };
const SERVICE_ACCOUNTS = { group: '', version: 'v1', resource: 'serviceaccounts' };
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** The store key of a namespace. */
const namespaceKey = (cluster: string, name: string) =>
  objectKey({ group: '', resource: 'namespaces', cluster, name });

export class ServiceAccountController {
  private readonly client: Client;
  /** Keys of namespaces whose `default` account exists. */
  private readonly provided = new Set<string>();
  private readonly accounts: StoreFollower;
  private readonly namespaces: StoreFollower;
  readonly queue: WorkQueue;

  constructor(client: Client, store: Store, logger: Logger) {
    this.client = client;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      name: 'serviceaccount',
      logger,
      concurrency: 4,
    });
    const onError = (err: unknown) =>
      logger.warn({ err: (err as Error).message }, 'serviceaccount: relisting');
    this.accounts = new StoreFollower(
      store,
      resourcePrefix({ group: '', resource: 'serviceaccounts' }),
      (key, value) => {
        const { cluster, namespace = '', name } = parseObjectKey(key);
        if (name !== DEFAULT_SERVICE_ACCOUNT) return;
        const ns = namespaceKey(cluster, namespace);
        if (value !== undefined) {
          this.provided.add(ns);
          return;
        }
        this.provided.delete(ns);
        this.queue.add(ns);
      },
      { trackKeys: true, onError },
    );
    this.namespaces = new StoreFollower(
      store,
      resourcePrefix({ group: '', resource: 'namespaces' }),
      (key, value) => {
        if (value === undefined) {
          this.provided.delete(key);
          return;
        }
        if (!this.provided.has(key) && !terminating(value)) this.queue.add(key);
      },
      { trackKeys: false, onError },
    );
  }

  /** Starts following accounts first, so that namespaces with one are not queued. */
  async start(): Promise<void> {
    await this.accounts.start();
    await this.namespaces.start();
  }

  private async reconcile(key: string): Promise<undefined> {
    if (this.provided.has(key)) return undefined;
    const { cluster, name } = parseObjectKey(key);
    const ns = await this.client.resource(cluster, NAMESPACES).find(name);
    if (!ns || ns.metadata.deletionTimestamp) return undefined;
    await this.client.resource(cluster, SERVICE_ACCOUNTS, name).createIfAbsent({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: name },
    });
    return undefined;
  }

  stop(): void {
    this.accounts.stop();
    this.namespaces.stop();
    this.queue.stop();
  }
}

function terminating(value: string): boolean {
  try {
    return (JSON.parse(value) as KubeObject).metadata?.deletionTimestamp !== undefined;
  } catch {
    return false;
  }
}
