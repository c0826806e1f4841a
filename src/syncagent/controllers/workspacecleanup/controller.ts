/**
 * Workspace cleanup (what api-syncagent #113 asks for): when a workspace no longer binds
 * the export — it unbound, or it was deleted — everything the agent made for it on the
 * service cluster goes: the copies of its objects (their service-side finalizers run),
 * copies of related objects, state Secrets, and the namespaces the agent created for it
 * (only namespaces labelled with this agent and that workspace, and only when no other
 * workspace's copies live there).
 *
 * Cautious by design: nothing happens before the bindings watch has synced, a workspace
 * must stay unbound for a grace period (so a binding that is briefly re-created, or a
 * watch that lags, never costs tenant data), and a fresh list of the bindings confirms it
 * just before anything is deleted.
 */

import { nameOf } from '../../../apimachinery/meta.ts';
import { isNotFound, type KubeClient, type ResourceRef } from '../../../controller/kube/client.ts';
import type { Logger } from '../../../logging/logger.ts';
import {
  AGENT_NAME_LABEL,
  NAMESPACES,
  OBJECT_STATE_LABEL,
  RELATED_PRIMARY_CLUSTER_LABEL,
  REMOTE_CLUSTER_LABEL,
  SECRETS,
} from '../../constants.ts';
import type { AgentMetrics } from '../../metrics.ts';
import { destRef, originRef } from '../sync/related.ts';
import {
  type BindingTracker,
  clusterOf,
  gvrKey,
  type NamespaceEnsurer,
  type VirtualWorkspace,
} from '../sync/shared.ts';
import type { StateStore } from '../sync/state-store.ts';
import type { SyncController } from '../sync/sync-controller.ts';

export interface WorkspaceCleanupDeps {
  readonly log: Logger;
  readonly agentName: string;
  readonly namespace: string;
  readonly service: KubeClient;
  readonly vw: VirtualWorkspace;
  readonly bindings: BindingTracker;
  readonly namespaces: NamespaceEnsurer;
  readonly state: StateStore;
  readonly metrics: AgentMetrics;
  readonly delayMs: number;
  readonly controllers: () => SyncController[];
  /** The endpoint slice lists no endpoint (kcp and Canopy: no workspace binds the export). */
  readonly noEndpoints: () => Promise<boolean>;
}

export class WorkspaceCleanup {
  readonly deps: WorkspaceCleanupDeps;
  readonly log: Logger;
  readonly #unboundSince = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = false;

  constructor(deps: WorkspaceCleanupDeps) {
    this.deps = deps;
    this.log = deps.log.child({ controller: 'workspacecleanup' });
  }

  start(): void {
    const every = Math.max(1000, Math.min(10_000, Math.floor(this.deps.delayMs / 3)));
    this.#timer = setInterval(() => void this.run(), every);
    this.#timer.unref();
    this.deps.bindings.reflector.on((type) => {
      if (type === 'delete') void this.run();
    });
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
  }

  /**
   * Workspaces the service cluster holds something of, from the agent's watches (copies,
   * state Secrets, its namespaces): this runs every few seconds, and LISTs of every state
   * Secret and namespace cost the service cluster O(tenants) each time (a watch not synced
   * yet is listed instead).
   */
  async #clustersWithArtifacts(): Promise<Map<string, { namespaces: string[] }>> {
    const { service, agentName, namespace } = this.deps;
    const out = new Map<string, { namespaces: string[] }>();
    const note = (cluster: string | undefined, ns?: string) => {
      if (!cluster) return;
      let entry = out.get(cluster);
      if (!entry) {
        entry = { namespaces: [] };
        out.set(cluster, entry);
      }
      if (ns) entry.namespaces.push(ns);
    };
    for (const c of this.deps.controllers())
      for (const obj of c.local.list()) note(obj.metadata.labels?.[REMOTE_CLUSTER_LABEL]);
    const states =
      this.deps.state.watched() ??
      (await service.list(SECRETS, namespace, { labelSelector: `${OBJECT_STATE_LABEL}=true` }))
        .items;
    for (const s of states) note(s.metadata.labels?.[REMOTE_CLUSTER_LABEL]);
    const watched = this.deps.namespaces.watch;
    const namespaces = watched.hasSynced
      ? watched.list()
      : (
          await service.list(NAMESPACES, undefined, {
            labelSelector: `${AGENT_NAME_LABEL}=${agentName},${REMOTE_CLUSTER_LABEL}`,
          })
        ).items;
    for (const ns of namespaces) note(ns.metadata.labels?.[REMOTE_CLUSTER_LABEL], nameOf(ns));
    return out;
  }

  async run(): Promise<void> {
    if (this.#running || this.#stopped || !this.deps.bindings.synced) return;
    this.#running = true;
    try {
      const found = await this.#clustersWithArtifacts();
      const bound = this.deps.bindings.clusters();
      const now = Date.now();
      for (const c of [...this.#unboundSince.keys()])
        if (bound.has(c) || !found.has(c)) this.#unboundSince.delete(c);
      const due: string[] = [];
      for (const c of found.keys()) {
        if (bound.has(c)) continue;
        const since = this.#unboundSince.get(c);
        if (since === undefined) {
          this.#unboundSince.set(c, now);
          this.log.info(
            { cluster: c, graceMs: this.deps.delayMs },
            'workspace no longer binds the export; cleaning up after the grace period',
          );
        } else if (now - since >= this.deps.delayMs) due.push(c);
      }
      if (due.length === 0) return;
      // Confirm with a fresh list: never delete on a stale cache. A virtual workspace that
      // serves nothing (404) counts as no bindings only if the endpoint slice agrees.
      let confirmed: Set<string>;
      try {
        const fresh = await this.deps.vw.wildcard.list({
          group: 'apis.kcp.io',
          version: 'v1alpha1',
          plural: 'apibindings',
          namespaced: false,
        });
        confirmed = new Set(fresh.items.map(clusterOf));
      } catch (err) {
        if (!isNotFound(err) || !(await this.deps.noEndpoints())) throw err;
        confirmed = new Set();
      }
      for (const c of due) {
        if (confirmed.has(c)) {
          this.#unboundSince.delete(c);
          continue;
        }
        await this.#cleanup(c);
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'workspace cleanup failed; will retry');
    } finally {
      this.#running = false;
    }
  }

  async #cleanup(cluster: string): Promise<void> {
    const { service, agentName, namespace } = this.deps;
    const mine = `${AGENT_NAME_LABEL}=${agentName}`;
    let deleted = 0;
    const controllers = this.deps.controllers();
    const primaryRefs = new Map<string, ResourceRef>();
    const relatedRefs = new Map<string, ResourceRef>();
    for (const c of controllers) {
      primaryRefs.set(gvrKey(c.projection.local), c.projection.local);
      for (const r of c.spec.related) {
        const ref = r.origin === 'kcp' ? destRef(r) : originRef(r);
        relatedRefs.set(gvrKey(ref), ref);
      }
    }
    // Copies of the workspace's objects.
    for (const ref of primaryRefs.values()) {
      const list = await service.list(ref, undefined, {
        labelSelector: `${mine},${REMOTE_CLUSTER_LABEL}=${cluster}`,
      });
      for (const obj of list.items) {
        if (obj.metadata.deletionTimestamp) continue;
        if (await service.delete(ref, obj.metadata.namespace, nameOf(obj))) deleted++;
      }
    }
    // Copies of related objects (service side).
    for (const ref of relatedRefs.values()) {
      const list = await service.list(ref, undefined, {
        labelSelector: `${mine},${RELATED_PRIMARY_CLUSTER_LABEL}=${cluster}`,
      });
      for (const obj of list.items)
        if (await service.delete(ref, obj.metadata.namespace, nameOf(obj))) deleted++;
    }
    // State Secrets.
    const states = await service.list(SECRETS, namespace, {
      labelSelector: `${OBJECT_STATE_LABEL}=true,${REMOTE_CLUSTER_LABEL}=${cluster}`,
    });
    for (const s of states.items)
      if (await service.delete(SECRETS, namespace, nameOf(s))) deleted++;
    // Namespaces the agent created for this workspace, unless others' copies live there.
    const namespaces = await service.list(NAMESPACES, undefined, {
      labelSelector: `${mine},${REMOTE_CLUSTER_LABEL}=${cluster}`,
    });
    for (const ns of namespaces.items) {
      const name = nameOf(ns);
      if (ns.metadata.deletionTimestamp || name === namespace) continue;
      let shared = false;
      for (const ref of primaryRefs.values()) {
        const inside = await service.list(ref, name, { labelSelector: mine });
        if (inside.items.some((o) => o.metadata.labels?.[REMOTE_CLUSTER_LABEL] !== cluster))
          shared = true;
      }
      if (shared) {
        this.log.info(
          { cluster, namespace: name },
          'namespace is shared with other workspaces; kept',
        );
        continue;
      }
      if (await service.delete(NAMESPACES, undefined, name)) {
        deleted++;
        this.deps.namespaces.forget(name);
        this.log.info(
          { cluster, namespace: name },
          'deleted the namespace of an unbound workspace',
        );
      }
    }
    if (deleted > 0) {
      this.deps.metrics.workspaceCleanups.inc();
      this.log.info({ cluster, deleted }, 'cleaned up after an unbound workspace');
    }
  }
}
