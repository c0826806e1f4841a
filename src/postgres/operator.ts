/**
 * The PostgreSQL operator process: finds the PostgreSQL binaries and the user to run them
 * as, installs the CRDs, loads (and adopts) the local runtime, watches Clusters, Databases
 * and Secrets with list+watch caches (the controller toolkit's Reflector), reconciles
 * through a work queue, watches instance health (a dead primary is noticed within a tenth
 * of a second), and serves /metrics and /healthz. On shutdown the PostgreSQL servers
 * keep running (as CloudNativePG's pods do when its operator stops) so a restarted operator
 * adopts them; `stopServersOnExit` stops them instead.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pod, Secret, Service } from '../api/core/types.ts';
import { KubeClient, type ResourceRef } from '../controller/kube/client.ts';
import { EventRecorder } from '../controller/kube/events.ts';
import { type ProbeServer, serveProbes } from '../controller/kube/probes.ts';
import { Reflector } from '../controller/kube/reflector.ts';
import { WorkQueue } from '../controller/work-queue.ts';
import type { Logger } from '../logging/logger.ts';
import { ClusterController } from './controller/cluster/cluster-controller.ts';
import { localImage } from './controller/cluster/image.ts';
import {
  LABEL_CLUSTER,
  POSTGRES_CONTAINER,
  POSTGRES_PORT,
} from './controller/cluster/workloads.ts';
import { DatabaseReconciler } from './controller/database/reconciler.ts';
import {
  CLUSTERS,
  type ControllerDeps,
  cacheOf,
  DATABASES,
  PODS,
  SECRETS,
  SERVICES,
  type WorkloadDeps,
} from './controller/deps.ts';
import {
  type ClusterRuntime,
  connectHostFor,
  InstanceManager,
} from './controller/instance-manager.ts';
import { clusterCrd, installCrds } from './crds/index.ts';
import { EndpointProxyProcess } from './endpoints/proxy-supervisor.ts';
import { OperatorMetrics } from './metrics.ts';
import { appSecretName, superuserSecretName } from './names.ts';
import { type AgentPod, defaultNodeName, NodeAgent } from './node-agent/agent.ts';
import {
  findInstalledPostgres,
  findPostgresBinaries,
  type PostgresBinaries,
} from './runtime/binaries.ts';
import { resolveServerUser, type ServerUser, unreachableAncestor } from './runtime/os-user.ts';
import type { Cluster, Database } from './types.ts';

export interface OperatorOptions {
  readonly kubeconfig: string;
  readonly context?: string;
  readonly dataDir: string;
  readonly postgresBin?: string;
  /** Address PostgreSQL servers listen on and Secrets name (default 127.0.0.1). */
  readonly bind: string;
  /** host:port for /metrics and /healthz (port 0 picks one; empty disables). */
  readonly metricsAddress: string;
  readonly stopServersOnExit: boolean;
  /** OS user for PostgreSQL when the operator runs as root (default postgres). */
  readonly runAsUser?: string;
  readonly log: Logger;
  /** How often instance liveness is checked (default 100 ms: a dead primary is one of the delays of a failover). */
  readonly healthIntervalMs?: number;
  readonly concurrency?: number;
  /** The Node the instances' Pods run on (default: this machine's host name). */
  readonly nodeName?: string;
  /** Canopy's version, which the Node reports. */
  readonly version?: string;
}

type Kind = 'Cluster' | 'Database';

/** How often the health monitor pings every instance over SQL (pids: every tick). */
const DEEP_HEALTH_MS = 2000;

export class PostgresOperator {
  readonly options: OperatorOptions;
  readonly client: KubeClient;
  readonly metrics = new OperatorMetrics();
  readonly log: Logger;
  binaries?: PostgresBinaries;
  user?: ServerUser;
  manager?: InstanceManager;
  environmentProblem?: string;
  metricsUrl?: string;
  readonly #informers: { start(): Promise<void>; stop(): Promise<void> }[] = [];
  #agent?: NodeAgent;
  #proxy?: EndpointProxyProcess;
  #routesPending = false;
  #queue?: WorkQueue;
  #timer?: NodeJS.Timeout;
  #http?: ProbeServer;
  #stopping = false;
  #synced = false;

  private constructor(options: OperatorOptions) {
    this.options = options;
    this.log = options.log;
    this.client = KubeClient.fromKubeconfig(
      options.kubeconfig,
      options.context ? { context: options.context } : {},
    );
  }

  static async start(options: OperatorOptions): Promise<PostgresOperator> {
    const op = new PostgresOperator(options);
    await op.#start();
    return op;
  }

  #checkEnvironment(): void {
    const { log } = this;
    const found = findPostgresBinaries(this.options.postgresBin);
    this.metrics.binariesFound.set(found.ok ? 1 : 0);
    if (!found.ok) {
      this.environmentProblem = found.message;
      log.error(
        { hint: found.message },
        'PostgreSQL server binaries not found: Clusters will wait',
      );
      return;
    }
    this.binaries = found.binaries;
    try {
      this.user = resolveServerUser(this.options.runAsUser);
    } catch (err) {
      this.environmentProblem = (err as Error).message;
      log.error({ err: this.environmentProblem }, 'cannot run PostgreSQL');
      return;
    }
    const dataDir = resolve(this.options.dataDir);
    const blocked = unreachableAncestor(this.user, dataDir);
    if (blocked) {
      this.environmentProblem =
        `PostgreSQL runs as user ${this.user.name} and cannot enter ${blocked} (on the way to --data-dir ${dataDir}): ` +
        `choose a --data-dir it can reach or allow it in (chmod o+x ${blocked})`;
      log.error({ dataDir, blocked }, this.environmentProblem);
      return;
    }
    log.info(
      {
        bin: found.binaries.dir,
        version: found.binaries.version,
        serverUser: this.user.name,
        switchedUser: this.user.switched,
        dataDir,
      },
      'PostgreSQL runtime ready',
    );
  }

  async #start(): Promise<void> {
    const { log } = this;
    this.#checkEnvironment();
    const crds = await installCrds(this.client, log);
    log.info({ method: crds.method, kept: crds.kept }, 'CRDs ready');
    if (!this.environmentProblem && this.binaries && this.user) {
      this.manager = new InstanceManager({
        dataDir: resolve(this.options.dataDir),
        bin: this.binaries,
        installed: findInstalledPostgres(this.options.postgresBin),
        user: this.user,
        host: this.options.bind,
        log,
      });
      const loaded = this.manager.loadAll();
      if (loaded.length > 0)
        log.info({ clusters: loaded.map((r) => r.key) }, 'found local clusters');
      // The stable endpoints come back first: a proxy that died with the operator (or a
      // machine restart) serves the last known routes again before anything is reconciled.
      this.#proxy = new EndpointProxyProcess(resolve(this.options.dataDir), log);
      await this.#proxy.ensure();
    }

    const informer = <T extends Cluster | Database | Secret>(ref: ResourceRef) =>
      new Reflector<T>({ client: this.client, ref, log, name: ref.plural });
    const clusters = informer<Cluster>(CLUSTERS);
    const databases = informer<Database>(DATABASES);
    const secrets = informer<Secret>(SECRETS);
    const events = new EventRecorder(this.client, log, 'canopy-postgres-operator');
    const host = connectHostFor(this.options.bind);
    const workloads = await this.#workloads();
    const deps: ControllerDeps = {
      client: this.client,
      log,
      clusters: cacheOf(clusters),
      databases: cacheOf(databases),
      secrets: cacheOf(secrets),
      manager: this.manager,
      environmentProblem: this.environmentProblem,
      host,
      metrics: this.metrics,
      events,
      workloads: workloads?.deps,
      statusExtensions: !crds.kept.includes(clusterCrd.metadata.name),
      image: this.#image(),
      publishEndpoints: () => this.#publishEndpoints(),
      enqueueCluster: (ns, name, after) => this.#enqueue('Cluster', ns, name, after),
      enqueueDatabase: (ns, name, after) => this.#enqueue('Database', ns, name, after),
    };
    const clusterController = new ClusterController(deps);
    const databaseReconciler = new DatabaseReconciler(deps);
    this.#queue = new WorkQueue(
      async (key) => {
        const [kind, ns, name] = key.split('/') as [Kind, string, string];
        const end = this.metrics.reconcileDuration.startTimer({ kind });
        try {
          const result =
            kind === 'Cluster'
              ? await clusterController.reconcile(ns, name)
              : await databaseReconciler.reconcile(ns, name);
          this.metrics.reconciles.inc({ kind, result: 'success' });
          return result;
        } catch (err) {
          this.metrics.reconciles.inc({ kind, result: 'error' });
          throw err;
        } finally {
          end();
        }
      },
      {
        concurrency: this.options.concurrency ?? 8,
        baseBackoffMs: 500,
        // Nothing is reconciled before every cache holds the full picture.
        paused: true,
        onError: (key, err) =>
          log.warn({ key, err: (err as Error).message }, 'reconcile failed; retrying'),
      },
    );

    clusters.on((type, c) => {
      this.#enqueue('Cluster', c.metadata.namespace, c.metadata.name);
      if (type !== 'delete') return;
      for (const db of databases.list(c.metadata.namespace))
        if (db.spec?.cluster?.name === c.metadata.name)
          this.#enqueue('Database', c.metadata.namespace, db.metadata.name);
    });
    databases.on((_type, d) => this.#enqueue('Database', d.metadata.namespace, d.metadata.name));
    secrets.on((_type, s) => this.#secretChanged(s, clusters));
    this.#informers.push(clusters, databases, secrets);
    if (workloads) {
      // A Pod or Service of a Cluster that changes behind our back is put right.
      const owner = (o: Pod | Service) =>
        this.#enqueue('Cluster', o.metadata.namespace, o.metadata.labels?.[LABEL_CLUSTER]);
      workloads.pods.on((_type, p) => owner(p));
      workloads.services.on((_type, svc) => owner(svc));
      this.#informers.push(workloads.pods, workloads.services);
    }
    // Each resolves once its first list is cached; failures back off and retry inside.
    await Promise.all(this.#informers.map((i) => i.start()));
    this.#synced = true;

    // Local clusters whose Cluster object is gone (deleted while no operator ran).
    if (this.manager) {
      for (const runtime of [...this.manager.runtimes.values()]) {
        const c = clusters.get(`${runtime.meta.namespace}/${runtime.meta.name}`);
        if (!c || c.metadata.uid !== runtime.meta.uid) {
          log.warn(
            { cluster: runtime.key },
            'Cluster object is gone: stopping its servers and removing its data',
          );
          await this.manager.remove(runtime.meta.namespace, runtime.meta.name, 10_000);
        }
      }
    }
    for (const c of clusters.list())
      this.#enqueue('Cluster', c.metadata.namespace, c.metadata.name);
    for (const d of databases.list())
      this.#enqueue('Database', d.metadata.namespace, d.metadata.name);
    this.#queue.start();

    this.#startMonitor();
    this.#publishEndpoints();
    if (workloads) {
      this.#agent = new NodeAgent({
        client: this.client,
        nodeName: workloads.deps.nodeName,
        address: host,
        version: `canopy-postgres-operator/${this.options.version ?? 'dev'}`,
        log,
        lookup: (namespace, pod) => this.#agentPod(workloads.pods, namespace, pod),
      });
      await this.#agent.start();
    }
    if (this.options.metricsAddress) await this.#serveMetrics(this.options.metricsAddress);
    log.info({ metrics: this.metricsUrl }, 'PostgreSQL operator ready');
  }

  /**
   * The Pods and Services of Clusters, when the server serves them (a Canopy plain server
   * or any Kubernetes): their caches, and the Node the pods run on.
   */
  async #workloads(): Promise<
    { deps: WorkloadDeps; pods: Reflector<Pod>; services: Reflector<Service> } | undefined
  > {
    let served: string[] = [];
    try {
      const core = await this.client.request<{ resources?: { name: string }[] }>('GET', '/api/v1');
      served = (core.resources ?? []).map((r) => r.name);
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message },
        'cannot read the core API; no Pods or Services',
      );
    }
    if (!['pods', 'services', 'nodes'].every((r) => served.includes(r))) {
      this.log.info('the server serves no Pods, Services or Nodes: Clusters get none');
      return undefined;
    }
    const reflect = <T extends Pod | Service>(ref: ResourceRef) =>
      new Reflector<T>({
        client: this.client,
        ref,
        log: this.log,
        name: ref.plural,
        labelSelector: LABEL_CLUSTER,
      });
    const pods = reflect<Pod>(PODS);
    const services = reflect<Service>(SERVICES);
    return {
      pods,
      services,
      deps: {
        nodeName: this.options.nodeName ?? defaultNodeName(),
        pods: cacheOf(pods),
        services: cacheOf(services),
      },
    };
  }

  /** The PostgreSQL the operator runs, as an image name (it runs no image). */
  #image(): string {
    return localImage(this.binaries?.major);
  }

  /** A pod this operator runs, for the node agent: its UID, log and ports. */
  #agentPod(pods: Reflector<Pod>, namespace: string, name: string): AgentPod | undefined {
    const pod = pods.get(`${namespace}/${name}`);
    const clusterName = pod?.metadata.labels?.[LABEL_CLUSTER];
    const runtime = clusterName ? this.manager?.get(namespace, clusterName) : undefined;
    const inst = runtime?.instances.get(name);
    const endpoints = runtime?.meta.endpointPorts;
    if (!pod?.metadata.uid || !runtime || !inst || !endpoints) return undefined;
    const host = runtime.connectHost;
    return {
      uid: pod.metadata.uid,
      container: POSTGRES_CONTAINER,
      logFile: inst.logFile,
      ports: new Map([
        [POSTGRES_PORT, { host, port: inst.port }],
        [endpoints.rw, { host, port: endpoints.rw }],
        [endpoints.ro, { host, port: endpoints.ro }],
        [endpoints.r, { host, port: endpoints.r }],
      ]),
    };
  }

  /** Sends the endpoint proxy the routes as they are now (coalesced within a tick). */
  #publishEndpoints(): void {
    if (!this.#proxy || !this.manager || this.#routesPending) return;
    this.#routesPending = true;
    setImmediate(() => {
      this.#routesPending = false;
      const manager = this.manager;
      if (!manager) return;
      this.#proxy
        ?.publish(manager.proxyRoutes())
        .catch((err: Error) =>
          this.log.warn({ err: err.message }, 'cannot update the endpoint proxy'),
        );
    });
  }

  #enqueue(
    kind: Kind,
    namespace: string | undefined,
    name: string | undefined,
    afterMs?: number,
  ): void {
    if (!namespace || !name || !this.#queue) return;
    const key = `${kind}/${namespace}/${name}`;
    if (afterMs) this.#queue.addAfter(key, afterMs);
    else this.#queue.add(key);
  }

  #secretChanged(secret: Secret, clusters: Reflector<Cluster>): void {
    const ns = secret.metadata.namespace;
    const name = secret.metadata.name;
    if (!ns || !name) return;
    for (const c of clusters.list(ns)) {
      const n = c.metadata.name;
      if (
        c.spec?.superuserSecret?.name === name ||
        c.spec?.bootstrap?.initdb?.secret?.name === name ||
        name === appSecretName(n) ||
        name === superuserSecretName(n)
      )
        this.#enqueue('Cluster', ns, n);
    }
  }

  /**
   * Health monitor: pids every tick (a killed primary is seen within one interval: a pid
   * check reads two small files per instance), SQL pings every 2 s; a change since the last
   * reconcile enqueues the cluster. The pid checks do not wait for the pings: those of every
   * Cluster, one after another, take a good part of a second on a busy machine, and a
   * primary killed meanwhile would be noticed only after them.
   */
  #startMonitor(): void {
    const interval = this.options.healthIntervalMs ?? 100;
    let lastDeep = Date.now();
    let pinging = false;
    const key = (runtime: ClusterRuntime) =>
      `Cluster/${runtime.meta.namespace}/${runtime.meta.name}`;
    const idle = (runtime: ClusterRuntime) =>
      !runtime.busy && !this.#queue?.isRunning(key(runtime));
    this.#timer = setInterval(() => {
      if (!this.manager || !this.#queue) return;
      try {
        for (const runtime of this.manager.runtimes.values()) {
          if (idle(runtime) && runtime.runningSignature() !== runtime.lastRunning) {
            this.#publishEndpoints();
            this.#queue.add(key(runtime));
          }
        }
      } catch (err) {
        this.log.debug({ err: (err as Error).message }, 'health check failed');
      }
      if (pinging || Date.now() - lastDeep < DEEP_HEALTH_MS) return;
      pinging = true;
      lastDeep = Date.now();
      void (async () => {
        try {
          for (const runtime of [...(this.manager?.runtimes.values() ?? [])]) {
            if (!idle(runtime) || runtime.runningSignature() !== runtime.lastRunning) continue;
            await runtime.refreshHealth();
            if (!runtime.busy && runtime.signature() !== runtime.lastSignature)
              this.#queue?.add(key(runtime));
          }
          // A proxy that died (or was killed) comes back within a few ticks.
          if (this.#proxy && !this.#proxy.pid()) {
            await this.#proxy.ensure();
            this.#publishEndpoints();
          }
        } catch (err) {
          this.log.debug({ err: (err as Error).message }, 'health check failed');
        } finally {
          pinging = false;
        }
      })();
    }, interval);
    this.#timer.unref();
  }

  async #serveMetrics(address: string): Promise<void> {
    this.#http = await serveProbes(address, '127.0.0.1', {
      metrics: this.metrics.registry,
      notReady: () => (this.#synced ? undefined : 'informers not synced'),
    });
    this.metricsUrl = this.#http.url;
  }

  /** Waits until no reconcile is queued or running (tests and benchmarks). */
  idle(): Promise<void> {
    return this.#queue?.idle() ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all(this.#informers.map((i) => i.stop().catch(() => undefined)));
    this.#queue?.stop();
    // Let a reconcile in flight finish (bounded): what it leaves half-done is adopted later.
    const settled = Promise.race([this.#queue?.idle(), sleep(10_000)]);
    const manager = this.options.stopServersOnExit ? this.manager : undefined;
    if (manager) {
      // Servers stop at once, not after the reconcile in flight: whoever stops the operator
      // (canopy up, a terminal's Ctrl-C) gives it a bounded grace before SIGKILL, and a
      // server outliving a killed operator is left behind. The fence keeps that reconcile
      // from starting one meanwhile; a start it had begun is caught by the second pass.
      this.log.info('stopping PostgreSQL servers (--stop-servers-on-exit)');
      manager.closeForStarts();
      await Promise.all([manager.stopAll(10_000), settled]);
      await manager.stopAll(10_000);
      await this.#proxy?.stop();
    } else await settled;
    await this.#agent?.stop();
    await this.#http?.close();
    this.client.close();
  }
}
