/**
 * The PostgreSQL operator process: finds the PostgreSQL binaries and the user to run them
 * as, installs the CRDs, loads (and adopts) the local runtime, watches Clusters, Databases
 * and Secrets with list+watch caches (the controller toolkit's Reflector), reconciles
 * through a work queue, watches instance health (a dead primary is noticed within about
 * half a second), and serves /metrics and /healthz. On shutdown the PostgreSQL servers
 * keep running (as CloudNativePG's pods do when its operator stops) so a restarted operator
 * adopts them; `stopServersOnExit` stops them instead.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Secret } from '../api/core/types.ts';
import { KubeClient, type ResourceRef } from '../controller/kube/client.ts';
import { EventRecorder } from '../controller/kube/events.ts';
import { type ProbeServer, serveProbes } from '../controller/kube/probes.ts';
import { Reflector } from '../controller/kube/reflector.ts';
import { WorkQueue } from '../controller/work-queue.ts';
import type { Logger } from '../logging/logger.ts';
import { ClusterController } from './controller/cluster/cluster-controller.ts';
import { DatabaseReconciler } from './controller/database/reconciler.ts';
import { CLUSTERS, type ControllerDeps, cacheOf, DATABASES, SECRETS } from './controller/deps.ts';
import { connectHostFor, InstanceManager } from './controller/instance-manager.ts';
import { installCrds } from './crds/index.ts';
import { OperatorMetrics } from './metrics.ts';
import { appSecretName, superuserSecretName } from './names.ts';
import { findPostgresBinaries, type PostgresBinaries } from './runtime/binaries.ts';
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
  /** How often instance liveness is checked (default 500 ms). */
  readonly healthIntervalMs?: number;
  readonly concurrency?: number;
}

type Kind = 'Cluster' | 'Database';

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
  readonly #informers: Reflector<Cluster | Database | Secret>[] = [];
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
    const method = await installCrds(this.client, log);
    log.info({ method }, 'CRDs installed');
    if (!this.environmentProblem && this.binaries && this.user) {
      this.manager = new InstanceManager({
        dataDir: resolve(this.options.dataDir),
        bin: this.binaries,
        user: this.user,
        host: this.options.bind,
        log,
      });
      const loaded = this.manager.loadAll();
      if (loaded.length > 0)
        log.info({ clusters: loaded.map((r) => r.key) }, 'found local clusters');
    }

    const informer = <T extends Cluster | Database | Secret>(ref: ResourceRef) =>
      new Reflector<T>({ client: this.client, ref, log, name: ref.plural });
    const clusters = informer<Cluster>(CLUSTERS);
    const databases = informer<Database>(DATABASES);
    const secrets = informer<Secret>(SECRETS);
    const events = new EventRecorder(this.client, log, 'canopy-postgres-operator');
    const host = connectHostFor(this.options.bind);
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
    this.#informers.push(
      ...([clusters, databases, secrets] as Reflector<Cluster | Database | Secret>[]),
    );
    // Each resolves once its first list is cached; failures back off and retry inside.
    await Promise.all(this.#informers.map((i) => i.start()));
    this.#synced = true;

    // Local clusters whose Cluster object is gone (deleted while no operator ran).
    if (this.manager) {
      for (const rt of [...this.manager.runtimes.values()]) {
        const c = clusters.get(`${rt.meta.namespace}/${rt.meta.name}`);
        if (!c || c.metadata.uid !== rt.meta.uid) {
          log.warn(
            { cluster: rt.key },
            'Cluster object is gone: stopping its servers and removing its data',
          );
          await this.manager.remove(rt.meta.namespace, rt.meta.name, 10_000);
        }
      }
    }
    for (const c of clusters.list())
      this.#enqueue('Cluster', c.metadata.namespace, c.metadata.name);
    for (const d of databases.list())
      this.#enqueue('Database', d.metadata.namespace, d.metadata.name);
    this.#queue.start();

    this.#startMonitor();
    if (this.options.metricsAddress) await this.#serveMetrics(this.options.metricsAddress);
    log.info({ metrics: this.metricsUrl }, 'PostgreSQL operator ready');
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
   * Health monitor: pids every tick (a killed primary is seen within one interval), SQL
   * pings every fourth; a change since the last reconcile enqueues the cluster.
   */
  #startMonitor(): void {
    const interval = this.options.healthIntervalMs ?? 500;
    let tick = 0;
    let running = false;
    this.#timer = setInterval(() => {
      if (running || !this.manager || !this.#queue) return;
      running = true;
      tick++;
      const deep = tick % 4 === 0;
      void (async () => {
        try {
          for (const rt of [...(this.manager?.runtimes.values() ?? [])]) {
            const key = `Cluster/${rt.meta.namespace}/${rt.meta.name}`;
            if (rt.busy || this.#queue?.isRunning(key)) continue;
            if (rt.runningSignature() !== rt.lastRunning) {
              this.#queue?.add(key);
              continue;
            }
            if (deep) {
              await rt.refreshHealth();
              if (!rt.busy && rt.signature() !== rt.lastSignature) this.#queue?.add(key);
            }
          }
        } catch (err) {
          this.log.debug({ err: (err as Error).message }, 'health check failed');
        } finally {
          running = false;
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
    await Promise.race([this.#queue?.idle(), sleep(10_000)]);
    if (this.options.stopServersOnExit && this.manager) {
      this.log.info('stopping PostgreSQL servers (--stop-servers-on-exit)');
      await this.manager.stopAll(10_000);
    }
    await this.#http?.close();
    this.client.close();
  }
}
