/**
 * The Canopy API server process: assembles the store, the type registry, the REST machinery,
 * authentication and RBAC, discovery, OpenAPI and the built-in controllers of `apiserver/`,
 * and (unless plain) workspaces from `tenancy/`, exports and bindings from `apis/`, the
 * APIExport virtual workspace from `virtual/` and the hub's CatalogEntry API from `hub/apis/`,
 * and serves them over HTTPS. `start()` resolves once requests are served;
 * `stop()` shuts everything down cleanly.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import {
  type Kubeconfig,
  serializeKubeconfig,
  singleContextKubeconfig,
} from '../apimachinery/kubeconfig.ts';
import { Apis } from '../apis/apis.ts';
import { apisTypes } from '../apis/resources/index.ts';
import { AdmissionChain } from '../apiserver/admission/admission.ts';
import { NamespacePhases, namespaceLifecycle } from '../apiserver/admission/namespace-lifecycle.ts';
import { servedResources } from '../apiserver/admission/served-resources.ts';
import { serviceAllocation } from '../apiserver/admission/service-allocation.ts';
import {
  AdmissionPolicies,
  validatingAdmissionPolicy,
} from '../apiserver/admission/validating-admission-policy.ts';
import { AUDIT_LOG_FILE, AuditLog } from '../apiserver/audit.ts';
import {
  type Authenticator,
  MASTERS_GROUP,
  UnionAuthenticator,
} from '../apiserver/authn/authenticator.ts';
import { ClientCertificateAuthenticator } from '../apiserver/authn/client-certificates.ts';
import {
  compileAuthenticators,
  type JwtAuthentication,
} from '../apiserver/authn/oidc/authentication-config.ts';
import { OidcAuthenticator } from '../apiserver/authn/oidc/oidc-authenticator.ts';
import { ServiceAccountTokens, storageLookup } from '../apiserver/authn/service-accounts.ts';
import { parseTokenFile, TokenAuthenticator } from '../apiserver/authn/token-file.ts';
import { Authorization } from '../apiserver/authz/authorization.ts';
import { writeBootstrapPolicy } from '../apiserver/authz/bootstrap-policy.ts';
import { rbacEscalation } from '../apiserver/authz/escalation.ts';
import { bootstrapCluster } from '../apiserver/bootstrap.ts';
import {
  authenticationTypes,
  withTokenRequest,
} from '../apiserver/builtin/authentication/index.ts';
import { authorizationTypes } from '../apiserver/builtin/authorization/index.ts';
import { nodes } from '../apiserver/builtin/core/nodes.ts';
import { pods } from '../apiserver/builtin/core/pods.ts';
import { serviceAccounts } from '../apiserver/builtin/core/serviceaccounts.ts';
import { builtinTypesFor } from '../apiserver/builtin/index.ts';
import { Client } from '../apiserver/client.ts';
import { ClusterRoleAggregationController } from '../apiserver/controllers/clusterrole-aggregation/aggregation-controller.ts';
import { startBuiltinControllers } from '../apiserver/controllers/index.ts';
import { ServiceAccountTokenController } from '../apiserver/controllers/serviceaccount-token/token-controller.ts';
import { DiscoveryHandler } from '../apiserver/discovery/handler.ts';
import { inConnectionOrder, readThroughStream } from '../apiserver/http/connection.ts';
import { type ClusterResolver, RequestPipeline } from '../apiserver/http/pipeline.ts';
import { upgradeResponse } from '../apiserver/http/upgrade.ts';
import { ApiMetrics, issuerHash } from '../apiserver/metrics.ts';
import { withNodeTunnel } from '../apiserver/node-tunnel/node-connect.ts';
import { withPodConnect } from '../apiserver/node-tunnel/pod-connect.ts';
import { NodeTunnels } from '../apiserver/node-tunnel/tunnels.ts';
import { OpenApiHandler } from '../apiserver/openapi/handler.ts';
import { CrdSource } from '../apiserver/registry/crd-source.ts';
import type { ResourceType } from '../apiserver/registry/resource-type.ts';
import { TypeRegistry } from '../apiserver/registry/type-registry.ts';
import { ResourceStorage } from '../apiserver/rest/resource-storage.ts';
import type { UserInfo } from '../apiserver/rest/scope.ts';
import {
  loadOrCreateCA,
  loadOrIssueServing,
  loadOrIssueSharedServing,
  servingHosts,
} from '../apiserver/tls/pki.ts';
import { approvalAdmission } from '../hub/apis/approval-admission.ts';
import { catalogTypes } from '../hub/apis/index.ts';
import type { Logger } from '../logging/logger.ts';
import { EtcdStore, type EtcdStoreOptions } from '../storage/etcd/etcd-store.ts';
import { resourcePrefix } from '../storage/keys.ts';
import { type AutoCompaction, SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/store.ts';
import { tenancyTypes } from '../tenancy/apis/index.ts';
import { Tenancy } from '../tenancy/tenancy.ts';
import { ApiExportVirtualWorkspace } from '../virtual/apiexport/apiexport-virtual-workspace.ts';
import { ADMISSION_ORDER } from './admission-order.ts';
import {
  ControllerLeadership,
  type ControllerSet,
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  type Timing,
} from './controller-leadership.ts';
import { ensureSharedPki, loadOrCreateAdminToken } from './pki-dir.ts';

/** The logical cluster of plain mode, and the root of the workspace tree. */
export const ROOT_CLUSTER = 'root';

/** What /version reports: kubectl's dispatcher picks the client matching `minor`. */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-canopy' };

export interface ApiServerOptions {
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly bind?: string;
  /** Single-cluster Kubernetes server without workspaces. */
  readonly plain: boolean;
  readonly logger: Logger;
  /** More names and addresses the serving certificate covers. */
  readonly hosts?: readonly string[];
  /**
   * Where clients reach the control plane (a load balancer in front of the replicas, as
   * kcp's external URL): Workspace URLs and endpoint slices name it, and the serving
   * certificate covers its host. Default: this server's own URL.
   */
  readonly externalUrl?: string;
  /** Background compaction of the SQLite store: its schedule, or `false` for none (default: on). */
  readonly compaction?: AutoCompaction | false;
  /**
   * Keep objects in etcd instead of `<data-dir>/store.db`, so several replicas serve one
   * control plane (`canopy start --etcd-servers`).
   */
  readonly etcd?: Omit<EtcdStoreOptions, 'logger'>;
  /**
   * The CA, service-account key, admin token and serving certificate the replicas of one
   * control plane share (default: the data directory, for a server on its own).
   */
  readonly pkiDir?: string;
  /** Lease timing of the controllers' leader election (with etcd; kube-controller-manager's defaults). */
  readonly leaderElection?: Timing;
  /** Write <data-dir>/audit.log. */
  readonly audit?: boolean;
  /** A kube-apiserver token file (`token,user,uid,"group1,group2"`). */
  readonly tokenAuthFile?: string;
  /**
   * OpenID Connect issuers whose ID tokens are bearer tokens here (`--oidc-*` or
   * `--authentication-config`).
   */
  readonly jwtAuthentication?: JwtAuthentication;
  /** Requests (watches excluded) served at once before 429. */
  readonly maxInFlight?: number;
}

/**
 * Where what decides requests lives: who may do what (RBAC), who is who (service
 * accounts, whose tokens authenticate), where a request goes and what it finds there
 * (workspaces, logical clusters and their types; namespaces; CRDs; API exports, schemas and
 * bindings). On etcd a write decided on a replica's view commits only if none of these
 * changed since that view (Scope.basis); the pipeline decides it again otherwise.
 */
const DECISION_PREFIXES = [
  '/rbac.authorization.k8s.io/',
  resourcePrefix({ group: '', resource: 'serviceaccounts' }),
  resourcePrefix({ group: '', resource: 'namespaces' }),
  resourcePrefix({ group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' }),
  '/tenancy.kcp.io/',
  '/core.kcp.io/',
  '/apis.kcp.io/',
];

export const ADMIN_USER: UserInfo = { username: 'admin', groups: [MASTERS_GROUP] };

const MAX_HEADER_BYTES = 1024 * 1024;
const DEFAULT_MAX_IN_FLIGHT = 2000;

/** Requests HTTP itself cannot parse still get a Status, then the connection closes. */
function rejectMalformed(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const code = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: tooLarge
      ? 'request headers are too large'
      : `malformed HTTP request: ${err.code ?? err.message}`,
    reason: 'BadRequest',
    code,
  });
  socket.end(
    `HTTP/1.1 ${code} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The OpenID Connect authenticator of `authentication`, its issuers checked (none may be the
 * service-account issuer) and instrumented; throws naming every problem of the configuration.
 */
function oidcAuthenticator(
  authentication: JwtAuthentication,
  serviceAccountIssuer: string,
  metrics: ApiMetrics,
  logger: Logger,
): OidcAuthenticator {
  const specs = compileAuthenticators(authentication, {
    disallowedIssuers: [serviceAccountIssuer],
  });
  return new OidcAuthenticator(specs, {
    logger: logger.child({ component: 'oidc' }),
    onVerify: (issuer, seconds, ok) =>
      metrics.jwtAuthenticatorLatency.observe(
        { jwt_issuer_hash: issuerHash(issuer), result: ok ? 'success' : 'failure' },
        seconds,
      ),
    onKeysFetched: (issuer, error) =>
      metrics.jwtKeyFetches.inc({
        jwt_issuer_hash: issuerHash(issuer),
        result: error ? 'failure' : 'success',
      }),
  });
}

/** Plain mode serves one logical cluster. */
const singleCluster: ClusterResolver = { resolve: (c) => (c === ROOT_CLUSTER ? c : undefined) };

export class ApiServer {
  readonly options: ApiServerOptions;
  readonly logger: Logger;
  readonly store: Store;
  readonly registry: TypeRegistry;
  readonly storage: ResourceStorage;
  readonly admission: AdmissionChain;
  readonly client: Client;
  readonly metrics: ApiMetrics;
  readonly authenticator: UnionAuthenticator;
  readonly tokens = new TokenAuthenticator();
  readonly authorization: Authorization;
  readonly serviceAccountTokens: ServiceAccountTokens;
  /** ID tokens of the configured OpenID Connect issuers, when there are any. */
  readonly oidc: OidcAuthenticator | undefined;
  readonly tenancy: Tenancy | undefined;
  readonly apis: Apis | undefined;
  /** `/services/apiexport/…`: every bound tenant's objects of an export, for its provider. */
  readonly virtualWorkspace: ApiExportVirtualWorkspace | undefined;
  private readonly crds: CrdSource;
  private readonly namespacePhases: NamespacePhases;
  private readonly admissionPolicies: AdmissionPolicies;
  private readonly discovery: DiscoveryHandler;
  private readonly openapi: OpenApiHandler;
  private readonly dataDir: string;
  /** Where the CA, service-account key, admin token and serving certificate live. */
  readonly pkiDir: string;
  private pipeline: RequestPipeline | undefined;
  private audit: AuditLog | undefined;
  private server: Server | undefined;
  private controllers: ControllerSet | undefined;
  private leadership: ControllerLeadership | undefined;
  private stoppables: Array<{ stop(): void }> = [];
  private readonly sockets = new Set<Socket>();
  /** Connections of node agents (the operator), for pods' logs and port-forwards. */
  readonly nodeTunnels: NodeTunnels;
  private ready = false;
  private adminToken = '';
  private caPem = '';
  url = '';

  private constructor(options: ApiServerOptions, store: Store, metrics: ApiMetrics) {
    this.options = options;
    this.logger = options.logger;
    this.dataDir = resolve(options.dataDir);
    this.pkiDir = resolve(options.pkiDir ?? options.dataDir);
    this.store = store;
    this.admission = new AdmissionChain(ADMISSION_ORDER);
    this.storage = new ResourceStorage({
      store: this.store,
      admission: this.admission,
      annotateCluster: !options.plain,
    });
    this.authorization = new Authorization({
      onError: (err) =>
        this.logger.warn({ err: (err as Error).message }, 'RBAC index listing again'),
    });
    const lookup = storageLookup(this.storage);
    this.serviceAccountTokens = ServiceAccountTokens.loadOrCreate(this.pkiDir, { lookup });
    this.oidc = options.jwtAuthentication?.authenticators.length
      ? oidcAuthenticator(
          options.jwtAuthentication,
          this.serviceAccountTokens.issuer,
          metrics,
          this.logger,
        )
      : undefined;
    this.nodeTunnels = new NodeTunnels(this.logger.child({ component: 'node-tunnels' }));
    this.stoppables.push(this.nodeTunnels);
    const composed = (t: ResourceType): ResourceType => {
      if (t === serviceAccounts) {
        return withTokenRequest(t, { tokens: this.serviceAccountTokens, lookup });
      }
      if (t === pods) return withPodConnect(t, this.nodeTunnels);
      if (t === nodes) return withNodeTunnel(t, this.nodeTunnels);
      return t;
    };
    this.registry = new TypeRegistry([
      ...builtinTypesFor(options.plain).map(composed),
      ...authenticationTypes({
        tokens: this.serviceAccountTokens,
        bearerAuthenticators: [this.tokens, ...(this.oidc ? [this.oidc] : [])],
      }),
      ...authorizationTypes(this.authorization),
      ...(options.plain ? [] : [...tenancyTypes, ...apisTypes]),
    ]);
    this.client = new Client(this.storage, this.registry);
    this.crds = new CrdSource(this.store, this.registry, this.logger.child({ component: 'crds' }));
    this.registry.addSource(this.crds);
    if (!options.plain) {
      this.tenancy = new Tenancy({
        store: this.store,
        client: this.client,
        registry: this.registry,
        authorizer: this.authorization,
        logger: this.logger.child({ component: 'tenancy' }),
        baseUrl: () => this.baseUrl,
      });
    }
    const tenancy = this.tenancy;
    this.namespacePhases = new NamespacePhases(this.store, (err) =>
      this.logger.warn({ err: (err as Error).message }, 'namespace phases listing again'),
    );
    this.admission.add(
      namespaceLifecycle(
        this.client,
        (c) => tenancy?.index.info(c)?.phase === 'Terminating',
        this.namespacePhases,
      ),
    );
    this.admission.add(rbacEscalation(this.authorization));
    this.admission.add(
      servedResources({
        types: (c) => this.registry.types(c),
        crdTypes: (c) => this.crds.types(c),
      }),
    );
    // Cluster IPs and node ports of the plain server's Services.
    if (options.plain) this.admission.add(serviceAllocation(this.client));
    this.openapi = new OpenApiHandler(this.registry);
    if (tenancy) {
      for (const plugin of tenancy.admission) this.admission.add(plugin);
      this.apis = new Apis({
        store: this.store,
        client: this.client,
        registry: this.registry,
        crds: this.crds,
        authorizer: this.authorization,
        resolvePath: (p) => tenancy.resolve(p),
        baseUrl: () => this.baseUrl,
        logger: this.logger.child({ component: 'apis' }),
      });
      for (const plugin of this.apis.admission) this.admission.add(plugin);
      // The hub's CatalogEntry, a system API of the control plane like kcp's own types,
      // served and guarded here whether or not a hub runs in this process.
      this.registry.addSource(catalogTypes((p) => tenancy.resolve(p)));
      this.admission.add(approvalAdmission(this.authorization));
      this.virtualWorkspace = new ApiExportVirtualWorkspace({
        index: this.apis.index,
        storage: this.storage,
        openapi: this.openapi,
        version: () => this.version(),
        authorizer: this.authorization,
        resolveCluster: (p) => tenancy.resolve(p),
      });
    }
    // ValidatingAdmissionPolicies, in both modes; in workspace mode (kcp) a policy in an
    // APIExport's workspace also governs the export's resources wherever they are bound,
    // which is how a provider warns its tenants.
    this.admissionPolicies = new AdmissionPolicies(this.store, (err) =>
      this.logger.warn({ err: (err as Error).message }, 'admission policies listing again'),
    );
    const admissionPolicies = this.admissionPolicies;
    const apiIndex = this.apis?.index;
    this.admission.add(
      validatingAdmissionPolicy({
        policies: (cluster) => admissionPolicies.in(cluster),
        ...(apiIndex
          ? {
              otherClusters: ({ scope }) => {
                const from = apiIndex.exportServing(
                  scope.cluster,
                  scope.type.group,
                  scope.type.names.plural,
                );
                return from ? [from] : [];
              },
            }
          : {}),
        namespaceLabels: async (cluster, namespace) =>
          (
            await this.client
              .resource(cluster, { group: '', version: 'v1', resource: 'namespaces' })
              .find(namespace)
          )?.metadata.labels,
      }),
    );
    this.discovery = new DiscoveryHandler(this.registry);
    this.metrics = metrics;
    this.authenticator = new UnionAuthenticator([
      this.tokens,
      this.serviceAccountTokens,
      ...(this.oidc ? [this.oidc] : []),
      new ClientCertificateAuthenticator(),
    ]);
  }

  static async start(options: ApiServerOptions): Promise<ApiServer> {
    const dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (options.pkiDir) await ensureSharedPki(options.pkiDir);
    let etcd: EtcdStore | undefined;
    let store: Store | undefined;
    const metrics = new ApiMetrics(
      () => store?.currentRevision() ?? Promise.resolve(0),
      options.etcd ? () => etcd?.watching === true : undefined,
    );
    if (options.etcd) {
      etcd = await EtcdStore.open({
        ...options.etcd,
        decisionPrefixes: DECISION_PREFIXES,
        logger: options.logger.child({ component: 'etcd' }),
        onRequest: (operation, seconds, failed) => {
          metrics.etcdRequests.observe({ operation }, seconds);
          if (failed) metrics.etcdErrors.inc({ operation });
        },
      });
      store = etcd;
    } else {
      store = SqliteStore.open(
        join(dataDir, 'store.db'),
        options.compaction !== undefined ? { compaction: options.compaction } : {},
      );
    }
    let server: ApiServer;
    try {
      server = new ApiServer(options, store, metrics);
    } catch (err) {
      await store.close();
      throw err;
    }
    try {
      await server.run();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** Adds an authenticator consulted after the built-in ones. */
  addAuthenticator(authenticator: Authenticator): void {
    this.authenticator.add(authenticator);
  }

  private async run(): Promise<void> {
    const bind = this.options.bind ?? '127.0.0.1';
    const ca = await loadOrCreateCA(this.pkiDir);
    this.caPem = ca.cert;
    const external = this.options.externalUrl
      ? [new URL(this.options.externalUrl).hostname.replace(/^\[|\]$/g, '')]
      : [];
    const hosts = servingHosts(bind, [...(this.options.hosts ?? []), ...external]);
    const serving = this.options.pkiDir
      ? await loadOrIssueSharedServing(this.pkiDir, ca, hosts)
      : await loadOrIssueServing(this.dataDir, ca, hosts);
    this.adminToken = loadOrCreateAdminToken(this.pkiDir);
    this.tokens.add(this.adminToken, ADMIN_USER);
    if (this.options.tokenAuthFile) {
      for (const { token, user } of parseTokenFile(
        readFileSync(this.options.tokenAuthFile, 'utf8'),
      )) {
        this.tokens.add(token, user);
      }
    }
    if (this.options.audit) this.audit = new AuditLog(join(this.dataDir, AUDIT_LOG_FILE));
    if (this.oidc) {
      this.logger.info({ issuers: this.oidc.issuers }, 'configured OIDC issuers');
      this.oidc.start();
      this.stoppables.push(this.oidc);
    }

    await this.listen(bind, serving, ca.cert);

    await this.crds.start();
    await this.authorization.start(this.store);
    await this.namespacePhases.start();
    await this.admissionPolicies.start();
    await bootstrapCluster(this.client, ROOT_CLUSTER);
    await writeBootstrapPolicy(this.client, ROOT_CLUSTER);
    if (this.tenancy) {
      await this.tenancy.start();
      this.stoppables.push(this.tenancy);
    }
    if (this.apis) {
      await this.apis.start();
      this.stoppables.push(this.apis);
    }
    const start = () => this.startControllers(ca.cert);
    if (this.options.etcd) {
      // Replicas share the store: the controllers run on the one that holds the Lease.
      this.leadership = new ControllerLeadership({
        client: this.client,
        timing: this.options.leaderElection ?? {
          leaseDurationMs: DEFAULT_LEASE_DURATION_MS,
          renewDeadlineMs: DEFAULT_RENEW_DEADLINE_MS,
          retryPeriodMs: DEFAULT_RETRY_PERIOD_MS,
        },
        logger: this.logger.child({ component: 'leader-election' }),
        start,
        onChange: (leading) => this.metrics.leader.set(leading ? 1 : 0),
      });
      this.leadership.start();
    } else {
      this.controllers = await start();
      this.metrics.leader.set(1);
    }
    this.writeAdminKubeconfig();
    this.ready = true;
  }

  /** Every controller of the control plane, started together and stopped together. */
  private async startControllers(caPem: string): Promise<ControllerSet> {
    const started: Array<{ stop(): void | Promise<void> }> = [];
    const set: ControllerSet = {
      async stop() {
        for (const c of started.reverse()) await c.stop();
      },
    };
    try {
      const aggregation = new ClusterRoleAggregationController(
        this.client,
        this.authorization,
        this.logger.child({ controller: 'clusterrole-aggregation' }),
      );
      started.push(aggregation);
      aggregation.start();
      const saTokens = new ServiceAccountTokenController({
        client: this.client,
        store: this.store,
        tokens: this.serviceAccountTokens,
        caPem,
        logger: this.logger.child({ controller: 'serviceaccount-token' }),
      });
      started.push(saTokens);
      await saTokens.start();
      started.push(
        await startBuiltinControllers({
          plain: this.options.plain,
          client: this.client,
          store: this.store,
          registry: this.registry,
          crds: this.crds,
          logger: this.logger,
          caPem,
        }),
      );
      if (this.tenancy) started.push(this.tenancy.startControllers());
      if (this.apis) started.push(await this.apis.startControllers());
    } catch (err) {
      await set.stop();
      throw err;
    }
    return set;
  }

  private async listen(
    bind: string,
    serving: { cert: string; key: string },
    caPem: string,
  ): Promise<void> {
    this.pipeline = new RequestPipeline({
      plain: this.options.plain,
      defaultCluster: ROOT_CLUSTER,
      clusters: this.tenancy ?? singleCluster,
      authenticator: this.authenticator,
      authorizer: this.authorization,
      registry: this.registry,
      storage: this.storage,
      discovery: this.discovery,
      openapi: this.openapi,
      metrics: this.metrics,
      logger: this.logger,
      audit: this.audit,
      maxInFlight: this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
      health: (check) => this.health(check),
      version: () => this.version(),
      virtual: this.virtualWorkspace,
    });
    const pipeline = this.pipeline;
    this.server = createServer(
      {
        cert: serving.cert,
        key: serving.key,
        ca: caPem,
        requestCert: true,
        rejectUnauthorized: false,
        // Long selectors live in the URL; allow what kube-apiserver allows (1 MiB).
        maxHeaderSize: MAX_HEADER_BYTES,
      },
      inConnectionOrder((req, res) => pipeline.handle(req, res)),
    );
    // Protocol switches (port-forward, node tunnels) go through the same pipeline.
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.pause();
      void pipeline.handle(req, upgradeResponse(req, socket, head));
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
      rejectMalformed(err, socket),
    );
    this.server.on('secureConnection', readThroughStream);
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 70_000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    const port = this.options.port;
    await new Promise<void>((resolveListen, reject) => {
      this.server?.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') {
          reject(
            new Error(
              `cannot listen on ${bind}:${port}: the address is in use; stop the other process or choose another --port`,
            ),
          );
        } else if (err.code === 'EADDRNOTAVAIL') {
          reject(
            new Error(`cannot listen on ${bind}: no such address on this machine; check --bind`),
          );
        } else reject(err);
      });
      this.server?.listen(port, bind, () => resolveListen());
    });
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const publicHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
    this.url = `https://${publicHost}:${address.port}`;
  }

  /**
   * /livez: the process runs. /readyz and /healthz: started, and the store answers (for
   * etcd: its watch is connected and a read comes back in time).
   */
  private async health(check: 'livez' | 'readyz' | 'healthz') {
    if (check === 'livez') return { ok: true, message: 'ok' };
    if (!this.ready) return { ok: false, message: `[-]${check} failed: not ready yet` };
    const problem = await this.store.health();
    return problem
      ? { ok: false, message: `[-]storage failed: ${problem}` }
      : { ok: true, message: 'ok' };
  }

  /** The URL Workspaces and endpoint slices name: --external-url, or this server's own. */
  get baseUrl(): string {
    return this.options.externalUrl?.replace(/\/+$/, '') ?? this.url;
  }

  get caCertificate(): string {
    return this.caPem;
  }

  /** The admin kubeconfig: context `root` on /clusters/root, or `default` in plain mode. */
  adminKubeconfig(): Kubeconfig {
    const name = this.options.plain ? 'default' : ROOT_CLUSTER;
    const server = this.options.plain ? this.url : `${this.url}/clusters/${ROOT_CLUSTER}`;
    return singleContextKubeconfig({
      name,
      server,
      caPem: this.caPem,
      user: { token: this.adminToken },
      userName: 'admin',
    });
  }

  get kubeconfigPath(): string {
    return join(this.dataDir, 'admin.kubeconfig');
  }

  private writeAdminKubeconfig(): void {
    writeFileSync(this.kubeconfigPath, serializeKubeconfig(this.adminKubeconfig()), {
      mode: 0o600,
    });
  }

  private version(): Record<string, string> {
    return {
      ...KUBERNETES_VERSION,
      gitCommit: '',
      gitTreeState: 'clean',
      buildDate: '',
      goVersion: `node${process.versions.node}`,
      compiler: 'canopy',
      platform: `${process.platform}/${process.arch}`,
    };
  }

  async stop(): Promise<void> {
    this.ready = false;
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Watches hold connections open; end them so close() can finish.
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
    await this.leadership?.stop();
    await this.controllers?.stop();
    for (const s of this.stoppables) s.stop();
    this.authorization.stop();
    this.namespacePhases.stop();
    this.admissionPolicies.stop();
    await this.audit?.close();
    this.crds.stop();
    await this.store.close();
  }
}
