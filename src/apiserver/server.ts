/**
 * The Canopy API server: assembles the store, the type registry, the REST machinery,
 * authentication, discovery, OpenAPI and the built-in controllers, and serves them over
 * HTTPS. `start()` resolves once requests are served; `stop()` shuts down cleanly.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import {
  type Kubeconfig,
  serializeKubeconfig,
  singleContextKubeconfig,
} from '../apimachinery/kubeconfig.ts';
import { methodNotAllowed, notFoundPath, unauthorized } from '../apimachinery/status.ts';
import type { Logger } from '../cli/log.ts';
import { Client } from '../controller/client.ts';
import { SqliteStore } from '../storage/sqlite/sqlite-store.ts';
import { AdmissionChain } from './admission/admission.ts';
import { namespaceLifecycle } from './admission/namespace-lifecycle.ts';
import { type Authenticator, MASTERS_GROUP, UnionAuthenticator } from './authn/authenticator.ts';
import { TokenAuthenticator } from './authn/token-file.ts';
import { bootstrapCluster } from './bootstrap.ts';
import { builtinTypes } from './builtin/index.ts';
import { type Controllers, startBuiltinControllers } from './controllers/index.ts';
import { DiscoveryHandler } from './discovery/handler.ts';
import { requestInfo } from './http/request-info.ts';
import { handleResource } from './http/resource-handler.ts';
import { writeError, writeJson } from './http/respond.ts';
import { route } from './http/router.ts';
import { ApiMetrics } from './metrics.ts';
import { OpenApiHandler } from './openapi/handler.ts';
import { CrdSource } from './registry/crd-source.ts';
import { TypeRegistry } from './registry/type-registry.ts';
import { ResourceStorage } from './rest/resource-storage.ts';
import type { UserInfo } from './rest/scope.ts';
import { loadOrCreateCA, loadOrIssueServing } from './tls/pki.ts';

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
  /** Background compaction of the store (on by default). */
  readonly compaction?: boolean;
}

const MAX_HEADER_BYTES = 1024 * 1024;

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

export const ADMIN_USER: UserInfo = { username: 'admin', groups: [MASTERS_GROUP] };

export class ApiServer {
  readonly options: ApiServerOptions;
  readonly logger: Logger;
  readonly store: SqliteStore;
  readonly registry: TypeRegistry;
  readonly storage: ResourceStorage;
  readonly admission: AdmissionChain;
  readonly client: Client;
  readonly metrics: ApiMetrics;
  readonly authenticator: UnionAuthenticator;
  readonly tokens = new TokenAuthenticator();
  private readonly discovery: DiscoveryHandler;
  private readonly openapi: OpenApiHandler;
  private readonly crds: CrdSource;
  private readonly dataDir: string;
  private server: Server | undefined;
  private controllers: Controllers | undefined;
  private readonly sockets = new Set<Socket>();
  private ready = false;
  private adminToken = '';
  private caPem = '';
  url = '';

  private constructor(options: ApiServerOptions) {
    this.options = options;
    this.logger = options.logger;
    this.dataDir = resolve(options.dataDir);
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    this.store = SqliteStore.open(
      join(this.dataDir, 'store.db'),
      options.compaction === false ? { compaction: false } : {},
    );
    this.registry = new TypeRegistry(builtinTypes);
    this.admission = new AdmissionChain();
    this.storage = new ResourceStorage({
      store: this.store,
      admission: this.admission,
      annotateCluster: !options.plain,
    });
    this.client = new Client(this.storage, this.registry);
    this.crds = new CrdSource(this.store, this.registry, this.logger.child({ component: 'crds' }));
    this.registry.addSource(this.crds);
    this.admission.add(namespaceLifecycle(this.client));
    this.discovery = new DiscoveryHandler(this.registry);
    this.openapi = new OpenApiHandler(this.registry);
    this.metrics = new ApiMetrics(() => this.store.currentRevision());
    this.authenticator = new UnionAuthenticator([this.tokens]);
  }

  static async start(options: ApiServerOptions): Promise<ApiServer> {
    const server = new ApiServer(options);
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
    const ca = await loadOrCreateCA(this.dataDir);
    this.caPem = ca.cert;
    const hosts = [
      ...new Set([bind, '127.0.0.1', 'localhost', '::1', ...(this.options.hosts ?? [])]),
    ].filter((h) => h !== '0.0.0.0' && h !== '::');
    const serving = await loadOrIssueServing(this.dataDir, ca, hosts);
    this.adminToken = this.loadOrCreateAdminToken();
    this.tokens.add(this.adminToken, ADMIN_USER);

    await this.crds.start();
    await bootstrapCluster(this.client, ROOT_CLUSTER);
    this.controllers = await startBuiltinControllers({
      client: this.client,
      store: this.store,
      registry: this.registry,
      crds: this.crds,
      logger: this.logger,
    });

    this.server = createServer(
      {
        cert: serving.cert,
        key: serving.key,
        ca: ca.cert,
        requestCert: true,
        rejectUnauthorized: false,
        // Long selectors live in the URL; allow what kube-apiserver allows (1 MiB).
        maxHeaderSize: MAX_HEADER_BYTES,
      },
      (req, res) => {
        void this.handle(req, res);
      },
    );
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
      rejectMalformed(err, socket),
    );
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 70_000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolveListen, reject) => {
      this.server?.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') {
          reject(
            new Error(
              `cannot listen on ${bind}:${this.options.port}: the address is in use; stop the other process or choose another --port`,
            ),
          );
        } else if (err.code === 'EADDRNOTAVAIL') {
          reject(
            new Error(`cannot listen on ${bind}: no such address on this machine; check --bind`),
          );
        } else reject(err);
      });
      this.server?.listen(this.options.port, bind, () => resolveListen());
    });
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const publicHost = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
    this.url = `https://${publicHost}:${address.port}`;
    this.writeAdminKubeconfig();
    this.ready = true;
  }

  private loadOrCreateAdminToken(): string {
    const path = join(this.dataDir, 'admin.token');
    if (existsSync(path)) return readFileSync(path, 'utf8').trim();
    const token = randomBytes(32).toString('base64url');
    writeFileSync(path, `${token}\n`, { mode: 0o600 });
    return token;
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

  // ---- requests ----------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let labels = { verb: (req.method ?? '').toLowerCase(), group: '', resource: '' };
    let watching = false;
    try {
      const url = new URL(req.url ?? '/', 'https://canopy');
      const r = route(url.pathname, {
        defaultCluster: ROOT_CLUSTER,
        workspaces: !this.options.plain,
      });
      if (r.kind === 'health') return this.health(res, r.check);
      if (r.kind === 'version') return writeJson(res, 200, this.version());
      const user = await this.authenticator.authenticate(req);
      if (!user) throw unauthorized();
      if (r.kind === 'metrics') {
        const text = await this.metrics.registry.metrics();
        res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType });
        res.end(text);
        return;
      }
      if (r.kind !== 'cluster') throw notFoundPath();
      const cluster = r.cluster;
      const info = requestInfo(req.method ?? 'GET', r.path, url.searchParams);
      labels = { verb: info.verb, group: info.apiGroup, resource: info.resource };
      if (!info.isResourceRequest) {
        if (this.openapi.handle(req, res, cluster, r.path, url.searchParams)) return;
        if (this.discovery.handle(req, res, cluster, r.path)) return;
        if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed();
        throw notFoundPath();
      }
      if (info.verb === 'watch') {
        watching = true;
        this.metrics.watchers.inc();
      }
      await handleResource(
        { req, res, info, query: url.searchParams, cluster, user },
        {
          storage: this.storage,
          registry: this.registry,
          onWatchEvent: () => this.metrics.watchEvents.inc(),
        },
      );
    } catch (err) {
      const status = writeError(res, err);
      if (status.code >= 500)
        this.logger.error(
          { err: (err as Error).message, stack: (err as Error).stack, path: req.url },
          'request failed',
        );
    } finally {
      if (watching) this.metrics.watchers.dec();
      const code = String(res.statusCode);
      this.metrics.requests.inc({ ...labels, code });
      if (!watching) this.metrics.latency.observe(labels, (performance.now() - started) / 1000);
    }
  }

  private health(res: ServerResponse, check: string): void {
    const ok = check === 'livez' || this.ready;
    res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(ok ? 'ok' : `[-]${check} failed: not ready yet`);
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

  // ---- lifecycle ---------------------------------------------------------------------

  async stop(): Promise<void> {
    this.ready = false;
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Watches hold connections open; end them so close() can finish.
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
    await this.controllers?.stop();
    this.crds.stop();
    await this.store.close();
  }
}
