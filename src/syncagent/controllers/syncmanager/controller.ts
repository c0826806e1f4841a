/**
 * api-syncagent's `syncagent-syncmanager`: waits until the endpoint slice (or, on older
 * kcp, the APIExport status) names a virtual workspace URL, then runs one sync controller
 * per PublishedResource that has a schema and synchronization enabled. A controller is
 * restarted when what it syncs changes (the PublishedResource's spec, its CRD's versions
 * or subresources, its schema) and stopped when its PublishedResource goes. If the URL
 * changes, everything restarts against the new one. It also runs the workspace cleanup.
 */

import { nameOf } from '../../../apimachinery/meta.ts';
import type { KubeClient } from '../../../controller/kube/client.ts';
import { EventRecorder } from '../../../controller/kube/events.ts';
import type { Reflector } from '../../../controller/kube/reflector.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { type NormalizedSpec, normalize, type PublishedResource } from '../../apis/types.ts';
import { canonicalJson, QUEUE_BACKOFF } from '../../constants.ts';
import type { AgentMetrics } from '../../metrics.ts';
import { type Crd, projectCrd } from '../../projection.ts';
import { crdFor } from '../apiresourceschema/controller.ts';
import {
  BindingTracker,
  clusterOf,
  NamespaceEnsurer,
  RelatedTracker,
  readWorkspacePath,
  type SharedDeps,
  sameClaimDecisions,
  VirtualWorkspace,
} from '../sync/shared.ts';
import type { StateStore } from '../sync/state-store.ts';
import { SyncController } from '../sync/sync-controller.ts';
import { WorkspaceCleanup } from '../workspacecleanup/controller.ts';

export interface SyncManagerDeps {
  readonly log: Logger;
  readonly agentName: string;
  readonly namespace: string;
  readonly service: KubeClient;
  readonly kcp: KubeClient;
  readonly prs: Reflector<PublishedResource>;
  readonly crds: Reflector<Crd>;
  readonly metrics: AgentMetrics;
  readonly state: StateStore;
  /** The virtual workspace URL, once kcp publishes one. */
  readonly endpointUrl: () => Promise<string | undefined>;
  readonly workspaceCleanupDelayMs: number;
  readonly concurrency?: number;
}

interface Running {
  readonly signature: string;
  readonly controller: SyncController;
}

interface Session {
  readonly vw: VirtualWorkspace;
  readonly shared: SharedDeps;
  readonly tracker: RelatedTracker;
  readonly cleanup: WorkspaceCleanup;
  readonly paths: Map<string, string>;
}

export class SyncManager {
  readonly deps: SyncManagerDeps;
  readonly log: Logger;
  readonly queue: WorkQueue;
  readonly #running = new Map<string, Running>();
  #session: Session | undefined;
  #url = '';
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #polling = false;
  #again = false;

  constructor(deps: SyncManagerDeps) {
    this.deps = deps;
    this.log = deps.log.child({ controller: 'syncmanager' });
    this.queue = new WorkQueue((name) => this.#reconcile(name), {
      ...QUEUE_BACKOFF,
      concurrency: 1,
      onError: (name, err, n) =>
        this.log[n === 1 ? 'warn' : 'debug'](
          { publishedResource: name, err: (err as Error).message },
          'cannot start syncing; retrying',
        ),
    });
    deps.prs.on((_t, pr) => this.queue.add(nameOf(pr)));
    deps.crds.on((_t, crd) => {
      for (const pr of deps.prs.list())
        if (
          pr.spec?.resource?.apiGroup === crd.spec.group &&
          pr.spec.resource.kind === crd.spec.names.kind
        )
          this.queue.add(nameOf(pr));
    });
  }

  /** The running sync controllers (tests and benchmarks). */
  get controllers(): SyncController[] {
    return [...this.#running.values()].map((r) => r.controller);
  }

  start(): void {
    void this.#poll();
    // The endpoint slice is watched (see poke); polling is the fallback.
    this.#timer = setInterval(() => void this.#poll(), 5000);
    this.#timer.unref();
  }

  /** Something about the endpoint slice or export changed: look at the URL now. */
  poke(): void {
    // The first binding makes the virtual workspace serve: stop waiting for it.
    this.#session?.shared.bindings.reflector.retryNow();
    if (this.#polling) this.#again = true;
    else void this.#poll();
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#stopped) return;
    this.#polling = true;
    try {
      const url = await this.deps.endpointUrl();
      if (!url || url === this.#url) return;
      if (this.#url) this.log.info({ from: this.#url, to: url }, 'virtual workspace URL changed');
      else this.log.info({ url }, 'found the virtual workspace');
      await this.#stopSession();
      this.#url = url;
      this.#session = this.#newSession(url);
      for (const pr of this.deps.prs.list()) this.queue.add(nameOf(pr));
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'cannot read the virtual workspace URL');
    } finally {
      this.#polling = false;
      if (this.#again) {
        this.#again = false;
        void this.#poll();
      }
    }
  }

  #newSession(url: string): Session {
    const { log, agentName, service, kcp, metrics, state } = this.deps;
    const vw = new VirtualWorkspace(kcp, url);
    const bindings = new BindingTracker(vw, log, metrics);
    void bindings.reflector.start();
    // A new binding: watches still waiting for the virtual workspace to serve them retry.
    // A binding whose claims changed: its workspace's objects sync again (a claim accepted
    // lets them sync, one revoked is reported on them).
    const events = new EventRecorder((c) => vw.cluster(c), log, 'canopy-syncagent', {
      onDrop: () => metrics.eventsDropped.inc(),
    });
    bindings.reflector.on((type, binding, old) => {
      if (type === 'update') {
        if (!sameClaimDecisions(binding, old)) {
          // The events claim may be accepted now: the resync's events are recorded.
          events.allow(clusterOf(binding));
          for (const c of this.controllers) c.resyncCluster(clusterOf(binding));
        }
        return;
      }
      if (type !== 'add') return;
      for (const c of this.controllers) if (!c.remote.hasSynced) c.remote.retryNow();
      this.#session?.tracker.retryNow();
    });
    const shared: SharedDeps = {
      log,
      agentName,
      service,
      vw,
      metrics,
      events,
      state,
      bindings,
      namespaces: new NamespaceEnsurer(service, agentName, log),
    };
    void shared.namespaces.start();
    const tracker = new RelatedTracker(shared);
    const cleanup = new WorkspaceCleanup({
      log,
      agentName,
      namespace: this.deps.namespace,
      service,
      vw,
      bindings,
      namespaces: shared.namespaces,
      state,
      tracker,
      metrics,
      delayMs: this.deps.workspaceCleanupDelayMs,
      controllers: () => this.controllers,
      noEndpoints: async () => (await this.deps.endpointUrl()) === undefined,
    });
    cleanup.start();
    return { vw, shared, tracker, cleanup, paths: new Map() };
  }

  async #stopSession(): Promise<void> {
    const s = this.#session;
    this.#session = undefined;
    await Promise.all([...this.#running.values()].map((r) => r.controller.stop()));
    this.#running.clear();
    if (!s) return;
    s.cleanup.stop();
    await s.tracker.stop();
    await s.shared.namespaces.stop();
    await s.shared.bindings.reflector.stop();
    s.vw.close();
  }

  async #reconcile(name: string): Promise<undefined> {
    const s = this.#session;
    if (!s || this.#stopped) return undefined;
    const pr = this.deps.prs.get(`/${name}`);
    let wanted: { signature: string; spec: NormalizedSpec; crd: Crd } | undefined;
    if (pr && !pr.metadata.deletionTimestamp && pr.status?.resourceSchemaName) {
      try {
        const spec = normalize(pr);
        const crd = spec.syncEnabled ? crdFor(this.deps.crds, spec) : undefined;
        if (crd) {
          const projection = projectCrd(crd, spec);
          wanted = {
            spec,
            crd,
            signature: canonicalJson({
              spec,
              local: projection.local,
              remote: projection.remote,
              hasStatus: projection.hasStatus,
              hasConditions: projection.hasConditions,
              schema: pr.status.resourceSchemaName,
            }),
          };
        }
      } catch (err) {
        this.log.debug({ publishedResource: name, err: (err as Error).message }, 'not syncing');
      }
    }
    const running = this.#running.get(name);
    if (running && running.signature === wanted?.signature) return undefined;
    if (running) {
      this.log.info({ publishedResource: name }, 'stopping sync controller');
      this.#running.delete(name);
      await running.controller.stop();
    }
    if (wanted) {
      const controller = new SyncController({
        deps: s.shared,
        tracker: s.tracker,
        name,
        spec: wanted.spec,
        projection: projectCrd(wanted.crd, wanted.spec),
        ...(this.deps.concurrency ? { concurrency: this.deps.concurrency } : {}),
        workspacePath: async (cluster) => {
          let path = s.paths.get(cluster);
          if (path === undefined) {
            path = await readWorkspacePath(s.vw.cluster(cluster));
            s.paths.set(cluster, path);
          }
          return path;
        },
      });
      this.#running.set(name, { signature: wanted.signature, controller });
      await controller.start();
      this.log.info(
        {
          publishedResource: name,
          local: `${controller.projection.local.plural}.${controller.projection.local.group}`,
          remote: `${controller.projection.remote.plural}.${controller.projection.remote.group}`,
        },
        'started sync controller',
      );
    }
    this.deps.metrics.publishedResources.set(this.#running.size);
    return undefined;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.queue.stop();
    await this.#stopSession();
  }
}
