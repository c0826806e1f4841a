/**
 * The provider hub: its HTTPS listener (the portal, the hub API, the control plane proxied
 * as the caller) and its controllers, all talking to the control plane through its public
 * API with the kubeconfig it was given. `canopy start` runs one in its own process against
 * itself; `canopy hub` runs one on its own against any kcp-compatible control plane.
 * `start()` listens at once (probes answer, `/readyz` says what it waits for) and resolves
 * once the catalog workspace exists and the catalog is loaded, retrying with backoff while
 * the control plane cannot be reached.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { CATALOG_WORKSPACE } from '../api/providers/types.ts';
import { kubeLeases } from '../controller/kube/leases.ts';
import { LeaderElector } from '../controller/leader-election.ts';
import type { Logger } from '../logging/logger.ts';
import type { BuiltinProvider } from './builtins/index.ts';
import { syncBuiltins } from './builtins/sync.ts';
import { Catalog } from './catalog.ts';
import { ControlPlane } from './control-plane.ts';
import { CatalogEntryController } from './controllers/catalogentry-controller.ts';
import { Enablement } from './enablement.ts';
import { ClusterProxy } from './http/cluster-proxy.ts';
import { hubHandler } from './http/hub-server.ts';
import { ProviderProxy } from './http/provider-proxy.ts';
import { providersApi } from './http/providers-api.ts';
import { signInApi } from './http/sign-in.ts';
import { StaticUi } from './http/static-ui.ts';
import { HubMetrics } from './metrics.ts';
import {
  CATALOG_ENTRY_CRD,
  ensureCatalogApi,
  requireWorkspaces,
  UnsuitableControlPlaneError,
} from './required-apis.ts';
import { OidcClient, type OidcClientOptions } from './sso/oidc-client.ts';
import { Sealer } from './sso/sealed.ts';
import { ensureTopology } from './topology.ts';

/** Where the portal's build lands in the repository. */
export const DEFAULT_UI_DIR = resolve(import.meta.dirname, '..', '..', 'web', 'dist');
/** The hub's port when none is given (the control plane's is 6443). */
export const DEFAULT_HUB_PORT = 8443;
/** The file in a data directory holding the hub's base URL. */
export const HUB_URL_FILE = 'hub-url';
/**
 * The Lease (in the catalog workspace) that picks the one hub of several (replicas of a
 * control plane, or `canopy hub` beside `canopy start`) that reconciles; all of them serve.
 */
export const HUB_LEASE = { namespace: 'default', name: 'canopy-hub' } as const;

export interface HubOptions {
  /** An admin kubeconfig of the control plane. */
  readonly kubeconfig: string;
  readonly context?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly bind: string;
  /** The serving certificate and key (PEM). */
  readonly tls: { readonly cert: string; readonly key: string };
  /** The portal's built assets. */
  readonly uiDir?: string;
  readonly logger: Logger;
  /** First-party providers to offer (their entries are written at start-up). */
  readonly builtins?: readonly BuiltinProvider[];
  /**
   * "Sign in with <issuer>" in the portal: the issuer the control plane trusts and the
   * hub's client there (`sso/`, `http/sign-in.ts`). Absent: bearer tokens only.
   */
  readonly signIn?: OidcClientOptions;
}

export class Hub {
  readonly options: HubOptions;
  readonly log: Logger;
  readonly metrics: HubMetrics;
  readonly controlPlane: ControlPlane;
  readonly catalog: Catalog;
  readonly entries: CatalogEntryController;
  #server: Server | undefined;
  #proxy: ClusterProxy | undefined;
  #providers: ProviderProxy | undefined;
  #oidc: OidcClient | undefined;
  readonly #sockets = new Set<Socket>();
  #waitingFor = 'the catalog workspace';
  #stopped = false;
  #elector: LeaderElector | undefined;
  #leading: Promise<void> | undefined;
  url = '';

  private constructor(options: HubOptions, controlPlane: ControlPlane) {
    const builtinNames = new Set((options.builtins ?? []).map((b) => b.name));
    this.options = options;
    this.log = options.logger;
    this.controlPlane = controlPlane;
    this.catalog = new Catalog(
      controlPlane.at(CATALOG_WORKSPACE),
      this.log.child({ component: 'catalog' }),
      () => builtinNames,
    );
    this.metrics = new HubMetrics(() => {
      const ready = this.catalog.providers().items.filter((p) => p.ready).length;
      return { ready, notReady: this.catalog.list().length - ready };
    });
    this.entries = new CatalogEntryController({
      catalog: this.catalog,
      controlPlane,
      metrics: this.metrics,
      log: this.log.child({ controller: 'catalogentries' }),
    });
  }

  static async start(options: HubOptions): Promise<Hub> {
    const controlPlane = await ControlPlane.fromKubeconfig(options.kubeconfig, options.context);
    const hub = new Hub(options, controlPlane);
    try {
      await hub.#listen();
      await hub.#bootstrap();
    } catch (err) {
      await hub.stop();
      throw err;
    }
    return hub;
  }

  get ready(): boolean {
    return this.#waitingFor === '';
  }

  async #listen(): Promise<void> {
    const { options } = this;
    this.#proxy = new ClusterProxy(this.controlPlane, this.log.child({ component: 'proxy' }));
    const ui = new StaticUi(options.uiDir ?? DEFAULT_UI_DIR);
    this.#providers = new ProviderProxy({
      catalog: this.catalog,
      controlPlane: this.controlPlane,
      ui,
      log: this.log.child({ component: 'provider-proxy' }),
    });
    this.#oidc = options.signIn ? new OidcClient(options.signIn) : undefined;
    const handler = hubHandler({
      api: providersApi({
        controlPlane: this.controlPlane,
        catalog: this.catalog,
        enablement: new Enablement(this.catalog),
        poke: (name) => this.entries.poke(name),
      }),
      signIn: signInApi({
        client: this.#oidc,
        sealer: new Sealer(options.tls.key),
        baseUrl: () => this.url,
        log: this.log.child({ component: 'sign-in' }),
      }),
      proxy: this.#proxy,
      providers: this.#providers,
      ui,
      metrics: this.metrics,
      log: this.log,
      notReady: () => (this.ready ? undefined : `waiting for ${this.#waitingFor}`),
    });
    const server = createServer({ cert: options.tls.cert, key: options.tls.key }, handler);
    this.#server = server;
    server.keepAliveTimeout = 65_000;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'EADDRINUSE'
            ? new Error(
                `the hub cannot listen on ${options.bind}:${options.port}: the address is in use; stop the other process or choose another hub port`,
              )
            : err,
        );
      });
      server.listen(options.port, options.bind, () => resolveListen());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const publicHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
    this.url = `https://${publicHost}:${address.port}`;
  }

  /** The catalog workspace and the catalog, retried until the control plane answers. */
  async #bootstrap(): Promise<void> {
    let delay = 200;
    for (let attempt = 1; ; attempt++) {
      if (this.#stopped) throw new Error('the hub was stopped before it was ready');
      try {
        await requireWorkspaces(this.controlPlane.at('root'), this.controlPlane.origin);
        await ensureTopology((path) => this.controlPlane.at(path));
        if ((await ensureCatalogApi(this.controlPlane.at(CATALOG_WORKSPACE))) === 'crd')
          this.log.warn(
            { crd: CATALOG_ENTRY_CRD.metadata.name, workspace: CATALOG_WORKSPACE },
            'the control plane does not serve CatalogEntries itself, so the hub serves them with a CRD: only their schema is checked on write (the hub reports invalid entries in their status), and anyone allowed to write CatalogEntries can approve untrusted claims and offer the exports of other workspaces (spec.apiExport.path), so keep that to administrators',
          );
        break;
      } catch (err) {
        if (err instanceof UnsuitableControlPlaneError) throw err;
        this.log[attempt === 1 || attempt % 10 === 0 ? 'warn' : 'debug'](
          { err: (err as Error).message, controlPlane: this.controlPlane.origin, retryInMs: delay },
          'cannot set up the catalog workspace yet; retrying',
        );
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
    this.#waitingFor = 'the catalog to load';
    await this.catalog.start();
    this.#waitingFor = '';
    this.#leading = this.#lead();
  }

  /**
   * Campaigns for the hub's Lease for good: the leader writes the built-ins' entries and
   * runs the controller; a lost Lease stops the controller until this hub leads again.
   */
  async #lead(): Promise<void> {
    const elector = new LeaderElector({
      leases: kubeLeases(
        this.controlPlane.at(CATALOG_WORKSPACE),
        HUB_LEASE.namespace,
        HUB_LEASE.name,
      ),
      ...HUB_LEASE,
      identity: `${hostname()}_${process.pid}_${randomBytes(3).toString('hex')}`,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      log: this.log,
    });
    this.#elector = elector;
    while (!this.#stopped) {
      const lost = new Promise<void>((resolve) => elector.onLost(resolve));
      if (!(await elector.acquire()) || this.#stopped) return;
      await this.#syncBuiltins(elector);
      if (this.#stopped || !elector.isLeader) continue;
      this.entries.start();
      await lost;
      await this.entries.stop();
    }
  }

  /** The built-ins' entries, retried while this hub leads. */
  async #syncBuiltins(elector: LeaderElector): Promise<void> {
    for (let delay = 200; !this.#stopped && elector.isLeader; delay = Math.min(delay * 2, 5000)) {
      try {
        await syncBuiltins(this.controlPlane.at(CATALOG_WORKSPACE), this.options.builtins ?? []);
        return;
      } catch (err) {
        this.log.warn(
          { err: (err as Error).message },
          'cannot write the built-in providers yet; retrying',
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#elector?.stop();
    await this.#leading;
    await this.entries.stop();
    await this.catalog.stop();
    const server = this.#server;
    if (server) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const socket of this.#sockets) socket.destroy();
      await closed;
    }
    this.#proxy?.close();
    this.#providers?.close();
    this.#oidc?.close();
    this.controlPlane.close();
  }
}
