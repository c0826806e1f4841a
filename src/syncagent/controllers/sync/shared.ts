/**
 * What every sync controller of one agent shares: the virtual workspace clients, the
 * watches on related kinds (one per kind and side, not one per PublishedResource), the
 * index from related objects to the primaries that use them (so a changed Secret or
 * ConfigMap re-syncs its primary within moments — api-syncagent #118), the bound
 * workspaces, and the namespaces the agent created on the service cluster.
 *
 * The related index also drives the finalizer sweep (api-syncagent #116): a tenant object
 * carrying `syncagent.kcp.io/cleanup` that no primary uses any more (its primary was
 * deleted or now points elsewhere) loses its service-side copy and the finalizer, once
 * every sync controller has reconciled all its primaries at least once.
 */

import type { LabelSelectorMatcher } from '../../../apimachinery/labels.ts';
import { type KubeObject, nameOf } from '../../../apimachinery/meta.ts';
import { isConflict, type KubeClient, type ResourceRef } from '../../../controller/kube/client.ts';
import type { EventRecorder } from '../../../controller/kube/events.ts';
import { removeFinalizer } from '../../../controller/kube/finalizers.ts';
import { Reflector } from '../../../controller/kube/reflector.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import type { BindingClaims } from '../../claims.ts';
import {
  AGENT_NAME_LABEL,
  CLEANUP_FINALIZER,
  KCP_CLUSTER_ANNOTATION,
  KCP_PATH_ANNOTATION,
  NAMESPACES,
  QUEUE_BACKOFF,
  RELATED_IDENTIFIER_LABEL,
  RELATED_PRIMARY_CLUSTER_LABEL,
  RELATED_PRIMARY_NAME_HASH_LABEL,
  RELATED_PRIMARY_NAMESPACE_HASH_LABEL,
  RELATED_PUBLISHED_RESOURCE_HASH_LABEL,
  REMOTE_CLUSTER_LABEL,
  REMOTE_NAME_HASH_LABEL,
  REMOTE_NAMESPACE_HASH_LABEL,
  sha1Hex,
} from '../../constants.ts';
import type { AgentMetrics } from '../../metrics.ts';
import type { StateStore } from './state-store.ts';

export const clusterOf = (obj: KubeObject): string =>
  obj.metadata.annotations?.[KCP_CLUSTER_ANNOTATION] ?? '';

/** `cluster|namespace|name` of an object read through the virtual workspace. */
export const remoteKey = (obj: KubeObject): string =>
  `${clusterOf(obj)}|${obj.metadata.namespace ?? ''}|${obj.metadata.name ?? ''}`;

export function splitRemoteKey(key: string): { cluster: string; namespace: string; name: string } {
  const [cluster = '', namespace = '', name = ''] = key.split('|');
  return { cluster, namespace, name };
}

/** The reflector index of objects by their workspace (`kcp.io/cluster`). */
export const BY_CLUSTER = 'cluster';
export const byClusterIndex = { [BY_CLUSTER]: (obj: KubeObject) => [clusterOf(obj)] };

/** The labels that say which primary (and which related rule) a related copy belongs to. */
const RELATED_OWNER_LABELS = [
  AGENT_NAME_LABEL,
  RELATED_PRIMARY_CLUSTER_LABEL,
  RELATED_PUBLISHED_RESOURCE_HASH_LABEL,
  RELATED_PRIMARY_NAMESPACE_HASH_LABEL,
  RELATED_PRIMARY_NAME_HASH_LABEL,
  RELATED_IDENTIFIER_LABEL,
] as const;

/** The related watches' index of copies by the primary and rule their labels name. */
export const BY_RELATED_OWNER = 'related-owner';

/** The value a related copy with `labels` is filed under in `BY_RELATED_OWNER`. */
export function relatedOwnerValue(labels: Record<string, string> | undefined): string {
  return RELATED_OWNER_LABELS.map((k) => labels?.[k] ?? '').join('|');
}

const byRelatedOwnerIndex = {
  [BY_RELATED_OWNER]: (obj: KubeObject) =>
    obj.metadata.labels?.[RELATED_IDENTIFIER_LABEL] ? [relatedOwnerValue(obj.metadata.labels)] : [],
};

/** The value of one label as an index entry (none when the object lacks the label). */
const labelIndex =
  (label: string) =>
  (obj: KubeObject): string[] => {
    const value = obj.metadata.labels?.[label];
    return value ? [value] : [];
  };

/**
 * The service-side index of what the agent made for a workspace (label
 * `syncagent.kcp.io/remote-object-cluster`): copies, state Secrets, namespaces. The
 * workspace cleanup finds an unbound workspace's objects by it instead of a LIST by label,
 * which made the service cluster decode every object of the kind per workspace.
 */
export const BY_WORKSPACE = 'workspace';
export const byWorkspaceIndex = { [BY_WORKSPACE]: labelIndex(REMOTE_CLUSTER_LABEL) };

/** The service-side index of related copies by their primary's workspace. */
export const BY_RELATED_WORKSPACE = 'related-workspace';

/** The index of objects by namespace (copies: is a namespace shared by workspaces?). */
export const BY_NAMESPACE = 'namespace';
export const byNamespaceIndex = {
  [BY_NAMESPACE]: (obj: KubeObject) => [obj.metadata.namespace ?? ''],
};

export const gvrKey = (ref: ResourceRef): string =>
  `${ref.group || 'core'}/${ref.version}/${ref.plural}`;

export class VirtualWorkspace {
  readonly url: string;
  readonly base: KubeClient;
  readonly wildcard: KubeClient;
  readonly #clusters = new Map<string, KubeClient>();

  constructor(kcp: KubeClient, url: string) {
    this.url = url;
    this.base = kcp.rebase(url);
    this.wildcard = this.base.scoped('/clusters/*');
  }

  cluster(name: string): KubeClient {
    let c = this.#clusters.get(name);
    if (!c) {
      c = this.base.scoped(`/clusters/${encodeURIComponent(name)}`);
      this.#clusters.set(name, c);
    }
    return c;
  }

  close(): void {
    this.base.close();
  }
}

/** What the agent reads of an APIBinding (either version's claims have these fields). */
interface BindingObject extends KubeObject {
  spec?: { permissionClaims?: BindingClaims['permissionClaims'] };
  status?: { exportPermissionClaims?: BindingClaims['exportClaims'] };
}

/** Whether two versions of a binding decide the same claims, and know the same export claims. */
export function sameClaimDecisions(a: KubeObject, b: KubeObject | undefined): boolean {
  const decisions = (o: KubeObject | undefined) => {
    const binding = o as BindingObject | undefined;
    return JSON.stringify([
      binding?.spec?.permissionClaims ?? [],
      binding?.status?.exportPermissionClaims ?? [],
    ]);
  };
  return decisions(a) === decisions(b);
}

/**
 * The workspaces bound to the export and their claim decisions, from the read-only
 * APIBindings in the virtual workspace.
 */
export class BindingTracker {
  readonly reflector: Reflector;

  constructor(vw: VirtualWorkspace, log: Logger, metrics: AgentMetrics) {
    this.reflector = new Reflector({
      client: vw.wildcard,
      ref: { group: 'apis.kcp.io', version: 'v1alpha1', plural: 'apibindings', namespaced: false },
      key: remoteKey,
      log,
      name: 'apibindings',
      // Canopy's virtual workspace serves nothing at all while no workspace binds.
      notFoundAsEmpty: true,
      indexes: byClusterIndex,
      onFailure: () => metrics.watchFailures.inc({ watch: 'apibindings' }),
    });
  }

  get synced(): boolean {
    return this.reflector.hasSynced;
  }

  clusters(): Set<string> {
    return new Set(this.reflector.list().map(clusterOf));
  }

  bound(cluster: string): boolean {
    return this.reflector.byIndex(BY_CLUSTER, cluster).length > 0;
  }

  /** The claim decisions of `cluster`'s binding to the export (undefined while unknown). */
  claims(cluster: string): BindingClaims | undefined {
    const binding = this.reflector.byIndex(BY_CLUSTER, cluster)[0] as BindingObject | undefined;
    if (!binding) return undefined;
    const exportClaims = binding.status?.exportPermissionClaims;
    return {
      name: binding.metadata.name ?? '',
      permissionClaims: binding.spec?.permissionClaims ?? [],
      ...(exportClaims ? { exportClaims } : {}),
    };
  }
}

/**
 * Namespaces on the service cluster: created on demand, labelled with agent and workspace.
 * The agent's own namespaces are watched (by its label): a new tenant's namespace is
 * created without a GET first, and the workspace cleanup finds them without a LIST.
 */
export class NamespaceEnsurer {
  readonly #client: KubeClient;
  readonly #agentName: string;
  readonly #known = new Set<string>();
  /** The namespaces this agent created (label `syncagent.kcp.io/agent-name`). */
  readonly watch: Reflector;

  constructor(client: KubeClient, agentName: string, log: Logger) {
    this.#client = client;
    this.#agentName = agentName;
    this.watch = new Reflector({
      client,
      ref: NAMESPACES,
      labelSelector: `${AGENT_NAME_LABEL}=${agentName}`,
      cache: 'metadata',
      log,
      name: 'agent namespaces',
      indexes: byWorkspaceIndex,
    });
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  async ensure(namespace: string, cluster: string): Promise<boolean> {
    if (this.#known.has(namespace)) return false;
    const watched = this.watch.hasSynced ? this.watch.get(`/${namespace}`) : undefined;
    if (watched) {
      this.#check(namespace, watched);
      return false;
    }
    try {
      await this.#client.create(NAMESPACES, undefined, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: namespace,
          labels: { [AGENT_NAME_LABEL]: this.#agentName, [REMOTE_CLUSTER_LABEL]: cluster },
        },
      });
    } catch (err) {
      if (!isConflict(err)) throw err;
      // There already (not ours, or too new for the watch): usable unless it is going.
      const existing = await this.#client.getOrUndefined(NAMESPACES, undefined, namespace);
      if (existing) this.#check(namespace, existing);
      return false;
    }
    this.#known.add(namespace);
    return true;
  }

  #check(namespace: string, existing: KubeObject): void {
    if (existing.metadata.deletionTimestamp)
      throw new Error(`namespace ${namespace} is being deleted; waiting`);
    this.#known.add(namespace);
  }

  forget(namespace: string): void {
    this.#known.delete(namespace);
  }
}

/** Related objects found by labels: where (side, kind, workspace, namespace) and how. */
export interface SelectorUse {
  readonly scope: string;
  readonly matcher: LabelSelectorMatcher;
}

/** A sync controller, as the shared parts see it. */
export interface SyncControllerHandle {
  readonly name: string;
  enqueue(primaryKey: string): void;
  /** Every primary known at start has been reconciled once. */
  readonly initialPassDone: boolean;
}

interface RelatedWatch {
  readonly kcp: Reflector;
  readonly service: Reflector;
}

export interface SharedDeps {
  readonly log: Logger;
  readonly agentName: string;
  readonly service: KubeClient;
  readonly vw: VirtualWorkspace;
  readonly metrics: AgentMetrics;
  readonly events: EventRecorder;
  readonly state: StateStore;
  readonly bindings: BindingTracker;
  readonly namespaces: NamespaceEnsurer;
}

/** Related-object watches, the related index and the finalizer sweep. */
export class RelatedTracker {
  readonly #deps: SharedDeps;
  readonly #watches = new Map<string, RelatedWatch>();
  readonly #controllers = new Map<string, SyncControllerHandle>();
  /** related key → owners (`<controller>\0<primary key>`). */
  readonly #owners = new Map<string, Set<string>>();
  /** owner → related keys it uses. */
  readonly #uses = new Map<string, Set<string>>();
  /** `<side>|<gvr>|[<cluster>|]<namespace>` → owner → selector (related objects by labels). */
  readonly #selectors = new Map<string, Map<string, LabelSelectorMatcher>>();
  readonly #selectorsOf = new Map<string, string[]>();
  /** Service-side related origin (`serviceKey`) → the resourceVersion last synced from. */
  readonly #syncedFrom = new Map<string, string>();
  readonly #sweep: WorkQueue;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: SharedDeps) {
    this.#deps = deps;
    this.#sweep = new WorkQueue((key) => this.#sweepOne(key), {
      ...QUEUE_BACKOFF,
      concurrency: 4,
      onError: (key, err) =>
        deps.log.warn({ object: key, err: (err as Error).message }, 'finalizer sweep failed'),
    });
    this.#timer = setInterval(() => this.#sweepAll(), 15_000);
    this.#timer.unref();
  }

  register(handle: SyncControllerHandle): void {
    this.#controllers.set(handle.name, handle);
  }

  /** A workspace bound: watches waiting for the virtual workspace to serve them retry now. */
  retryNow(): void {
    for (const w of this.#watches.values()) if (!w.kcp.hasSynced) w.kcp.retryNow();
  }

  unregister(name: string): void {
    this.#controllers.delete(name);
    for (const owner of [...this.#uses.keys()])
      if (owner.startsWith(`${name}\0`)) this.setUses(owner, []);
    for (const owner of [...this.#selectorsOf.keys()])
      if (owner.startsWith(`${name}\0`)) this.setSelectors(owner, []);
  }

  /** Starts (once) the watches on a related kind, on both sides. */
  async watch(ref: ResourceRef): Promise<RelatedWatch> {
    const key = gvrKey(ref);
    let w = this.#watches.get(key);
    if (!w) {
      const { log, vw, service, metrics } = this.#deps;
      const kcp = new Reflector({
        client: vw.wildcard,
        ref,
        cache: 'objects',
        key: remoteKey,
        indexes: byRelatedOwnerIndex,
        log,
        name: `kcp ${key}`,
        onFailure: () => metrics.watchFailures.inc({ watch: `kcp ${key}` }),
      });
      const svc = new Reflector({
        client: service,
        ref,
        cache: 'metadata',
        indexes: {
          ...byRelatedOwnerIndex,
          [BY_RELATED_WORKSPACE]: labelIndex(RELATED_PRIMARY_CLUSTER_LABEL),
        },
        log,
        name: `service ${key}`,
        onFailure: () => metrics.watchFailures.inc({ watch: `service ${key}` }),
      });
      kcp.on((_type, obj) => {
        const k = `kcp|${key}|${remoteKey(obj)}`;
        this.#notify(k);
        this.#notifySelectors(`kcp|${key}|${clusterOf(obj)}|${obj.metadata.namespace ?? ''}`, obj);
        if (obj.metadata.finalizers?.includes(CLEANUP_FINALIZER) && !this.#owners.get(k)?.size)
          this.#sweep.addAfter(`${key}|${remoteKey(obj)}`, 1000);
      });
      svc.on((type, obj) => {
        const k = `svc|${key}|${obj.metadata.namespace ?? ''}|${obj.metadata.name ?? ''}`;
        if (type === 'delete') this.#syncedFrom.delete(k);
        this.#notify(k);
        this.#notifySelectors(`svc|${key}|${obj.metadata.namespace ?? ''}`, obj);
      });
      w = { kcp, service: svc };
      this.#watches.set(key, w);
      void kcp.start();
      void svc.start();
    }
    return w;
  }

  kcpObject(ref: ResourceRef, cluster: string, namespace: string, name: string) {
    const w = this.#watches.get(gvrKey(ref));
    if (!w?.kcp.hasSynced) return { synced: false as const };
    return { synced: true as const, object: w.kcp.get(`${cluster}|${namespace}|${name}`) };
  }

  /**
   * Whether the service side has an object, by the watch of its kind (metadata only):
   * `synced: false` while that watch has not listed, so the caller reads it instead.
   */
  serviceObject(ref: ResourceRef, namespace: string, name: string) {
    const w = this.#watches.get(gvrKey(ref));
    if (!w?.service.hasSynced) return { synced: false as const };
    return { synced: true as const, object: w.service.get(`${namespace}/${name}`) };
  }

  /**
   * The objects of a related kind on the service cluster labelled with a primary of the
   * workspace (`related-primary-cluster`), by the watch of the kind; undefined while that
   * watch has not listed (or the kind is not watched), so the caller lists instead.
   */
  serviceObjectsOfWorkspace(ref: ResourceRef, cluster: string): KubeObject[] | undefined {
    const w = this.#watches.get(gvrKey(ref));
    return w?.service.hasSynced ? w.service.byIndex(BY_RELATED_WORKSPACE, cluster) : undefined;
  }

  /** The resourceVersion a service-side origin was last synced from (its `serviceKey`). */
  syncedFrom(key: string): string | undefined {
    return this.#syncedFrom.get(key);
  }

  setSyncedFrom(key: string, resourceVersion: string | undefined): void {
    if (resourceVersion) this.#syncedFrom.set(key, resourceVersion);
    else this.#syncedFrom.delete(key);
  }

  static kcpKey(ref: ResourceRef, cluster: string, namespace: string, name: string): string {
    return `kcp|${gvrKey(ref)}|${cluster}|${namespace}|${name}`;
  }

  static serviceKey(ref: ResourceRef, namespace: string, name: string): string {
    return `svc|${gvrKey(ref)}|${namespace}|${name}`;
  }

  /** Replaces what one primary uses. */
  setUses(owner: string, keys: readonly string[]): void {
    const previous = this.#uses.get(owner) ?? new Set<string>();
    const next = new Set(keys);
    for (const k of previous) {
      if (next.has(k)) continue;
      const set = this.#owners.get(k);
      set?.delete(owner);
      if (set && set.size === 0) {
        this.#owners.delete(k);
        // No longer used by anyone: if it is a kcp object with our finalizer, sweep it.
        if (k.startsWith('kcp|')) this.#sweep.addAfter(k.slice(4), 1000);
      }
    }
    for (const k of next) {
      let set = this.#owners.get(k);
      if (!set) {
        set = new Set();
        this.#owners.set(k, set);
      }
      set.add(owner);
    }
    if (next.size) this.#uses.set(owner, next);
    else this.#uses.delete(owner);
  }

  /** Replaces the label selectors one primary finds related objects by. */
  setSelectors(owner: string, uses: readonly SelectorUse[]): void {
    for (const scope of this.#selectorsOf.get(owner) ?? []) {
      const m = this.#selectors.get(scope);
      m?.delete(owner);
      if (m?.size === 0) this.#selectors.delete(scope);
    }
    if (uses.length === 0) {
      this.#selectorsOf.delete(owner);
      return;
    }
    for (const u of uses) {
      let m = this.#selectors.get(u.scope);
      if (!m) {
        m = new Map();
        this.#selectors.set(u.scope, m);
      }
      m.set(owner, u.matcher);
    }
    this.#selectorsOf.set(
      owner,
      uses.map((u) => u.scope),
    );
  }

  static kcpScope(ref: ResourceRef, cluster: string, namespace: string): string {
    return `kcp|${gvrKey(ref)}|${cluster}|${namespace}`;
  }

  static serviceScope(ref: ResourceRef, namespace: string): string {
    return `svc|${gvrKey(ref)}|${namespace}`;
  }

  #notifySelectors(scope: string, obj: KubeObject): void {
    const m = this.#selectors.get(scope);
    if (!m) return;
    for (const [owner, matcher] of m) {
      if (!matcher.matches(obj.metadata.labels)) continue;
      const sep = owner.indexOf('\0');
      this.#controllers.get(owner.slice(0, sep))?.enqueue(owner.slice(sep + 1));
    }
  }

  /** Other primaries (not `owner`) still using a related object. */
  usedByOthers(key: string, owner: string): boolean {
    const set = this.#owners.get(key);
    if (!set) return false;
    for (const o of set) if (o !== owner) return true;
    return false;
  }

  #notify(key: string): void {
    const owners = this.#owners.get(key);
    if (!owners) return;
    for (const owner of owners) {
      const sep = owner.indexOf('\0');
      this.#controllers.get(owner.slice(0, sep))?.enqueue(owner.slice(sep + 1));
    }
  }

  #readyForSweep(): boolean {
    if (!this.#deps.bindings.synced) return false;
    for (const c of this.#controllers.values()) if (!c.initialPassDone) return false;
    return true;
  }

  #sweepAll(): void {
    if (!this.#readyForSweep()) return;
    for (const [key, w] of this.#watches) {
      for (const obj of w.kcp.list()) {
        if (!obj.metadata.finalizers?.includes(CLEANUP_FINALIZER)) continue;
        if (this.#owners.get(`kcp|${key}|${remoteKey(obj)}`)?.size) continue;
        this.#sweep.add(`${key}|${remoteKey(obj)}`);
      }
    }
  }

  /** `<gvr key>|<cluster>|<namespace>|<name>` of a kcp object that may hold a stale finalizer. */
  async #sweepOne(key: string): Promise<{ requeueAfterMs?: number } | undefined> {
    if (!this.#readyForSweep()) return { requeueAfterMs: 5000 };
    const [g = '', v = '', r = '', cluster = '', namespace = '', name = ''] = key.split(/[/|]/);
    const gvr = `${g}/${v}/${r}`;
    const w = this.#watches.get(gvr);
    if (!w) return undefined;
    if (this.#owners.get(`kcp|${gvr}|${cluster}|${namespace}|${name}`)?.size) return undefined;
    const obj = w.kcp.get(`${cluster}|${namespace}|${name}`);
    if (!obj?.metadata.finalizers?.includes(CLEANUP_FINALIZER)) return undefined;
    const ref = w.kcp.options.ref;
    const { service, agentName, log, vw } = this.#deps;
    // Our service-side copies of it (linked by labels).
    const selector = [
      `${AGENT_NAME_LABEL}=${agentName}`,
      `${REMOTE_CLUSTER_LABEL}=${cluster}`,
      ...(namespace ? [`${REMOTE_NAMESPACE_HASH_LABEL}=${sha1Hex(namespace)}`] : []),
      `${REMOTE_NAME_HASH_LABEL}=${sha1Hex(name)}`,
    ].join(',');
    const copies = await service.list(ref, undefined, { labelSelector: selector });
    // Not deleting and no copy of ours: the finalizer may be another agent's; leave it.
    if (!obj.metadata.deletionTimestamp && copies.items.length === 0) return undefined;
    for (const c of copies.items) await service.delete(ref, c.metadata.namespace, nameOf(c));
    await removeFinalizer(vw.cluster(cluster), ref, obj, CLEANUP_FINALIZER);
    log.info(
      { object: `${cluster}|${namespace}/${name}`, resource: gvr },
      'removed the cleanup finalizer from a related object no primary uses any more',
    );
    return undefined;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#sweep.stop();
    await Promise.all([...this.#watches.values()].flatMap((w) => [w.kcp.stop(), w.service.stop()]));
    this.#watches.clear();
  }
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
