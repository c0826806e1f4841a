/**
 * Wiring of the CatalogEntry reconcile: every change the catalog's watch reports (and a
 * resync each minute) queues the entry's name; the handler keeps the hub's finalizer on
 * live entries, reconciles them (`catalogentry-reconcile.ts`) and writes the status when it
 * says something new, and cleans up entries being deleted before letting them go. Failures
 * retry with backoff (250 ms doubling to 30 s, jittered) and are reported on the entry.
 */

import {
  CATALOG_FINALIZER,
  CATALOG_WORKSPACE,
  type CatalogEntry,
  PROVIDERS_WORKSPACE,
} from '../../api/providers/types.ts';
import type { Workspace } from '../../api/tenancy/types.ts';
import { sameStatusIgnoringTimes, setCondition } from '../../apimachinery/conditions.ts';
import { type KubeObject, nameOf } from '../../apimachinery/meta.ts';
import {
  isConflict,
  isNotFound,
  type KubeClient,
  type ResourceRef,
} from '../../controller/kube/client.ts';
import { addFinalizer, removeFinalizer } from '../../controller/kube/finalizers.ts';
import { Reflector } from '../../controller/kube/reflector.ts';
import { WorkQueue } from '../../controller/work-queue.ts';
import type { Logger } from '../../logging/logger.ts';
import { CATALOG_ENTRIES, type Catalog } from '../catalog.ts';
import type { ControlPlane } from '../control-plane.ts';
import type { HubMetrics } from '../metrics.ts';
import { ENDPOINT_SLICES, EXPORTS, SECRETS, WORKSPACES } from '../refs.ts';
import { cleanupEntry, type Objects, reconcileEntry } from './catalogentry-reconcile.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from './provisioning.ts';

const RESYNC_MS = 60_000;
/** Status fields the heartbeat endpoint writes, never the reconcile. */
const HEARTBEAT_FIELDS: readonly string[] = ['lastHeartbeat', 'reportedVersion'];
/** Where a wildcard list puts an object's logical cluster. */
const CLUSTER_ANNOTATION = 'kcp.io/cluster';

/** The reconcile's view of the control plane: the hub's admin client, by workspace path. */
export function adminObjects(controlPlane: ControlPlane): Objects {
  return {
    get: (path, ref, name, namespace) => controlPlane.at(path).getOrUndefined(ref, namespace, name),
    create: (path, ref, obj) => controlPlane.at(path).create(ref, obj.metadata.namespace, obj),
    update: (path, ref, obj) =>
      controlPlane.at(path).update(ref, obj.metadata.namespace, nameOf(obj), obj),
    remove: async (path, ref, name, namespace) => {
      await controlPlane.at(path).delete(ref, namespace, name);
    },
  };
}

export class CatalogEntryController {
  readonly #catalog: Catalog;
  readonly #controlPlane: ControlPlane;
  readonly #client: KubeClient;
  readonly #objects: Objects;
  readonly #metrics: HubMetrics;
  readonly #log: Logger;
  /** Queue, watches and resync while this replica runs the controller (it leads). */
  #running:
    | {
        queue: WorkQueue;
        watches: { stop(): Promise<void>; start(): Promise<void> }[];
        resync: NodeJS.Timeout;
      }
    | undefined;
  /** Logical cluster of a provider workspace the hub made → its entry. */
  readonly #clusters = new Map<string, string>();

  constructor(options: {
    catalog: Catalog;
    controlPlane: ControlPlane;
    metrics: HubMetrics;
    log: Logger;
  }) {
    this.#catalog = options.catalog;
    this.#controlPlane = options.controlPlane;
    this.#client = options.controlPlane.at(CATALOG_WORKSPACE);
    this.#objects = adminObjects(options.controlPlane);
    this.#metrics = options.metrics;
    this.#log = options.log;
    options.catalog.reflector.on((_type, entry) => this.poke(entry.metadata.name ?? ''));
  }

  /** The entry whose provider workspace is `cluster`. */
  #entryIn(cluster: string): string | undefined {
    const known = this.#clusters.get(cluster);
    if (known) return known;
    return this.#catalog.list().find((e) => e.status?.logicalCluster === cluster)?.metadata.name;
  }

  /**
   * An entry waits on what the control plane makes for it: its workspace becoming Ready,
   * its export's identity (or an owner filling an export managed elsewhere), the token of
   * its identity, the first binding giving its slice a URL. Watches bring each change at
   * once; the reconcile's own requeue is only the fallback.
   */
  #watches(): { stop(): Promise<void>; start(): Promise<void> }[] {
    const clusterOf = (o: KubeObject) => o.metadata.annotations?.[CLUSTER_ANNOTATION] ?? '';
    const workspaces = new Reflector<Workspace>({
      client: this.#controlPlane.at(PROVIDERS_WORKSPACE),
      ref: WORKSPACES,
      key: (w) => w.metadata.name ?? '',
      log: this.#log,
      name: 'provider workspaces',
    });
    workspaces.on((_type, ws) => {
      if (ws.spec?.cluster) this.#clusters.set(ws.spec.cluster, ws.metadata.name ?? '');
      this.poke(ws.metadata.name ?? '');
    });
    const everywhere = this.#controlPlane.admin.scoped('/clusters/*');
    const inEveryWorkspace = (ref: ResourceRef, labelSelector?: string) =>
      new Reflector<KubeObject>({
        client: everywhere,
        ref,
        cache: 'metadata',
        key: (o) => `${clusterOf(o)}/${o.metadata.namespace ?? ''}/${o.metadata.name}`,
        log: this.#log,
        name: `${ref.plural} in every workspace`,
        ...(labelSelector ? { labelSelector } : {}),
      });
    const exportsAndSlices = [EXPORTS, ENDPOINT_SLICES].map((ref) => {
      const watch = inEveryWorkspace(ref);
      watch.on((_type, obj) => {
        const entry = this.#entryIn(clusterOf(obj));
        if (entry && this.#catalog.get(entry)?.spec.apiExport?.name === obj.metadata.name)
          this.poke(entry);
      });
      return watch;
    });
    const secrets = inEveryWorkspace(SECRETS, `${MANAGED_BY_LABEL}=${MANAGED_BY}`);
    secrets.on((_type, obj) => {
      const entry = this.#entryIn(clusterOf(obj));
      if (entry) this.poke(entry);
    });
    return [workspaces, ...exportsAndSlices, secrets];
  }

  /** Starts reconciling (again, after a stop: a new leadership term). */
  start(): void {
    if (this.#running) return;
    const queue = new WorkQueue((name) => this.#handle(name), {
      name: 'catalogentries',
      concurrency: 8,
      baseBackoffMs: 250,
      maxBackoffMs: 30_000,
      jitter: 0.2,
      onError: (name, err, failures) => {
        this.#metrics.reconciles.inc({ result: 'error' });
        // A conflict is a cache a moment behind a write: the retry sees the new object.
        const loud = !isConflict(err) && (failures === 1 || failures % 10 === 0);
        this.#log[loud ? 'warn' : 'debug'](
          { entry: name, err: (err as Error).message, failures },
          'reconcile failed; retrying with backoff',
        );
      },
    });
    const resync = setInterval(() => {
      for (const entry of this.#catalog.list()) queue.add(entry.metadata.name ?? '');
    }, RESYNC_MS);
    resync.unref();
    const watches = this.#watches();
    this.#running = { queue, watches, resync };
    // Not waited for: the catalog is served meanwhile, and the resync covers a control
    // plane that refuses wildcard watches.
    for (const watch of watches) void watch.start();
    for (const entry of this.#catalog.list()) queue.add(entry.metadata.name ?? '');
  }

  /** Reconciles an entry soon (after a heartbeat, say); nothing while stopped. */
  poke(name: string): void {
    this.#running?.queue.add(name);
  }

  async stop(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    clearInterval(running.resync);
    running.queue.stop();
    await Promise.all(running.watches.map((w) => w.stop()));
  }

  async #handle(name: string) {
    let entry: CatalogEntry | undefined = this.#catalog.get(name);
    if (!entry) return undefined;
    if (entry.metadata.deletionTimestamp) {
      if (!(entry.metadata.finalizers ?? []).includes(CATALOG_FINALIZER)) return undefined;
      if (!(await cleanupEntry(entry, this.#objects))) return { requeueAfterMs: 500 };
      await removeFinalizer(this.#client, CATALOG_ENTRIES, entry, CATALOG_FINALIZER);
      this.#log.info({ entry: name }, 'provider removed from the catalog');
      return undefined;
    }
    entry = await addFinalizer(this.#client, CATALOG_ENTRIES, entry, CATALOG_FINALIZER);
    if (!entry) return undefined;
    let outcome: Awaited<ReturnType<typeof reconcileEntry>>;
    try {
      outcome = await reconcileEntry(entry, {
        objects: this.#objects,
        origin: this.#controlPlane.origin,
        caData: this.#controlPlane.caData,
        now: Date.now,
      });
    } catch (err) {
      await this.#reportError(entry, err);
      throw err;
    }
    this.#catalog.setClaims(name, outcome.claims);
    await this.#writeStatus(entry, outcome.status);
    this.#metrics.reconciles.inc({
      result: outcome.requeueAfterMs === undefined ? 'ok' : 'requeue',
    });
    return outcome.requeueAfterMs === undefined
      ? undefined
      : { requeueAfterMs: outcome.requeueAfterMs };
  }

  /**
   * Writes the status as a merge patch of the fields the reconcile owns: no resourceVersion
   * to be stale (the cache may not have seen the last write yet), and the heartbeat fields,
   * which the heartbeat endpoint writes, left alone.
   */
  async #writeStatus(entry: CatalogEntry, status: CatalogEntry['status']): Promise<void> {
    if (sameStatusIgnoringTimes(entry.status ?? {}, status)) return;
    const owned: Record<string, unknown> = { ...status };
    for (const field of HEARTBEAT_FIELDS) delete owned[field];
    for (const field of Object.keys(entry.status ?? {}))
      if (!(field in owned) && !HEARTBEAT_FIELDS.includes(field)) owned[field] = null;
    try {
      await this.#client.patch(
        CATALOG_ENTRIES,
        undefined,
        nameOf(entry),
        { status: owned },
        { subresource: 'status' },
      );
    } catch (err) {
      // Deleted meanwhile: nothing to report on.
      if (!isNotFound(err)) throw err;
    }
  }

  /** A failure the reconcile could not turn into a condition still shows on the entry. */
  async #reportError(entry: CatalogEntry, err: unknown): Promise<void> {
    const conditions = [...(entry.status?.conditions ?? [])];
    setCondition(conditions, {
      type: 'Ready',
      status: 'False',
      reason: 'ReconcileError',
      message: `the hub will retry: ${(err as Error).message}`,
    });
    await this.#writeStatus(entry, { ...entry.status, conditions }).catch(() => undefined);
  }
}
