/**
 * `canopy syncagent`: kcp's api-syncagent for Canopy and for any kcp. Connects a service
 * cluster (any Kubernetes API server; standard APIs only) to a provider workspace:
 * publishes the service cluster's CRDs as APIResourceSchemas in one APIExport, syncs
 * every tenant's objects down and their status up through the APIExport virtual
 * workspace, with related Secrets and ConfigMaps.
 *
 * Startup: the kcp kubeconfig must point at a workspace (`…/clusters/<path>`); the agent
 * reads its LogicalCluster for the logical cluster name, resolves the APIExport (directly
 * or through the endpoint slice), installs the PublishedResource CRD on the service
 * cluster when absent, optionally waits for leadership (a Lease in --namespace), and then
 * runs the controllers. Either side being unreachable at startup is retried with backoff.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseLabelSelector } from '../apimachinery/labels.ts';
import { isConflict, isNotFound, KubeClient, type ResourceRef } from '../controller/kube/client.ts';
import { EventRecorder } from '../controller/kube/events.ts';
import { kubeLeases } from '../controller/kube/leases.ts';
import { type ProbeOptions, type ProbeServer, serveProbes } from '../controller/kube/probes.ts';
import { Reflector } from '../controller/kube/reflector.ts';
import { LeaderElector } from '../controller/leader-election.ts';
import type { Logger } from '../logging/logger.ts';
import { ensurePublishedResourceCrd } from './apis/crd.ts';
import type { PublishedResource } from './apis/types.ts';
import {
  CRDS,
  FIELD_MANAGER,
  KCP_CLUSTER_ANNOTATION,
  KCP_PATH_ANNOTATION,
  NAMESPACES,
} from './constants.ts';
import { ApiExportController, exportRef } from './controllers/apiexport/controller.ts';
import {
  ApiResourceSchemaController,
  PUBLISHED_RESOURCES,
} from './controllers/apiresourceschema/controller.ts';
import { StateStore } from './controllers/sync/state-store.ts';
import { SyncManager } from './controllers/syncmanager/controller.ts';
import { AgentMetrics } from './metrics.ts';
import type { Crd } from './projection.ts';

export const CONTROLLERS = ['apiexport', 'apiresourceschema', 'sync'] as const;
export type ControllerName = (typeof CONTROLLERS)[number];

export interface AgentOptions {
  readonly kcpKubeconfig: string;
  /** Service cluster kubeconfig (default: $KUBECONFIG, then ~/.kube/config, then in-cluster). */
  readonly kubeconfig?: string;
  readonly kubeconfigHostOverride?: string;
  readonly kubeconfigCaFileOverride?: string;
  readonly apiExportRef?: string;
  readonly apiExportEndpointSliceRef?: string;
  /** `original-host:port=new-host:port` rewrites of endpoint URLs (kcp#3830). */
  readonly apiExportHostPortOverrides?: readonly string[];
  readonly namespace: string;
  readonly agentName?: string;
  readonly publishedResourceSelector?: string;
  readonly enableLeaderElection: boolean;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  /** host:port for /metrics ("" disables; port 0 picks one). */
  readonly metricsAddress: string;
  /** host:port for /healthz and /readyz ("" disables). */
  readonly healthAddress: string;
  readonly disabledControllers?: readonly string[];
  /** How long a workspace must stay unbound before its service-side objects go. */
  readonly workspaceCleanupDelayMs?: number;
  readonly concurrency?: number;
  readonly log: Logger;
}

const LOGICAL_CLUSTERS: ResourceRef = {
  group: 'core.kcp.io',
  version: 'v1alpha1',
  plural: 'logicalclusters',
  namespaced: false,
};
const ENDPOINT_SLICES: ResourceRef = {
  group: 'apis.kcp.io',
  version: 'v1alpha1',
  plural: 'apiexportendpointslices',
  namespaced: false,
};

interface EndpointSlice {
  metadata: { name?: string };
  spec?: { export?: { path?: string; name?: string } };
  status?: { endpoints?: { url: string }[] };
}

interface ExportStatus {
  metadata: { name?: string };
  status?: { virtualWorkspaces?: { url: string }[] };
}

export function validateOptions(o: AgentOptions): string[] {
  const errors: string[] = [];
  if (!o.kcpKubeconfig) errors.push('--kcp-kubeconfig is required');
  if (!o.namespace) errors.push('--namespace is required');
  if (!o.apiExportRef && !o.apiExportEndpointSliceRef)
    errors.push('--apiexport-ref or --apiexportendpointslice-ref is required');
  if (o.apiExportRef && o.apiExportEndpointSliceRef)
    errors.push('--apiexport-ref and --apiexportendpointslice-ref are exclusive');
  if (o.agentName && !/^[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/.test(o.agentName))
    errors.push(`--agent-name ${JSON.stringify(o.agentName)} is not a valid label value`);
  if (o.agentName && o.agentName.length > 63)
    errors.push('--agent-name is longer than 63 characters');
  if (o.publishedResourceSelector) {
    try {
      parseLabelSelector(o.publishedResourceSelector);
    } catch (err) {
      errors.push(`invalid --published-resource-selector: ${(err as Error).message}`);
    }
  }
  for (const c of o.disabledControllers ?? [])
    if (!(CONTROLLERS as readonly string[]).includes(c))
      errors.push(
        `unknown controller ${c} in --disabled-controllers (known: ${CONTROLLERS.join(', ')})`,
      );
  for (const s of o.apiExportHostPortOverrides ?? [])
    if (!/^[^=:]+:\d+=[^=:]+:\d+$/.test(s))
      errors.push(
        `invalid --apiexport-hostport-override ${JSON.stringify(s)}: want original-host:port=new-host:port`,
      );
  return errors;
}

export function rewriteUrl(url: string, overrides: readonly string[]): string {
  if (overrides.length === 0) return url;
  const parsed = new URL(url);
  let host = parsed.host;
  for (const o of overrides) {
    const [from, to] = o.split('=');
    if (host === from && to) host = to;
  }
  parsed.host = host;
  return parsed.toString().replace(/\/$/, '');
}

export class SyncAgent {
  readonly options: AgentOptions;
  readonly log: Logger;
  readonly metrics = new AgentMetrics();
  readonly agentName: string;
  readonly kcp: KubeClient;
  readonly service: KubeClient;
  clusterName = '';
  clusterPath = '';
  exportName = '';
  metricsUrl: string | undefined;
  healthUrl: string | undefined;
  prs: Reflector<PublishedResource> | undefined;
  crds: Reflector<Crd> | undefined;
  syncManager: SyncManager | undefined;
  #schemas: ApiResourceSchemaController | undefined;
  #export: ApiExportController | undefined;
  #elector: LeaderElector | undefined;
  #campaign: Promise<void> | undefined;
  #slices: Reflector | undefined;
  #state: StateStore | undefined;
  #servers: ProbeServer[] = [];
  #ready = false;
  #stopped = false;

  private constructor(options: AgentOptions) {
    this.options = options;
    this.log = options.log;
    this.agentName =
      options.agentName || `${options.apiExportEndpointSliceRef || options.apiExportRef}-syncagent`;
    this.kcp = KubeClient.fromKubeconfig(options.kcpKubeconfig, { fieldManager: FIELD_MANAGER });
    if (!/\/clusters\/[^/]+/.test(new URL(this.kcp.server).pathname))
      throw new Error(
        `kcp kubeconfig does not point to a specific workspace: its server ${this.kcp.server} has no /clusters/<workspace> path`,
      );
    this.service = KubeClient.fromKubeconfig(
      options.kubeconfig ?? process.env.KUBECONFIG?.split(':')[0],
      {
        fieldManager: FIELD_MANAGER,
        ...(options.kubeconfigHostOverride ? { hostOverride: options.kubeconfigHostOverride } : {}),
        ...(options.kubeconfigCaFileOverride
          ? { caFileOverride: options.kubeconfigCaFileOverride }
          : {}),
      },
    );
  }

  /** Validates the options and reads the kubeconfigs; `run()` starts the work. */
  static create(options: AgentOptions): SyncAgent {
    const errors = validateOptions(options);
    if (errors.length) throw new Error(errors.join('; '));
    return new SyncAgent(options);
  }

  /** create() and run(). */
  static async start(options: AgentOptions): Promise<SyncAgent> {
    const agent = SyncAgent.create(options);
    await agent.run();
    return agent;
  }

  /** Resolves once the controllers run (with leader election: once this replica leads). */
  run(): Promise<void> {
    return this.#start();
  }

  get ready(): boolean {
    return this.#ready;
  }

  #enabled(name: ControllerName): boolean {
    return !(this.options.disabledControllers ?? []).includes(name);
  }

  /** Retries `fn` with exponential backoff until it succeeds or the agent stops. */
  async #retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.#stopped) throw err;
        const delay = Math.min(200 * 2 ** Math.min(attempt - 1, 10), 15_000);
        this.log[attempt === 1 || attempt % 10 === 0 ? 'warn' : 'debug'](
          { err: (err as Error).message, retryInMs: delay },
          `${what}; retrying`,
        );
        await sleep(delay, undefined, { ref: false });
      }
    }
  }

  async #start(): Promise<void> {
    const { log, options } = this;
    log.info(
      {
        agent: this.agentName,
        ...(options.apiExportEndpointSliceRef
          ? { apiexportendpointslice: options.apiExportEndpointSliceRef }
          : { apiexport: options.apiExportRef }),
      },
      "Moin, I'm Canopy's sync agent",
    );
    this.metrics.leader.set(0);
    await this.#serve();

    // The provider workspace: its logical cluster name and the APIExport.
    const lc = await this.#retry('cannot read the workspace LogicalCluster', () =>
      this.kcp.get(LOGICAL_CLUSTERS, undefined, 'cluster'),
    );
    this.clusterName = lc.metadata.annotations?.[KCP_CLUSTER_ANNOTATION] ?? '';
    this.clusterPath = lc.metadata.annotations?.[KCP_PATH_ANNOTATION] ?? '';
    if (!this.clusterName)
      throw new Error('the workspace LogicalCluster has no kcp.io/cluster annotation');
    this.exportName = await this.#retry('cannot resolve the APIExport', () =>
      this.#resolveExport(),
    );
    log.info(
      { export: this.exportName, workspace: this.clusterPath, logicalcluster: this.clusterName },
      'Resolved APIExport',
    );

    // The service cluster: the PublishedResource CRD, and --namespace (usually where the
    // agent runs, so it exists; created otherwise).
    await this.#retry('cannot install the PublishedResource CRD on the service cluster', () =>
      ensurePublishedResourceCrd(this.service, log),
    );
    await this.#retry(
      `cannot create namespace ${options.namespace} on the service cluster`,
      async () => {
        if (await this.service.getOrUndefined(NAMESPACES, undefined, options.namespace)) return;
        await this.service
          .create(NAMESPACES, undefined, {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: options.namespace },
          })
          .catch((err: unknown) => {
            if (!isConflict(err)) throw err;
          });
        log.info({ namespace: options.namespace }, 'created the agent namespace');
      },
    );

    if (options.enableLeaderElection) {
      const leaseName = `syncagent.${this.agentName}`.slice(0, 253);
      this.#elector = new LeaderElector({
        leases: kubeLeases(this.service, options.namespace, leaseName),
        namespace: options.namespace,
        name: leaseName,
        identity: `${hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`,
        leaseDurationMs: options.leaseDurationMs ?? 15_000,
        renewDeadlineMs: options.renewDeadlineMs ?? 10_000,
        retryPeriodMs: options.retryPeriodMs ?? 2_000,
        log,
      });
      this.#ready = true;
      // Campaign for good: a lost lease (the service cluster was unreachable for longer than
      // the renew deadline) stops the controllers, and the replica campaigns again.
      this.#campaign = this.#campaignLoop(this.#elector);
      return;
    }
    this.metrics.leader.set(1);
    await this.#runControllers();
    this.#ready = true;
    log.info(this.#endpoints(), 'sync agent ready');
  }

  async #campaignLoop(elector: LeaderElector): Promise<void> {
    while (!this.#stopped) {
      const lost = new Promise<void>((resolve) => elector.onLost(resolve));
      if (!(await elector.acquire()) || this.#stopped) return;
      this.metrics.leader.set(1);
      try {
        await this.#runControllers();
        this.log.info(this.#endpoints(), 'sync agent ready');
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'cannot start the controllers');
      }
      await lost;
      this.metrics.leader.set(0);
      if (this.#stopped) return;
      this.log.warn('stopping the controllers until this replica leads again');
      await this.#stopControllers();
    }
  }

  async #resolveExport(): Promise<string> {
    const { options } = this;
    if (options.apiExportEndpointSliceRef) {
      const slice = await this.kcp.get<EndpointSlice>(
        ENDPOINT_SLICES,
        undefined,
        options.apiExportEndpointSliceRef,
      );
      const path = slice.spec?.export?.path ?? '';
      const name = slice.spec?.export?.name ?? '';
      if (!name)
        throw new Error(
          `APIExportEndpointSlice ${options.apiExportEndpointSliceRef} names no APIExport`,
        );
      if (path && path !== this.clusterPath && path !== this.clusterName)
        throw new Error(
          `APIExportEndpointSlice ${options.apiExportEndpointSliceRef} points at an APIExport in ${path}; the agent manages APIExports in its own workspace (${this.clusterPath})`,
        );
      await this.#getExport(name);
      return name;
    }
    await this.#getExport(options.apiExportRef as string);
    return options.apiExportRef as string;
  }

  async #getExport(name: string): Promise<ExportStatus> {
    try {
      return await this.kcp.get<ExportStatus>(exportRef('v1alpha2'), undefined, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      return await this.kcp.get<ExportStatus>(exportRef('v1alpha1'), undefined, name);
    } catch (err) {
      if (isNotFound(err)) throw new Error(`APIExport ${name} not found in ${this.clusterPath}`);
      throw err;
    }
  }

  /** The virtual workspace URL: the endpoint slice's first endpoint, or the export's status. */
  async #endpointUrl(): Promise<string | undefined> {
    const sliceName = this.options.apiExportEndpointSliceRef || this.exportName;
    const overrides = this.options.apiExportHostPortOverrides ?? [];
    const slice = await this.kcp.getOrUndefined<EndpointSlice>(
      ENDPOINT_SLICES,
      undefined,
      sliceName,
    );
    const fromSlice = slice?.status?.endpoints?.[0]?.url;
    if (fromSlice) return rewriteUrl(fromSlice, overrides);
    if (slice && this.options.apiExportEndpointSliceRef) return undefined;
    const exp = await this.#getExport(this.exportName);
    const fromExport = exp.status?.virtualWorkspaces?.[0]?.url;
    return fromExport ? rewriteUrl(fromExport, overrides) : undefined;
  }

  async #runControllers(): Promise<void> {
    const { log, options } = this;
    this.prs = new Reflector<PublishedResource>({
      client: this.service,
      ref: PUBLISHED_RESOURCES,
      ...(options.publishedResourceSelector
        ? { labelSelector: options.publishedResourceSelector }
        : {}),
      log,
      name: 'publishedresources',
      onFailure: () => this.metrics.watchFailures.inc({ watch: 'publishedresources' }),
    });
    this.crds = new Reflector<Crd>({
      client: this.service,
      ref: CRDS,
      log,
      name: 'customresourcedefinitions',
      onFailure: () => this.metrics.watchFailures.inc({ watch: 'customresourcedefinitions' }),
    });
    const onDrop = () => this.metrics.eventsDropped.inc();
    const serviceEvents = new EventRecorder(() => this.service, log, 'canopy-syncagent', {
      onDrop,
    });
    const kcpEvents = new EventRecorder(() => this.kcp, log, 'canopy-syncagent', { onDrop });
    if (this.#enabled('apiresourceschema'))
      this.#schemas = new ApiResourceSchemaController({
        log,
        agentName: this.agentName,
        service: this.service,
        kcp: this.kcp,
        prs: this.prs,
        crds: this.crds,
        metrics: this.metrics,
        events: serviceEvents,
      });
    if (this.#enabled('apiexport'))
      this.#export = new ApiExportController({
        log,
        agentName: this.agentName,
        kcp: this.kcp,
        exportName: this.exportName,
        prs: this.prs,
        metrics: this.metrics,
        events: kcpEvents,
      });
    const state = new StateStore(this.service, options.namespace, log);
    this.#state = state;
    if (this.#enabled('sync'))
      this.syncManager = new SyncManager({
        log,
        agentName: this.agentName,
        namespace: options.namespace,
        service: this.service,
        kcp: this.kcp,
        prs: this.prs,
        crds: this.crds,
        metrics: this.metrics,
        state,
        endpointUrl: () => this.#endpointUrl(),
        workspaceCleanupDelayMs: options.workspaceCleanupDelayMs ?? 30_000,
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      });
    if (this.syncManager) {
      // The virtual workspace URL appears in the endpoint slice when the first tenant binds:
      // watch the slices of the provider workspace, so the agent notices at once.
      const manager = this.syncManager;
      this.#slices = new Reflector({
        client: this.kcp,
        ref: ENDPOINT_SLICES,
        log,
        name: 'apiexportendpointslices',
        onFailure: () => this.metrics.watchFailures.inc({ watch: 'apiexportendpointslices' }),
      });
      this.#slices.on(() => manager.poke());
      void this.#slices.start();
    }
    await Promise.all([
      this.prs.start(),
      this.crds.start(),
      this.syncManager ? state.start() : Promise.resolve(),
    ]);
    this.#schemas?.start();
    this.#export?.start();
    this.syncManager?.start();
  }

  /** Where the metrics and probes are served, for the ready line (a supervisor reads them). */
  #endpoints(): { metrics?: string; health?: string } {
    return {
      ...(this.metricsUrl ? { metrics: this.metricsUrl } : {}),
      ...(this.healthUrl ? { health: this.healthUrl } : {}),
    };
  }

  async #serve(): Promise<void> {
    const { metricsAddress, healthAddress } = this.options;
    const notReady = () => (this.#ready && !this.#stopped ? undefined : 'not ready');
    const listen = async (address: string, options: ProbeOptions) => {
      const server = await serveProbes(address, '0.0.0.0', options);
      this.#servers.push(server);
      return server.url;
    };
    if (metricsAddress)
      this.metricsUrl = await listen(metricsAddress, { metrics: this.metrics.registry, notReady });
    if (healthAddress) this.healthUrl = await listen(healthAddress, { notReady });
    if (this.metricsUrl || this.healthUrl)
      this.log.info(
        { metrics: this.metricsUrl, health: this.healthUrl },
        'serving metrics and probes',
      );
  }

  async #stopControllers(): Promise<void> {
    this.#schemas?.stop();
    this.#export?.stop();
    await this.syncManager?.stop();
    await Promise.all([
      this.prs?.stop(),
      this.crds?.stop(),
      this.#slices?.stop(),
      this.#state?.stop(),
    ]);
    this.#state = undefined;
    this.#slices = undefined;
    this.#schemas = undefined;
    this.#export = undefined;
    this.syncManager = undefined;
    this.prs = undefined;
    this.crds = undefined;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#stopControllers();
    await this.#elector?.stop();
    await this.#campaign;
    await Promise.all(this.#servers.map((s) => s.close()));
    this.kcp.close();
    this.service.close();
  }
}
