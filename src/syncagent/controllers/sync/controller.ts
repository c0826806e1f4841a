/**
 * The sync controller of one PublishedResource (api-syncagent's `syncagent-sync`): one
 * wildcard watch on the projected resource through the APIExport virtual workspace (every
 * bound workspace at once), one watch on the agent's copies on the service cluster, and a
 * work queue of tenant objects (`cluster|namespace|name`).
 *
 * Per tenant object: find its copy by the link labels → deletion (copy deleted, the service
 * side's finalizers run, related copies cleaned up, then the tenant's finalizer removed) →
 * finalizer `syncagent.kcp.io/cleanup` → copy created where the naming rules say (namespace
 * created when needed), or spec merge-patched against the last synced state → status
 * copied up through `/status` → related objects. Events on the tenant object tell the
 * tenant what happened. Errors are retried with exponential backoff.
 */

import { labelSelectorFromObject } from '../../../apimachinery/labels.ts';
import type { JsonObject, KubeObject } from '../../../apimachinery/meta.ts';
import { createMergePatch } from '../../../apimachinery/patch/merge-patch.ts';
import {
  apiVersionOfRef,
  isAlreadyExists,
  isNotFound,
  type KubeClient,
  type ResourceRef,
  resourcePath,
} from '../../../controller/kube/client.ts';
import type { EventTarget } from '../../../controller/kube/events.ts';
import { addFinalizer, removeFinalizer } from '../../../controller/kube/finalizers.ts';
import { Reflector } from '../../../controller/kube/reflector.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import type { NormalizedSpec } from '../../apis/types.ts';
import {
  AGENT_NAME_LABEL,
  CLEANUP_FINALIZER,
  KCP_CLUSTER_ANNOTATION,
  KCP_PATH_ANNOTATION,
  NAMESPACES,
  QUEUE_BACKOFF,
  RELATED_ANNOTATION_PREFIX,
} from '../../constants.ts';
import type { Projection } from '../../projection.ts';
import { applyMutations } from '../../templating/mutation.ts';
import { localObjectName } from '../../templating/naming.ts';
import {
  buildObject,
  deepEqual,
  linkAnnotations,
  linkedSource,
  linkLabels,
  patchFromState,
  type SourceKey,
  syncContent,
  withoutManagedFields,
} from './metadata.ts';
import {
  cleanupRelated,
  destRef,
  originRef,
  type PrimaryContext,
  pruneRelated,
  syncRelated,
} from './related.ts';
import {
  type RelatedTracker,
  remoteKey,
  type SelectorUse,
  type SharedDeps,
  type SyncControllerHandle,
  splitRemoteKey,
} from './shared.ts';
import { stateKey, stateSecretName } from './state-store.ts';

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

type Result = { requeueAfterMs?: number } | undefined;

const INITIAL_PASS_LIMIT_MS = 120_000;

export class SyncController implements SyncControllerHandle {
  readonly name: string;
  readonly o: SyncControllerOptions;
  readonly log: Logger;
  readonly remote: Reflector;
  readonly local: Reflector;
  readonly queue: WorkQueue;
  /** remote key → local keys (`namespace/name`) of its copies. */
  readonly #copies = new Map<string, Set<string>>();
  readonly #lastDests = new Map<string, string>();
  readonly #namespaceLabels = new Map<string, { labels: Record<string, string>; at: number }>();
  #pendingInitial: Set<string> | undefined;
  #startedAt = 0;
  #initialDone = false;
  #stopped = false;

  constructor(options: SyncControllerOptions) {
    this.o = options;
    this.name = options.name;
    const { deps, projection } = options;
    this.log = deps.log.child({ controller: 'sync', publishedResource: options.name });
    this.remote = new Reflector({
      client: deps.vw.wildcard,
      ref: projection.remote,
      key: remoteKey,
      log: this.log,
      name: `kcp ${projection.remote.plural}.${projection.remote.group}`,
      onFailure: () => deps.metrics.watchFailures.inc({ watch: `kcp ${options.name}` }),
    });
    this.local = new Reflector({
      client: deps.service,
      ref: projection.local,
      labelSelector: `${AGENT_NAME_LABEL}=${deps.agentName}`,
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
  }

  get initialPassDone(): boolean {
    if (this.#initialDone) return true;
    if (this.#startedAt && Date.now() - this.#startedAt > INITIAL_PASS_LIMIT_MS) return true;
    return false;
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  async start(): Promise<void> {
    const { tracker } = this.o;
    tracker.register(this);
    this.local.on((type, obj, old) => {
      const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
      const rk = (s: SourceKey) => `${s.cluster}|${s.namespace}|${s.name}`;
      const before = old ? linkedSource(old) : undefined;
      const after = linkedSource(obj);
      for (const s of [before, type === 'delete' ? after : undefined]) {
        if (!s) continue;
        const set = this.#copies.get(rk(s));
        set?.delete(key);
        if (set?.size === 0) this.#copies.delete(rk(s));
        this.queue.add(rk(s));
      }
      if (type !== 'delete' && after) {
        let set = this.#copies.get(rk(after));
        if (!set) {
          set = new Set();
          this.#copies.set(rk(after), set);
        }
        set.add(key);
        this.queue.add(rk(after));
      }
    });
    this.remote.on((_type, obj) => this.queue.add(remoteKey(obj)));
    for (const r of this.o.spec.related) {
      await tracker.watch(originRef(r));
      await tracker.watch(destRef(r));
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
    this.o.tracker.unregister(this.name);
    this.queue.stop();
    await Promise.all([this.remote.stop(), this.local.stop()]);
    await this.queue.idle();
  }

  /** Waits until nothing is queued (tests, benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async #process(key: string): Promise<Result> {
    const { metrics } = this.o.deps;
    try {
      const result = await metrics.timeReconcile('sync', () => this.#reconcile(key));
      if (this.#pendingInitial?.delete(key) && this.#pendingInitial.size === 0)
        this.#initialDone = true;
      return result;
    } finally {
      metrics.queueDepth.set({ controller: `sync ${this.name}` }, this.queue.length);
    }
  }

  // ---- helpers -----------------------------------------------------------------------

  #record(action: string): void {
    this.o.deps.metrics.synced.inc({ published_resource: this.name, action });
  }

  #target(remote: KubeObject): EventTarget {
    const ref = this.o.projection.remote;
    return {
      apiVersion: apiVersionOfRef(ref),
      kind: ref.kind,
      name: remote.metadata.name ?? '',
      ...(remote.metadata.namespace ? { namespace: remote.metadata.namespace } : {}),
      ...(remote.metadata.uid ? { uid: remote.metadata.uid } : {}),
    };
  }

  #event(
    cluster: string,
    remote: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    this.o.deps.events.record(this.#target(remote), type, reason, message, cluster);
  }

  #reportError(key: string, err: unknown): void {
    const remote = this.remote.get(key);
    if (!remote || remote.metadata.deletionTimestamp) return;
    const { cluster } = splitRemoteKey(key);
    this.#event(
      cluster,
      remote,
      'Warning',
      'ReconcilingError',
      `A provider-side issue has occurred: ${(err as Error).message}`,
    );
  }

  #copiesOf(key: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const k of this.#copies.get(key) ?? []) {
      const obj = this.local.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  #owner(key: string): string {
    return `${this.name}\0${key}`;
  }

  #primaryIdentity(src: SourceKey) {
    const ref = this.o.projection.remote;
    return {
      cluster: src.cluster,
      apiVersion: apiVersionOfRef(ref),
      kind: ref.kind,
      namespace: src.namespace,
      name: src.name,
    };
  }

  #stateSecret(src: SourceKey): { name: string; labels: Record<string, string> } {
    return {
      name: stateSecretName(this.#primaryIdentity(src)),
      labels: linkLabels(this.o.deps.agentName, src),
    };
  }

  #context(
    src: SourceKey,
    remote: KubeObject,
    local: KubeObject | undefined,
    clusterPath: string,
  ): PrimaryContext {
    const state = this.#stateSecret(src);
    return {
      deps: this.o.deps,
      tracker: this.o.tracker,
      publishedResource: this.name,
      owner: this.#owner(`${src.cluster}|${src.namespace}|${src.name}`),
      cluster: src.cluster,
      clusterPath,
      remote,
      local,
      remoteClient: this.o.deps.vw.cluster(src.cluster),
      stateSecret: state.name,
      stateLabels: state.labels,
      record: (action) => this.#record(action),
    };
  }

  async #passesFilter(remote: KubeObject, cluster: string): Promise<boolean> {
    const filter = this.o.spec.filter;
    if (!filter) return true;
    if (
      filter.resource &&
      !labelSelectorFromObject(filter.resource).matches(remote.metadata.labels)
    )
      return false;
    if (filter.namespace && remote.metadata.namespace) {
      const key = `${cluster}|${remote.metadata.namespace}`;
      let cached = this.#namespaceLabels.get(key);
      if (!cached || Date.now() - cached.at > 10_000) {
        const ns = await this.o.deps.vw
          .cluster(cluster)
          .getOrUndefined(NAMESPACES, undefined, remote.metadata.namespace);
        cached = { labels: ns?.metadata.labels ?? {}, at: Date.now() };
        this.#namespaceLabels.set(key, cached);
      }
      if (!labelSelectorFromObject(filter.namespace).matches(cached.labels)) return false;
    }
    return true;
  }

  // ---- reconcile ---------------------------------------------------------------------

  async #reconcile(key: string): Promise<Result> {
    const src = splitRemoteKey(key);
    const remote = this.remote.get(key);
    const copies = this.#copiesOf(key);
    if (!remote) return this.#vanished(key, src, copies);
    if (remote.metadata.deletionTimestamp) return this.#delete(key, src, remote, copies);
    if (!(await this.#passesFilter(remote, src.cluster))) return undefined;

    const { deps, projection, spec } = this.o;
    const client = deps.vw.cluster(src.cluster);
    const remoteRef = projection.remote;
    let current = remote;
    if (!current.metadata.finalizers?.includes(CLEANUP_FINALIZER)) {
      const updated = await addFinalizer(client, remoteRef, current, CLEANUP_FINALIZER);
      if (!updated) return undefined;
      current = withCluster(updated, src.cluster);
      this.#event(
        src.cluster,
        current,
        'Normal',
        'ObjectAccepted',
        'The object has been seen by the service provider and will be synced.',
      );
    }
    const clusterPath = spec.enableWorkspacePaths ? await this.o.workspacePath(src.cluster) : '';
    const found = copies.filter((c) => !c.metadata.deletionTimestamp || copies.length === 1);
    if (found.length > 1)
      throw new Error(
        `${found.length} copies on the service cluster claim to be this object: ${found
          .map((c) => `${c.metadata.namespace ?? ''}/${c.metadata.name}`)
          .join(', ')}`,
      );
    let local = found[0];
    const mutated = structuredClone(current) as KubeObject;
    applyMutations(spec.mutation.spec, {
      self: mutated as unknown as Record<string, unknown>,
      ...(local ? { other: local } : {}),
    });
    const subresources = projection.hasStatus ? ['status'] : [];
    const content = syncContent(mutated, subresources);
    const labels = linkLabels(deps.agentName, src);
    const annotations = linkAnnotations(src, clusterPath || undefined);
    const state = this.#stateSecret(src);
    const sKey = stateKey({ ...src, apiVersion: apiVersionOfRef(remoteRef), kind: remoteRef.kind });
    const localRef = projection.local;

    if (!local) {
      const target = localObjectName(
        spec.naming,
        current,
        { clusterName: src.cluster, ...(clusterPath ? { clusterPath } : {}) },
        localRef.namespaced,
      );
      if (localRef.namespaced) await deps.namespaces.ensure(target.namespace, src.cluster);
      // The state is written first: a crash after the create still finds it. What was
      // there before is kept aside in case the copy turns out to exist already.
      const previous = await deps.state.get(state.name, sKey);
      await deps.state.put(state.name, state.labels, sKey, content);
      try {
        local = await deps.service.create(
          localRef,
          target.namespace || undefined,
          buildObject(content, {
            apiVersion: apiVersionOfRef(localRef),
            kind: localRef.kind,
            name: target.name,
            ...(target.namespace ? { namespace: target.namespace } : {}),
            labels,
            annotations,
          }),
        );
        this.#record('created');
        this.#event(
          src.cluster,
          current,
          'Normal',
          'ObjectPlaced',
          `The object has been placed on the service cluster${target.namespace ? ` in namespace ${target.namespace}` : ''}.`,
        );
      } catch (err) {
        if (isNotFound(err)) deps.namespaces.forget(target.namespace);
        if (!isAlreadyExists(err)) throw err;
        // Already there (a copy the cache has not shown yet, or an object to adopt): sync
        // it from the state it was last synced from, not from what was just written.
        const existing = await deps.service.getOrUndefined(
          localRef,
          target.namespace || undefined,
          target.name,
        );
        if (!existing) return { requeueAfterMs: 200 };
        if (previous) await deps.state.put(state.name, state.labels, sKey, previous);
        else await deps.state.forget(state.name, sKey);
        local = await this.#adopt(existing, src, labels, annotations, sKey, state.name);
        if (!local) return { requeueAfterMs: 1000 };
        local = await this.#syncContent(local, content, labels, annotations, sKey, state, current);
      }
    } else if (local.metadata.deletionTimestamp) {
      // A copy deleted on the service side is re-created once it is gone.
      return { requeueAfterMs: 2000 };
    } else {
      local = await this.#syncContent(local, content, labels, annotations, sKey, state, current);
    }

    if (!local) return { requeueAfterMs: 1000 };
    if (projection.hasStatus) await this.#syncStatus(src, current, local, client);

    // Related objects.
    const ctx = this.#context(src, current, local, clusterPath);
    const uses: string[] = [];
    const selectors: SelectorUse[] = [];
    const relatedAnnotations: Record<string, string> = {};
    let waiting = false;
    for (const r of spec.related) {
      const result = await syncRelated(ctx, r);
      uses.push(...result.uses);
      selectors.push(...result.selectors);
      Object.assign(relatedAnnotations, result.annotations);
      if (result.waiting) waiting = true;
      const destsKey = `${key}|${r.identifier}`;
      const signature = JSON.stringify(result.dests);
      if (this.#lastDests.get(destsKey) !== signature) {
        await pruneRelated(ctx, r, result.dests);
        this.#lastDests.set(destsKey, signature);
      }
    }
    this.o.tracker.setUses(this.#owner(key), uses);
    this.o.tracker.setSelectors(this.#owner(key), selectors);
    if (spec.related.some((r) => r.origin === 'service'))
      await this.#annotateRelated(client, current, relatedAnnotations);
    return waiting ? { requeueAfterMs: 30_000 } : undefined;
  }

  /** An existing object at the copy's place: adopt it unless it belongs to another source. */
  async #adopt(
    existing: KubeObject,
    src: SourceKey,
    labels: Record<string, string>,
    annotations: Record<string, string>,
    sKey: string,
    stateName: string,
  ): Promise<KubeObject | undefined> {
    const linked = linkedSource(existing);
    const owner = existing.metadata.labels?.[AGENT_NAME_LABEL];
    const same =
      linked &&
      linked.cluster === src.cluster &&
      linked.namespace === src.namespace &&
      linked.name === src.name;
    if ((linked && !same) || (owner && owner !== this.o.deps.agentName))
      throw new Error(
        `${existing.metadata.namespace ?? ''}/${existing.metadata.name} on the service cluster belongs to another object; check the naming rules`,
      );
    if (existing.metadata.deletionTimestamp) return undefined;
    if (same && owner === this.o.deps.agentName) return existing;
    // Unlabelled: take it over; with no state, the next sync makes it equal to the source.
    await this.o.deps.state.forget(stateName, sKey);
    const adopted = await this.o.deps.service.patch(
      this.o.projection.local,
      existing.metadata.namespace,
      existing.metadata.name as string,
      { metadata: { labels, annotations } },
    );
    this.log.info(
      { copy: `${existing.metadata.namespace ?? ''}/${existing.metadata.name}` },
      'adopted an existing object on the service cluster',
    );
    return adopted;
  }

  async #syncContent(
    local: KubeObject,
    content: JsonObject,
    labels: Record<string, string>,
    annotations: Record<string, string>,
    sKey: string,
    state: { name: string; labels: Record<string, string> },
    remote: KubeObject,
  ): Promise<KubeObject> {
    const { deps, projection } = this.o;
    const localRef = projection.local;
    const ns = local.metadata.namespace;
    const name = local.metadata.name as string;
    const lastKnown = await deps.state.get(state.name, sKey);
    let next = local;
    let written: 'patched' | 'updated' | undefined;
    if (lastKnown) {
      const patch = patchFromState(lastKnown, content, local, labels, annotations);
      if (Object.keys(patch).length > 0) {
        next = await deps.service.patch(localRef, ns, name, patch);
        written = 'patched';
      }
    } else {
      const desired = buildObject(content, {
        apiVersion: apiVersionOfRef(localRef),
        kind: localRef.kind,
        name,
        ...(ns ? { namespace: ns } : {}),
        labels,
        annotations,
      });
      const full: KubeObject = {
        ...desired,
        metadata: {
          ...local.metadata,
          labels: desired.metadata.labels ?? {},
          annotations: desired.metadata.annotations ?? {},
        },
      };
      for (const k of projection.hasStatus ? ['status'] : [])
        if (local[k] !== undefined) full[k] = local[k];
      if (!deepEqual(withoutManagedFields(full), withoutManagedFields(local))) {
        next = await deps.service.update(localRef, ns, name, full);
        written = 'updated';
      }
    }
    if (written) {
      this.#record(written);
      this.#event(
        remote.metadata.annotations?.[KCP_CLUSTER_ANNOTATION] ?? '',
        remote,
        'Normal',
        'ObjectSynced',
        'The object has been synced to the service cluster.',
      );
    }
    await deps.state.put(state.name, state.labels, sKey, content);
    return next;
  }

  async #syncStatus(
    src: SourceKey,
    remote: KubeObject,
    local: KubeObject,
    client: KubeClient,
  ): Promise<void> {
    const { spec, projection } = this.o;
    let status = local.status as JsonObject | undefined;
    if (spec.mutation.status?.length) {
      const copy = structuredClone(local) as KubeObject;
      applyMutations(spec.mutation.status, {
        self: copy as unknown as Record<string, unknown>,
        other: remote,
      });
      status = copy.status as JsonObject | undefined;
    }
    if (deepEqual(status ?? {}, remote.status ?? {})) return;
    const patch = createMergePatch(
      { status: (remote.status ?? {}) as JsonObject },
      { status: status ?? {} },
    );
    if (!patch) return;
    try {
      await client.patch(projection.remote, src.namespace || undefined, src.name, patch, {
        subresource: 'status',
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    this.#record('status');
    this.#event(
      src.cluster,
      remote,
      'Normal',
      'ObjectStatusSynced',
      'The status has been copied from the service cluster.',
    );
  }

  /** `related-resources.syncagent.kcp.io/<identifier>` on the tenant object. */
  async #annotateRelated(
    client: KubeClient,
    remote: KubeObject,
    wanted: Record<string, string>,
  ): Promise<void> {
    const current = remote.metadata.annotations ?? {};
    const patch: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(wanted)) if (current[k] !== v) patch[k] = v;
    for (const k of Object.keys(current))
      if (k.startsWith(RELATED_ANNOTATION_PREFIX) && !(k in wanted)) patch[k] = null;
    if (Object.keys(patch).length === 0) return;
    await client.patch(
      this.o.projection.remote,
      remote.metadata.namespace,
      remote.metadata.name as string,
      { metadata: { annotations: patch } },
    );
    this.#record('annotated');
  }

  /** The tenant is deleting its object: copy first, then related copies, then the finalizer. */
  async #delete(
    key: string,
    src: SourceKey,
    remote: KubeObject,
    copies: KubeObject[],
  ): Promise<Result> {
    if (!remote.metadata.finalizers?.includes(CLEANUP_FINALIZER)) {
      this.o.tracker.setUses(this.#owner(key), []);
      return undefined;
    }
    const { deps, projection, spec } = this.o;
    const localRef = projection.local;
    let remaining = 0;
    const candidates = [...copies];
    // The cache may lag behind a copy created moments ago: look where it would be.
    try {
      const clusterPath = spec.enableWorkspacePaths ? await this.o.workspacePath(src.cluster) : '';
      const target = localObjectName(
        spec.naming,
        remote,
        { clusterName: src.cluster, ...(clusterPath ? { clusterPath } : {}) },
        localRef.namespaced,
      );
      if (
        !candidates.some(
          (c) =>
            (c.metadata.namespace ?? '') === target.namespace && c.metadata.name === target.name,
        )
      ) {
        const found = await deps.service.getOrUndefined(
          localRef,
          target.namespace || undefined,
          target.name,
        );
        const linked = found && linkedSource(found);
        if (
          found &&
          linked &&
          linked.cluster === src.cluster &&
          linked.namespace === src.namespace &&
          linked.name === src.name
        )
          candidates.push(found);
      }
    } catch (err) {
      this.log.debug({ object: key, err: (err as Error).message }, 'cannot compute the copy name');
    }
    for (const copy of candidates) {
      remaining++;
      if (copy.metadata.deletionTimestamp) continue;
      const deleted = await deps.service.delete(
        localRef,
        copy.metadata.namespace,
        copy.metadata.name as string,
      );
      if (deleted) {
        this.#record('deleted');
        this.#event(
          src.cluster,
          remote,
          'Normal',
          'ObjectCleanup',
          'The object is being deleted on the service cluster.',
        );
      } else remaining--;
    }
    if (remaining > 0) {
      // Still there (finalizers on the service side run): the copy's deletion re-queues us.
      for (const copy of candidates) {
        const still = await deps.service.getOrUndefined(
          localRef,
          copy.metadata.namespace,
          copy.metadata.name as string,
        );
        if (still) return { requeueAfterMs: 5000 };
      }
    }
    const ctx = this.#context(src, remote, candidates[0], '');
    for (const r of spec.related) await cleanupRelated(ctx, r);
    await deps.state.delete(this.#stateSecret(src).name);
    await removeFinalizer(
      deps.vw.cluster(src.cluster),
      projection.remote,
      remote,
      CLEANUP_FINALIZER,
    );
    this.o.tracker.setUses(this.#owner(key), []);
    this.o.tracker.setSelectors(this.#owner(key), []);
    for (const r of spec.related) this.#lastDests.delete(`${key}|${r.identifier}`);
    this.#record('finalized');
    this.#event(
      src.cluster,
      remote,
      'Normal',
      'ObjectDeleted',
      'The object has been deleted on the service cluster.',
    );
    return undefined;
  }

  /** The tenant object is gone without our finalizer having run (forced, or unbound). */
  async #vanished(key: string, src: SourceKey, copies: KubeObject[]): Promise<Result> {
    const { deps, projection, spec } = this.o;
    if (copies.length === 0) {
      this.o.tracker.setUses(this.#owner(key), []);
      return undefined;
    }
    if (!this.remote.hasSynced) return { requeueAfterMs: 2000 };
    // An unbound or deleted workspace is the workspace cleanup's business (after a grace period).
    if (!deps.bindings.synced || !deps.bindings.bound(src.cluster)) return undefined;
    const client = deps.vw.cluster(src.cluster);
    const fresh = await client.getOrUndefined(
      projection.remote,
      src.namespace || undefined,
      src.name,
    );
    if (fresh) return { requeueAfterMs: 2000 };
    // A 404 may also mean the resource is not served there right now (a binding being
    // updated): only a listable collection without the object proves it is gone.
    await client.request('GET', resourcePath(projection.remote, src.namespace || undefined), {
      query: { limit: '1' },
    });
    this.log.info({ object: key }, 'tenant object is gone; removing its copy');
    for (const copy of copies) {
      if (copy.metadata.deletionTimestamp) continue;
      await deps.service.delete(
        projection.local,
        copy.metadata.namespace,
        copy.metadata.name as string,
      );
      this.#record('deleted');
    }
    const stub: KubeObject = {
      metadata: { name: src.name, ...(src.namespace ? { namespace: src.namespace } : {}) },
    };
    const ctx = this.#context(src, stub, copies[0], '');
    for (const r of spec.related) if (r.cleanupPolicy !== 'Orphan') await pruneRelated(ctx, r, []);
    await deps.state.delete(this.#stateSecret(src).name);
    this.o.tracker.setUses(this.#owner(key), []);
    return undefined;
  }
}

function withCluster(obj: KubeObject, cluster: string): KubeObject {
  if (obj.metadata.annotations?.[KCP_CLUSTER_ANNOTATION] === cluster) return obj;
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      annotations: { ...obj.metadata.annotations, [KCP_CLUSTER_ANNOTATION]: cluster },
    },
  };
}

/** Reads a workspace's path from its LogicalCluster (needs the logicalclusters claim). */
export async function readWorkspacePath(client: KubeClient): Promise<string> {
  const ref: ResourceRef = {
    group: 'core.kcp.io',
    version: 'v1alpha1',
    plural: 'logicalclusters',
    namespaced: false,
  };
  const lc = await client.get(ref, undefined, 'cluster');
  return lc.metadata.annotations?.[KCP_PATH_ANNOTATION] ?? '';
}
