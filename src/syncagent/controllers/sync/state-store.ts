/**
 * The last state the agent synced of each source object, kept on the service cluster in
 * `--namespace` as api-syncagent does: one Secret per primary object,
 * `obj-state-<cluster>-<hash>`, labelled `syncagent.kcp.io/object-state=true` plus the
 * primary's link labels; one data key per source object (the primary and its related
 * objects). Spec changes are merge patches from this state to the source's current state,
 * so what the service side adds or defaults is never undone.
 *
 * Only the leading replica writes, one reconcile per primary at a time, so reads are served
 * from a write-through cache (a conflict drops the cache entry and re-reads).
 */

import type { JsonObject, KubeObject } from '../../../apimachinery/meta.ts';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeClient,
} from '../../../controller/kube/client.ts';
import { Reflector } from '../../../controller/kube/reflector.ts';
import type { Logger } from '../../../logging/logger.ts';
import { canonicalJson, OBJECT_STATE_LABEL, SECRETS, sha1Hex, shortHash } from '../../constants.ts';
import type { SourceKey } from './metadata.ts';
import { BY_WORKSPACE, byWorkspaceIndex } from './shared.ts';

interface StateSecret {
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
  };
  data?: Record<string, string>;
  type?: string;
}

interface Entry {
  /** undefined: the Secret does not exist. */
  secret: StateSecret | undefined;
}

export interface PrimaryIdentity {
  readonly cluster: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export function stateSecretName(primary: PrimaryIdentity): string {
  const hash = shortHash(
    canonicalJson({
      apiVersion: primary.apiVersion,
      kind: primary.kind,
      namespace: primary.namespace,
      name: primary.name,
    }),
  );
  return `obj-state-${primary.cluster}-${hash}`.slice(0, 253);
}

/** The data key of one source object: its workspace (or '' on the service side), kind and place. */
export function stateKey(source: SourceKey & { apiVersion: string; kind: string }): string {
  return sha1Hex(
    `${source.cluster}|${source.apiVersion}|${source.kind}|${source.namespace}/${source.name}`,
  );
}

export class StateStore {
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #log: Logger;
  readonly #cache = new Map<string, Entry>();
  #watch: Reflector | undefined;

  constructor(client: KubeClient, namespace: string, log: Logger) {
    this.#client = client;
    this.#namespace = namespace;
    this.#log = log;
  }

  /**
   * Watches the state Secrets, so a primary seen for the first time needs no read (most
   * are new and have none). Without it every first read is a GET.
   */
  start(): Promise<void> {
    this.#watch = new Reflector({
      client: this.#client,
      ref: SECRETS,
      namespace: this.#namespace,
      labelSelector: `${OBJECT_STATE_LABEL}=true`,
      indexes: byWorkspaceIndex,
      log: this.#log,
      name: 'state secrets',
    });
    return this.#watch.start();
  }

  async stop(): Promise<void> {
    await this.#watch?.stop();
  }

  /** The workspaces that have state Secrets, as the watch has them; undefined until it synced. */
  workspacesWatched(): string[] | undefined {
    return this.#watch?.hasSynced ? this.#watch.indexValues(BY_WORKSPACE) : undefined;
  }

  /** The state Secrets of one workspace as the watch has them; undefined until it synced. */
  watchedOfWorkspace(cluster: string): KubeObject[] | undefined {
    return this.#watch?.hasSynced ? this.#watch.byIndex(BY_WORKSPACE, cluster) : undefined;
  }

  async #load(name: string, fresh = false): Promise<Entry> {
    const cached = this.#cache.get(name);
    if (cached && !fresh) return cached;
    if (!fresh && this.#watch?.hasSynced) {
      const watched = this.#watch.get(`${this.#namespace}/${name}`) as StateSecret | undefined;
      const entry = { secret: watched ? structuredClone(watched) : undefined };
      this.#cache.set(name, entry);
      return entry;
    }
    const secret = await this.#client.getOrUndefined<StateSecret>(SECRETS, this.#namespace, name);
    const entry = { secret };
    this.#cache.set(name, entry);
    if (this.#cache.size > 50_000) this.#cache.delete(this.#cache.keys().next().value as string);
    return entry;
  }

  async get(name: string, key: string): Promise<JsonObject | undefined> {
    const entry = await this.#load(name);
    const raw = entry.secret?.data?.[key];
    if (!raw) return undefined;
    try {
      return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as JsonObject;
    } catch {
      // Defective state: fall back to a full update.
      return undefined;
    }
  }

  /** Stores `value` under `key` (no write when unchanged). */
  async put(
    name: string,
    labels: Record<string, string>,
    key: string,
    value: JsonObject,
  ): Promise<void> {
    const encoded = Buffer.from(canonicalJson(value)).toString('base64');
    for (let attempt = 0; ; attempt++) {
      const entry = await this.#load(name, attempt > 0);
      const current = entry.secret;
      if (current?.data?.[key] === encoded) return;
      const allLabels = { ...labels, [OBJECT_STATE_LABEL]: 'true' };
      try {
        if (!current) {
          entry.secret = await this.#client.create<StateSecret>(SECRETS, this.#namespace, {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name, namespace: this.#namespace, labels: allLabels },
            type: 'Opaque',
            data: { [key]: encoded },
          });
        } else {
          entry.secret = await this.#client.update<StateSecret>(SECRETS, this.#namespace, name, {
            apiVersion: 'v1',
            kind: 'Secret',
            ...current,
            metadata: { ...current.metadata, labels: { ...current.metadata.labels, ...allLabels } },
            data: { ...current.data, [key]: encoded },
          });
        }
        return;
      } catch (err) {
        this.#cache.delete(name);
        if (attempt < 4 && (isConflict(err) || isAlreadyExists(err) || isNotFound(err))) continue;
        throw err;
      }
    }
  }

  /** Drops one key (a related object that is no longer synced). */
  async forget(name: string, key: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const entry = await this.#load(name, attempt > 0);
      const current = entry.secret;
      if (!current?.data || !(key in current.data)) return;
      const data = { ...current.data };
      delete data[key];
      try {
        entry.secret = await this.#client.update<StateSecret>(SECRETS, this.#namespace, name, {
          apiVersion: 'v1',
          kind: 'Secret',
          ...current,
          data,
        });
        return;
      } catch (err) {
        this.#cache.delete(name);
        if (attempt < 4 && (isConflict(err) || isNotFound(err))) continue;
        throw err;
      }
    }
  }

  async delete(name: string): Promise<void> {
    this.#cache.delete(name);
    await this.#client.delete(SECRETS, this.#namespace, name);
    this.#cache.set(name, { secret: undefined });
    this.#log.debug({ secret: name }, 'state secret deleted');
  }

  /** Forgets cached state (e.g. after leadership changed hands). */
  clear(): void {
    this.#cache.clear();
  }
}
