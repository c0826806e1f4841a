/**
 * The sync controller of one PublishedResource (api-syncagent's `syncagent-sync`), its
 * wiring: one wildcard watch on the projected resource through the APIExport virtual
 * workspace (every bound workspace at once), one watch on the agent's copies on the
 * service cluster (label `syncagent.kcp.io/agent-name`), the index from tenant objects to
 * their copies, and a work queue of tenant objects (`cluster|namespace|name`) with
 * exponential backoff. Each key is handed to the reconcile (`sync-reconcile.ts`) or, for
 * an object going away, to `sync-delete.ts`, through `SyncOps` built here on the clients.
 * Errors are retried and shown to the tenant as Warning `ReconcilingError` events.
 */
import type { KubeObject } from '../../../apimachinery/meta.ts';
import { apiVersionOfRef, resourcePath } from '../../../controller/kube/client.ts';
import type { EventTarget } from '../../../controller/kube/events.ts';
import { addFinalizer, removeFinalizer } from '../../../controller/kube/finalizers.ts';
import { Reflector } from '../../../controller/kube/reflector.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import type { NormalizedSpec } from '../../apis/types.ts';
import { AGENT_NAME_LABEL, CLEANUP_FINALIZER, NAMESPACES, QUEUE_BACKOFF } from '../../constants.ts';
import type { Projection } from '../../projection.ts';
import { linkedSource, type SourceKey } from './metadata.ts';
import { cleanupRelated, destRef, originRef, pruneRelated, syncRelated } from './related.ts';
import {
  BY_CLUSTER,
  byClusterIndex,
  byNamespaceIndex,
  byWorkspaceIndex,
  type RelatedTracker,
  remoteKey,
  type SharedDeps,
  type SyncControllerHandle,
  splitRemoteKey,
} from './shared.ts';
import { finalizeObject, removeOrphanedCopies } from './sync-delete.ts';
import {
  ownerOf,
  type PrimaryObject,
  reconcileObject,
  type SyncEnv,
  type SyncOps,
  type SyncResult,
  stateSecretOf,
} from './sync-reconcile.ts';

export interface SyncControllerOptions {
  readonly deps: SharedDeps;
  readonly tracker: RelatedTracker;
  /** The PublishedResource's name. */
  readonly name: string;
  readonly spec: NormalizedSpec;
  readonly projection: Projection;
  readonly concurrency?: number;
  readonly workspacePath: (cluster: string) => Promise<string>;
}

/** A controller that has not reconciled every object it started with by then counts as done. */
const INITIAL_PASS_LIMIT_MS = 120_000;
/** How long a namespace's labels are trusted for the namespace filter. */
const NAMESPACE_LABELS_TTL_MS = 10_000;

const sourceKeyString = (s: SourceKey) => `${s.cluster}|${s.namespace}|${s.name}`;

export class SyncController implements SyncControllerHandle {
  /** The PublishedResource's name. */
  readonly name: string;
  readonly spec: NormalizedSpec;
  readonly projection: Projection;
  readonly log: Logger;
  /** The tenant objects, every bound workspace at once. */
  readonly remote: Reflector;
  /** The agent's copies on the service cluster. */
  readonly local: Reflector;
  readonly queue: WorkQueue;
  readonly #deps: SharedDeps;
  readonly #tracker: RelatedTracker;
  readonly #env: SyncEnv;
  /** remote key → local keys (`namespace/name`) of its copies. */
  readonly #copies = new Map<string, Set<string>>();
  readonly #namespaceLabels = new Map<string, { labels: Record<string, string>; at: number }>();
  #pendingInitial: Set<string> | undefined;
  #startedAt = 0;
  #initialDone = false;
  #stopped = false;

  constructor(options: SyncControllerOptions) {
    const { deps, projection } = options;
    this.name = options.name;
    this.spec = options.spec;
    this.projection = projection;
    this.#deps = deps;
    this.#tracker = options.tracker;
    this.log = deps.log.child({ controller: 'sync', publishedResource: options.name });
    this.remote = new Reflector({
      client: deps.vw.wildcard,
      ref: projection.remote,
      key: remoteKey,
      indexes: byClusterIndex,
      log: this.log,
      name: `kcp ${projection.remote.plural}.${projection.remote.group}`,
      onFailure: () => deps.metrics.watchFailures.inc({ watch: `kcp ${options.name}` }),
    });
    this.local = new Reflector({
      client: deps.service,
      ref: projection.local,
      labelSelector: `${AGENT_NAME_LABEL}=${deps.agentName}`,
      indexes: { ...byWorkspaceIndex, ...byNamespaceIndex },
      log: this.log,
      name: `service ${projection.local.plural}.${projection.local.group}`,
      onFailure: () => deps.metrics.watchFailures.inc({ watch: `service ${options.name}` }),
    });
    this.queue = new WorkQueue((key) => this.#process(key), {
      ...QUEUE_BACKOFF,
      concurrency: options.concurrency ?? 16,
      paused: true,
      onError: (key, err, failures) => {
        const fields = { object: key, failures, err: (err as Error).message };
        if (failures === 1 || failures % 10 === 0) this.log.warn(fields, 'sync failed; retrying');
        else this.log.debug(fields, 'sync failed; retrying');
        this.#reportError(key, err);
      },
    });
    this.#env = {
      ops: this.#ops(options.workspacePath),
      spec: options.spec,
      remoteRef: projection.remote,
      localRef: projection.local,
      hasStatus: projection.hasStatus,
      hasConditions: projection.hasConditions,
      agentName: deps.agentName,
      publishedResource: options.name,
      lastDests: new Map(),
      log: this.log,
    };
  }

  get initialPassDone(): boolean {
    if (this.#initialDone) return true;
    if (this.#startedAt && Date.now() - this.#startedAt > INITIAL_PASS_LIMIT_MS) return true;
    return false;
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Syncs every tenant object of one workspace again (its binding's claims changed). */
  resyncCluster(cluster: string): void {
    for (const obj of this.remote.byIndex(BY_CLUSTER, cluster)) this.queue.add(remoteKey(obj));
  }

  async start(): Promise<void> {
    this.#tracker.register(this);
    this.local.on((type, obj, old) => {
      const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
      const before = old ? linkedSource(old) : undefined;
      const after = linkedSource(obj);
      for (const source of [before, type === 'delete' ? after : undefined]) {
        if (!source) continue;
        const set = this.#copies.get(sourceKeyString(source));
        set?.delete(key);
        if (set?.size === 0) this.#copies.delete(sourceKeyString(source));
        this.queue.add(sourceKeyString(source));
      }
      if (type !== 'delete' && after) {
        let set = this.#copies.get(sourceKeyString(after));
        if (!set) {
          set = new Set();
          this.#copies.set(sourceKeyString(after), set);
        }
        set.add(key);
        this.queue.add(sourceKeyString(after));
      }
    });
    this.remote.on((_type, obj) => this.queue.add(remoteKey(obj)));
    for (const rule of this.spec.related) {
      await this.#tracker.watch(originRef(rule));
      await this.#tracker.watch(destRef(rule));
    }
    void this.#startQueue();
  }

  async #startQueue(): Promise<void> {
    await Promise.all([this.local.start(), this.remote.start()]);
    if (this.#stopped) return;
    this.#startedAt = Date.now();
    const initial = new Set<string>([...this.remote.list().map(remoteKey), ...this.#copies.keys()]);
    this.#pendingInitial = initial;
    if (initial.size === 0) this.#initialDone = true;
    this.log.info(
      { tenantObjects: this.remote.size, copies: this.local.size },
      'caches synced; syncing',
    );
    this.queue.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#tracker.unregister(this.name);
    this.queue.stop();
    await Promise.all([this.remote.stop(), this.local.stop()]);
    await this.queue.idle();
  }

  /** Waits until nothing is queued (tests, benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async #process(key: string): Promise<SyncResult> {
    const { metrics } = this.#deps;
    try {
      const result = await metrics.timeReconcile('sync', () => this.#reconcile(key));
      if (this.#pendingInitial?.delete(key) && this.#pendingInitial.size === 0)
        this.#initialDone = true;
      return result;
    } finally {
      metrics.queueDepth.set({ controller: `sync ${this.name}` }, this.queue.length);
    }
  }

  #reconcile(key: string): Promise<SyncResult> {
    const primary: PrimaryObject = {
      key,
      source: splitRemoteKey(key),
      remote: this.remote.get(key),
      copies: this.#copiesOf(key),
    };
    if (!primary.remote) return removeOrphanedCopies(this.#env, primary);
    if (primary.remote.metadata.deletionTimestamp) return finalizeObject(this.#env, primary);
    return reconcileObject(this.#env, primary);
  }

  #copiesOf(key: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const k of this.#copies.get(key) ?? []) {
      const obj = this.local.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  #reportError(key: string, err: unknown): void {
    const remote = this.remote.get(key);
    if (!remote || remote.metadata.deletionTimestamp) return;
    this.#event(
      splitRemoteKey(key).cluster,
      remote,
      'Warning',
      'ReconcilingError',
      `A provider-side issue has occurred: ${(err as Error).message}`,
    );
  }

  #event(
    cluster: string,
    remote: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    const ref = this.projection.remote;
    const target: EventTarget = {
      apiVersion: apiVersionOfRef(ref),
      kind: ref.kind,
      name: remote.metadata.name ?? '',
      ...(remote.metadata.namespace ? { namespace: remote.metadata.namespace } : {}),
      ...(remote.metadata.uid ? { uid: remote.metadata.uid } : {}),
    };
    this.#deps.events.record(target, type, reason, message, cluster);
  }

  async #namespaceLabelsOf(cluster: string, namespace: string): Promise<Record<string, string>> {
    const key = `${cluster}|${namespace}`;
    let cached = this.#namespaceLabels.get(key);
    if (!cached || Date.now() - cached.at > NAMESPACE_LABELS_TTL_MS) {
      const ns = await this.#deps.vw
        .cluster(cluster)
        .getOrUndefined(NAMESPACES, undefined, namespace);
      cached = { labels: ns?.metadata.labels ?? {}, at: Date.now() };
      this.#namespaceLabels.set(key, cached);
    }
    return cached.labels;
  }

  /** The reconcile's reads and writes on this agent's clients, caches and index. */
  #ops(workspacePath: (cluster: string) => Promise<string>): SyncOps {
    const deps = this.#deps;
    const remoteRef = this.projection.remote;
    const localRef = this.projection.local;
    const tenant = (cluster: string) => deps.vw.cluster(cluster);
    const ns = (namespace: string) => namespace || undefined;
    return {
      tenant: {
        addFinalizer: (cluster, obj) =>
          addFinalizer(tenant(cluster), remoteRef, obj, CLEANUP_FINALIZER),
        removeFinalizer: async (cluster, obj) => {
          await removeFinalizer(tenant(cluster), remoteRef, obj, CLEANUP_FINALIZER);
        },
        get: (cluster, place) =>
          tenant(cluster).getOrUndefined(remoteRef, ns(place.namespace), place.name),
        probeCollection: async (cluster, namespace) => {
          await tenant(cluster).request('GET', resourcePath(remoteRef, ns(namespace)), {
            query: { limit: '1' },
          });
        },
        patch: async (cluster, place, patch) => {
          await tenant(cluster).patch(remoteRef, ns(place.namespace), place.name, patch);
        },
        patchStatus: async (cluster, place, patch) => {
          await tenant(cluster).patch(remoteRef, ns(place.namespace), place.name, patch, {
            subresource: 'status',
          });
        },
        namespaceLabels: (cluster, namespace) => this.#namespaceLabelsOf(cluster, namespace),
        workspacePath,
        listed: () => this.remote.hasSynced,
        bound: (cluster) => deps.bindings.synced && deps.bindings.bound(cluster),
        claims: (cluster) => deps.bindings.claims(cluster),
      },
      copies: {
        get: (place) => deps.service.getOrUndefined(localRef, ns(place.namespace), place.name),
        create: (namespace, obj) => deps.service.create(localRef, ns(namespace), obj),
        patch: (place, patch) =>
          deps.service.patch(localRef, ns(place.namespace), place.name, patch),
        update: (place, obj) => deps.service.update(localRef, ns(place.namespace), place.name, obj),
        delete: (place) => deps.service.delete(localRef, ns(place.namespace), place.name),
      },
      namespaces: deps.namespaces,
      state: deps.state,
      related: (source, remote, local, clusterPath) => {
        const state = stateSecretOf(this.#env, source);
        const context = {
          deps,
          tracker: this.#tracker,
          publishedResource: this.name,
          owner: ownerOf(this.#env, sourceKeyString(source)),
          cluster: source.cluster,
          clusterPath,
          remote,
          local,
          remoteClient: tenant(source.cluster),
          stateSecret: state.name,
          stateLabels: state.labels,
          record: (action: string) => this.#record(action),
        };
        return {
          sync: (rule) => syncRelated(context, rule),
          prune: (rule, keep) => pruneRelated(context, rule, keep),
          cleanup: (rule) => cleanupRelated(context, rule),
        };
      },
      setUses: (owner, uses) => this.#tracker.setUses(owner, [...uses]),
      setSelectors: (owner, selectors) => this.#tracker.setSelectors(owner, [...selectors]),
      event: (cluster, obj, type, reason, message) =>
        this.#event(cluster, obj, type, reason, message),
      record: (action) => this.#record(action),
    };
  }

  #record(action: string): void {
    this.#deps.metrics.synced.inc({ published_resource: this.name, action });
  }
}
