/**
 * The legacy service account token controller (the tokens controller of
 * kube-controller-manager): a Secret of type `kubernetes.io/service-account-token`
 * annotated `kubernetes.io/service-account.name: <sa>` gets a long-lived token for that
 * account in `data.token`, the server CA in `data.ca.crt`, its namespace in
 * `data.namespace`, and the account's uid in `kubernetes.io/service-account.uid`.
 *
 * A token Secret whose account does not exist (after a short grace, for manifests that
 * create the Secret first) or whose account was recreated (another uid) is deleted, and
 * deleting an account deletes its token Secrets. Tokens are checked against both at
 * authentication time anyway, so a deleted account's tokens stop working at once.
 *
 * Follows the store directly and keeps nothing but a work queue: Secrets are not cached.
 */
import {
  asKubeObject,
  isJsonObject,
  type JsonObject,
  type KubeObject,
  objectOrEmpty,
} from '../../../apimachinery/meta.ts';
import { StoreFollower } from '../../../controller/store-follower.ts';
import { Requeue, WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { parseObjectKey, resourcePrefix } from '../../../storage/keys.ts';
import type { Store } from '../../../storage/store.ts';
import type { ServiceAccountTokens } from '../../authn/service-accounts.ts';
import {
  SERVICE_ACCOUNT_NAME_ANNOTATION,
  SERVICE_ACCOUNT_UID_ANNOTATION,
} from '../../builtin/core/secrets.ts';
import type { Client } from '../../client.ts';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';

const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
const SERVICE_ACCOUNTS = { group: '', version: 'v1', resource: 'serviceaccounts' };
/** How long a token Secret may wait for its service account to appear. */
const GRACE_MS = 30_000;
const RETRY_MS = 1_000;

export interface TokenControllerDeps {
  readonly client: Client;
  readonly store: Store;
  readonly tokens: ServiceAccountTokens;
  /** The server CA, PEM, for `data.ca.crt`. */
  readonly caPem: string;
  readonly logger: Logger;
  readonly now?: () => number;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function needsWork(secret: KubeObject): boolean {
  if (secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE) return false;
  if (secret.metadata.deletionTimestamp) return false;
  const data = objectOrEmpty(secret.data);
  return (
    !secret.metadata.annotations?.[SERVICE_ACCOUNT_UID_ANNOTATION] ||
    typeof data.token !== 'string' ||
    typeof data['ca.crt'] !== 'string' ||
    typeof data.namespace !== 'string'
  );
}

export class ServiceAccountTokenController {
  private readonly deps: TokenControllerDeps;
  private readonly now: () => number;
  readonly queue: WorkQueue;
  private readonly followers: StoreFollower[];

  constructor(deps: TokenControllerDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      name: 'serviceaccount-token',
      logger: deps.logger,
      concurrency: 4,
    });
    const onError = (err: unknown) =>
      deps.logger.warn({ err: (err as Error).message }, 'serviceaccount-token: relisting');
    this.followers = [
      new StoreFollower(
        deps.store,
        resourcePrefix({ group: '', resource: 'secrets' }),
        (key, value) => {
          if (value === undefined) return;
          // Filled ones are looked at too: their account may have been recreated meanwhile.
          if (parse(value)?.type === SERVICE_ACCOUNT_TOKEN_TYPE) this.queue.add(`secret:${key}`);
        },
        { trackKeys: false, onError },
      ),
      new StoreFollower(
        deps.store,
        resourcePrefix({ group: '', resource: 'serviceaccounts' }),
        (key, value) => {
          if (value === undefined) this.queue.add(`deleted:${key}`);
        },
        { trackKeys: true, onError },
      ),
    ];
  }

  async start(): Promise<void> {
    for (const f of this.followers) await f.start();
  }

  private async reconcile(item: string): Promise<Requeue | undefined> {
    if (item.startsWith('secret:')) return this.syncSecret(item.slice('secret:'.length));
    if (item.startsWith('deleted:')) await this.deleteTokensOf(item.slice('deleted:'.length));
    return undefined;
  }

  private async syncSecret(key: string): Promise<Requeue | undefined> {
    const { cluster, namespace = '', name } = parseObjectKey(key);
    const secrets = this.deps.client.resource(cluster, SECRETS, namespace);
    const secret = await secrets.find(name);
    if (
      !secret ||
      secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE ||
      secret.metadata.deletionTimestamp
    ) {
      return undefined;
    }
    const saName = secret.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION];
    if (!saName) return undefined;
    const sa = await this.deps.client.resource(cluster, SERVICE_ACCOUNTS, namespace).find(saName);
    const wantUid = secret.metadata.annotations?.[SERVICE_ACCOUNT_UID_ANNOTATION];
    if (!sa) {
      const created = Date.parse(secret.metadata.creationTimestamp ?? '');
      if (!wantUid && Number.isFinite(created) && this.now() - created < GRACE_MS) {
        return new Requeue(RETRY_MS);
      }
      await this.deleteSecret(cluster, namespace, name);
      return undefined;
    }
    const uid = sa.metadata.uid ?? '';
    if (wantUid && wantUid !== uid) {
      // The account was deleted and recreated: this Secret belonged to the old one.
      await this.deleteSecret(cluster, namespace, name);
      return undefined;
    }
    if (!needsWork(secret)) return undefined;
    const token = this.deps.tokens.mintLegacy({ cluster, namespace, name: saName, uid }, name);
    const data = objectOrEmpty(secret.data);
    const patch: JsonObject = {
      metadata: { annotations: { [SERVICE_ACCOUNT_UID_ANNOTATION]: uid } },
      data: {
        ...data,
        token: typeof data.token === 'string' && wantUid === uid ? data.token : b64(token),
        'ca.crt': b64(this.deps.caPem),
        namespace: b64(namespace),
      },
    };
    try {
      await secrets.patch(name, patch);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
    return undefined;
  }

  /** Deletes the token Secrets of a deleted service account. */
  private async deleteTokensOf(saKey: string): Promise<void> {
    const { cluster, namespace = '', name } = parseObjectKey(saKey);
    // An account of the same name may exist again; its own Secrets stay.
    const current = await this.deps.client
      .resource(cluster, SERVICE_ACCOUNTS, namespace)
      .find(name);
    const list = await this.deps.client.resource(cluster, SECRETS, namespace).list({});
    for (const secret of list.items) {
      if (secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE) continue;
      const annotations = secret.metadata.annotations ?? {};
      if (annotations[SERVICE_ACCOUNT_NAME_ANNOTATION] !== name) continue;
      const owner = annotations[SERVICE_ACCOUNT_UID_ANNOTATION];
      if (current && (!owner || owner === current.metadata.uid)) continue;
      await this.deleteSecret(cluster, namespace, secret.metadata.name ?? '');
    }
  }

  private async deleteSecret(cluster: string, namespace: string, name: string): Promise<void> {
    try {
      await this.deps.client.resource(cluster, SECRETS, namespace).delete(name);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }

  stop(): void {
    for (const f of this.followers) f.stop();
    this.queue.stop();
  }
}

function parse(value: string): KubeObject | undefined {
  try {
    const obj = JSON.parse(value) as unknown;
    return isJsonObject(obj) ? asKubeObject(obj) : undefined;
  } catch {
    return undefined;
  }
}
