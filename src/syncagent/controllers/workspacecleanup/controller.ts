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
 *
 * What to delete comes from the agent's own watches (`cleanup-reconcile.ts` decides, from
 * lookups this file answers by the watches' indexes): a LIST by label per workspace made
 * the service cluster decode every object of the kind each time, O(tenants²) when many
 * unbind (the fleet benchmark at 10,000 tenants). Several workspaces are cleaned at once.
 */

import {
  isConflict,
  isNotFound,
  type KubeClient,
  type ResourceRef,
} from '../../../controller/kube/client.ts';
import { pool } from '../../../controller/pool.ts';
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
  BY_NAMESPACE,
  BY_WORKSPACE,
  clusterOf,
  gvrKey,
  type NamespaceEnsurer,
  type RelatedTracker,
  type VirtualWorkspace,
} from '../sync/shared.ts';
import type { StateStore } from '../sync/state-store.ts';
import type { SyncController } from '../sync/sync-controller.ts';
import { type CleanupLookups, type CleanupScope, planCleanup } from './cleanup-reconcile.ts';

/** Workspaces cleaned up at once. */
const CLEANUP_CONCURRENCY = 16;

export interface WorkspaceCleanupDeps {
  readonly log: Logger;
  readonly agentName: string;
  readonly namespace: string;
  readonly service: KubeClient;
  readonly vw: VirtualWorkspace;
  readonly bindings: BindingTracker;
  readonly namespaces: NamespaceEnsurer;
  readonly state: StateStore;
  /** The related kinds' watches (their copies of a workspace, by index). */
  readonly tracker: RelatedTracker;
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
   * state Secrets, its namespaces) by their indexes by workspace: this runs every few
   * seconds, and LISTs of every state Secret and namespace cost the service cluster
   * O(tenants) each time (a watch not synced yet is listed instead).
   */
  async #clustersWithArtifacts(): Promise<Set<string>> {
    const { service, agentName, namespace, state, namespaces } = this.deps;
    const listedWorkspaces = async (ref: ResourceRef, ns: string | undefined, selector: string) =>
      (await service.list(ref, ns, { labelSelector: selector })).items.flatMap(
        (o) => o.metadata.labels?.[REMOTE_CLUSTER_LABEL] ?? [],
      );
    const found = new Set<string>();
    for (const c of this.deps.controllers())
      for (const cluster of c.local.indexValues(BY_WORKSPACE)) found.add(cluster);
    const withState =
      state.workspacesWatched() ??
      (await listedWorkspaces(SECRETS, namespace, `${OBJECT_STATE_LABEL}=true`));
    const withNamespaces = namespaces.watch.hasSynced
      ? namespaces.watch.indexValues(BY_WORKSPACE)
      : await listedWorkspaces(
          NAMESPACES,
          undefined,
          `${AGENT_NAME_LABEL}=${agentName},${REMOTE_CLUSTER_LABEL}`,
        );
    for (const cluster of [...withState, ...withNamespaces]) found.add(cluster);
    return found;
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
      for (const c of found) {
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
      for (const c of due) if (confirmed.has(c)) this.#unboundSince.delete(c);
      // Workspaces in parallel: a tenth of a large fleet unbinding at once is thousands of
      // deletions, each a round trip to the service cluster.
      const scope = this.#scope();
      const lookups = this.#lookups();
      await pool(
        due.filter((c) => !confirmed.has(c)),
        CLEANUP_CONCURRENCY,
        async (c) => {
          try {
            await this.#cleanup(c, scope, lookups);
          } catch (err) {
            this.log.warn(
              { cluster: c, err: (err as Error).message },
              'workspace cleanup failed; will retry',
            );
          }
        },
      );
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'workspace cleanup failed; will retry');
    } finally {
      this.#running = false;
    }
  }

  /** Answers the cleanup's lookups from the agent's watches, or by a LIST until one synced. */
  #lookups(): CleanupLookups {
    const { service, agentName, namespace, tracker, state, namespaces } = this.deps;
    const mine = `${AGENT_NAME_LABEL}=${agentName}`;
    const copiesWatch = (ref: ResourceRef) => {
      const c = this.deps.controllers().find((x) => gvrKey(x.projection.local) === gvrKey(ref));
      return c?.local.hasSynced ? c.local : undefined;
    };
    const listed = async (ref: ResourceRef, ns: string | undefined, labelSelector: string) =>
      (await service.list(ref, ns, { labelSelector })).items;
    return {
      copies: async (ref, cluster) =>
        copiesWatch(ref)?.byIndex(BY_WORKSPACE, cluster) ??
        listed(ref, undefined, `${mine},${REMOTE_CLUSTER_LABEL}=${cluster}`),
      relatedCopies: async (ref, cluster) =>
        tracker.serviceObjectsOfWorkspace(ref, cluster) ??
        listed(ref, undefined, `${mine},${RELATED_PRIMARY_CLUSTER_LABEL}=${cluster}`),
      stateSecrets: async (cluster) =>
        state.watchedOfWorkspace(cluster) ??
        listed(SECRETS, namespace, `${OBJECT_STATE_LABEL}=true,${REMOTE_CLUSTER_LABEL}=${cluster}`),
      namespaces: async (cluster) =>
        namespaces.watch.hasSynced
          ? namespaces.watch.byIndex(BY_WORKSPACE, cluster)
          : listed(NAMESPACES, undefined, `${mine},${REMOTE_CLUSTER_LABEL}=${cluster}`),
      copiesIn: async (ref, ns) =>
        copiesWatch(ref)?.byIndex(BY_NAMESPACE, ns) ?? listed(ref, ns, mine),
    };
  }

  #scope(): CleanupScope {
    const primaries = new Map<string, ResourceRef>();
    const related = new Map<string, ResourceRef>();
    for (const c of this.deps.controllers()) {
      primaries.set(gvrKey(c.projection.local), c.projection.local);
      for (const r of c.spec.related) {
        const ref = r.origin === 'kcp' ? destRef(r) : originRef(r);
        related.set(gvrKey(ref), ref);
      }
    }
    return {
      agentName: this.deps.agentName,
      agentNamespace: this.deps.namespace,
      primaries: [...primaries.values()],
      related: [...related.values()],
    };
  }

  async #cleanup(cluster: string, scope: CleanupScope, lookups: CleanupLookups): Promise<void> {
    const { service } = this.deps;
    const plan = await planCleanup(cluster, scope, lookups);
    for (const name of plan.sharedNamespaces)
      this.log.info(
        { cluster, namespace: name },
        'namespace is shared with other workspaces; kept',
      );
    let deleted = 0;
    for (const step of plan.steps) {
      const done = await Promise.all(
        step.map(async (d) => {
          try {
            if (!(await service.delete(d.ref, d.namespace, d.name, d.uid ? { uid: d.uid } : {})))
              return false;
          } catch (err) {
            // Another object holds the name now (the cache was behind): not ours to delete.
            if (isConflict(err)) return false;
            throw err;
          }
          if (d.kind === 'namespace') {
            this.deps.namespaces.forget(d.name);
            this.log.info(
              { cluster, namespace: d.name },
              'deleted the namespace of an unbound workspace',
            );
          }
          return true;
        }),
      );
      deleted += done.filter(Boolean).length;
    }
    if (deleted > 0) {
      this.deps.metrics.workspaceCleanups.inc();
      this.log.info({ cluster, deleted }, 'cleaned up after an unbound workspace');
    }
  }
}
