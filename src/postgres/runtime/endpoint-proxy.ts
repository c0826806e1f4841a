/**
 * The stable endpoints of every Cluster: for each, a read-write (`rw`, the primary),
 * read-only (`ro`, the replicas) and any-instance (`r`) address whose port never changes,
 * in front of the instances whose own ports do. What kube-proxy does for CloudNativePG's
 * `<cluster>-rw/-ro/-r` Services, as a TCP proxy:
 *
 * - Routes come from the operator (`apply`): per endpoint, the instance ports to use. A
 *   connection goes to one of them (round robin) and stays there.
 * - A route change fences: open connections to an instance that left the endpoint are
 *   closed at once (a demoted primary's clients reconnect and land on the new primary,
 *   instead of staying connected to a read-only server).
 * - While an endpoint that waits (`rw`, `r`) has no instance (a failover is under way), new
 *   connections are accepted and held, and go through as soon as a route appears; `ro`
 *   without replicas refuses, as a Service without endpoints does.
 * - Bytes are moved as they arrive, with back-pressure both ways (a reader that falls behind
 *   pauses the other side), and without copies: the instance → client direction reads into
 *   one buffer per connection that is reused once the write of the previous read is done.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type EndpointRole = 'rw' | 'ro' | 'r';
export const ENDPOINT_ROLES: readonly EndpointRole[] = ['rw', 'ro', 'r'];

export interface EndpointRoute {
  /** The stable port. */
  readonly port: number;
  /** Ports of the instances behind it, on `backendHost`. */
  readonly backends: readonly number[];
}

export interface ClusterRoutes {
  readonly rw: EndpointRoute;
  readonly ro: EndpointRoute;
  readonly r: EndpointRoute;
}

export interface ProxyRoutes {
  /** Where the stable ports listen. */
  readonly host: string;
  /** Where the instances listen. */
  readonly backendHost: string;
  /** By cluster key (`namespace/name`). */
  readonly clusters: Readonly<Record<string, ClusterRoutes>>;
}

export interface EndpointProxyOptions {
  /** How long a connection waits for a route before it is closed (default 30 s). */
  readonly holdMs?: number;
  /** Read buffer per connection for the instance → client direction (default 64 KiB). */
  readonly bufferBytes?: number;
  readonly onError?: (message: string, details: Record<string, unknown>) => void;
}

interface Link {
  readonly client: Socket;
  backend: Socket | undefined;
  backendPort: number;
}

/** One listening stable port and its connections. */
class Endpoint {
  readonly key: string;
  readonly role: EndpointRole;
  readonly port: number;
  readonly server: Server;
  backends: readonly number[] = [];
  readonly links = new Set<Link>();
  readonly waiting = new Set<Link>();
  next = 0;
  listening = false;
  closed = false;

  constructor(key: string, role: EndpointRole, port: number, server: Server) {
    this.key = key;
    this.role = role;
    this.port = port;
    this.server = server;
  }
}

export class EndpointProxy {
  readonly #holdMs: number;
  readonly #bufferBytes: number;
  readonly #onError: EndpointProxyOptions['onError'];
  readonly #endpoints = new Map<string, Endpoint>();
  #host = '127.0.0.1';
  #backendHost = '127.0.0.1';

  constructor(options: EndpointProxyOptions = {}) {
    this.#holdMs = options.holdMs ?? 30_000;
    this.#bufferBytes = options.bufferBytes ?? 64 * 1024;
    this.#onError = options.onError;
  }

  /** Open connections by endpoint (`namespace/name/rw`), for metrics and tests. */
  connections(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, e] of this.#endpoints) out.set(id, e.links.size);
    return out;
  }

  /**
   * Makes the proxy serve exactly `routes`: new endpoints start listening, gone ones close
   * (with their connections), and connections to instances no longer behind their endpoint
   * are closed. Resolves once every endpoint listens (or failed to: see `onError`).
   */
  async apply(routes: ProxyRoutes): Promise<void> {
    this.#host = routes.host;
    this.#backendHost = routes.backendHost;
    const wanted = new Set<string>();
    const starting: Promise<void>[] = [];
    for (const [key, cluster] of Object.entries(routes.clusters)) {
      for (const role of ENDPOINT_ROLES) {
        const route = cluster[role];
        const id = `${key}/${role}`;
        wanted.add(id);
        let endpoint = this.#endpoints.get(id);
        if (endpoint && endpoint.port !== route.port) {
          this.#close(endpoint);
          endpoint = undefined;
        }
        if (!endpoint) {
          endpoint = this.#open(key, role, route.port);
          this.#endpoints.set(id, endpoint);
          starting.push(this.#listen(endpoint));
        }
        this.#route(endpoint, route.backends);
      }
    }
    for (const [id, endpoint] of this.#endpoints) {
      if (!wanted.has(id)) {
        this.#close(endpoint);
        this.#endpoints.delete(id);
      }
    }
    await Promise.all(starting);
  }

  /** Stops listening and closes every connection. */
  close(): void {
    for (const endpoint of this.#endpoints.values()) this.#close(endpoint);
    this.#endpoints.clear();
  }

  /** Which endpoints listen (`namespace/name/rw`). */
  listening(): string[] {
    return [...this.#endpoints].filter(([, e]) => e.listening).map(([id]) => id);
  }

  #open(key: string, role: EndpointRole, port: number): Endpoint {
    const server = createServer({ noDelay: true, pauseOnConnect: true });
    const endpoint = new Endpoint(key, role, port, server);
    server.on('connection', (client) => this.#accept(endpoint, client));
    server.on('error', (err: NodeJS.ErrnoException) => {
      endpoint.listening = false;
      this.#onError?.('endpoint cannot listen', {
        endpoint: `${key}/${role}`,
        port,
        err: err.message,
      });
      // Taken by someone else (after a restart, say): try again until it is free.
      if (!endpoint.closed) setTimeout(() => void this.#listen(endpoint), 1000).unref();
    });
    return endpoint;
  }

  #listen(endpoint: Endpoint): Promise<void> {
    if (endpoint.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        endpoint.server.off('listening', ok);
        resolve();
      };
      const ok = () => {
        endpoint.listening = true;
        done();
      };
      endpoint.server.once('listening', ok);
      endpoint.server.once('error', done);
      endpoint.server.listen({ port: endpoint.port, host: this.#host, exclusive: true });
    });
  }

  #close(endpoint: Endpoint): void {
    endpoint.closed = true;
    endpoint.server.close();
    for (const link of endpoint.links) this.#drop(endpoint, link);
  }

  #route(endpoint: Endpoint, backends: readonly number[]): void {
    endpoint.backends = [...backends];
    const keep = new Set(backends);
    // Fencing: whoever talks to an instance that left this endpoint is cut off.
    for (const link of endpoint.links) {
      if (link.backend && !keep.has(link.backendPort)) this.#drop(endpoint, link);
    }
    if (backends.length > 0) {
      for (const link of endpoint.waiting) this.#dial(endpoint, link);
      endpoint.waiting.clear();
    } else if (endpoint.role === 'ro') {
      for (const link of endpoint.waiting) this.#drop(endpoint, link);
    }
  }

  #accept(endpoint: Endpoint, client: Socket): void {
    const link: Link = { client, backend: undefined, backendPort: 0 };
    endpoint.links.add(link);
    client.setNoDelay(true);
    client.on('error', () => this.#drop(endpoint, link));
    client.on('close', () => this.#drop(endpoint, link));
    if (endpoint.backends.length > 0) {
      this.#dial(endpoint, link);
      return;
    }
    if (endpoint.role === 'ro') {
      this.#drop(endpoint, link);
      return;
    }
    endpoint.waiting.add(link);
    const timer = setTimeout(() => {
      if (endpoint.waiting.delete(link)) this.#drop(endpoint, link);
    }, this.#holdMs);
    timer.unref();
    client.once('close', () => clearTimeout(timer));
  }

  #dial(endpoint: Endpoint, link: Link, attempt = 0): void {
    const backends = endpoint.backends;
    if (backends.length === 0) {
      endpoint.waiting.add(link);
      return;
    }
    const port = backends[endpoint.next++ % backends.length] as number;
    const buffer = Buffer.allocUnsafe(this.#bufferBytes);
    const { client } = link;
    const backend = connect({
      port,
      host: this.#backendHost,
      noDelay: true,
      onread: {
        buffer,
        // Instance → client: what was read goes out as a view of the buffer; the buffer is
        // read into again only once the client has taken all of it.
        callback: (n, buf) => {
          client.write(buf.subarray(0, n), resumeWhenFlushed);
          return client.writableLength === 0;
        },
      },
    });
    // Reading stopped when a write could not finish at once (the callback said false);
    // once the client took everything, the buffer is free again.
    const resumeWhenFlushed = () => {
      if (client.writableLength === 0 && !backend.destroyed) backend.resume();
    };
    link.backend = backend;
    link.backendPort = port;
    backend.once('connect', () => {
      // Client → instance, with stream back-pressure.
      client.pipe(backend);
      client.resume();
    });
    backend.on('error', (err: NodeJS.ErrnoException) => {
      if (backend.connecting && attempt < backends.length) {
        // A route gone stale between updates: try the next instance.
        link.backend = undefined;
        this.#dial(endpoint, link, attempt + 1);
        return;
      }
      this.#onError?.('instance connection failed', {
        endpoint: `${endpoint.key}/${endpoint.role}`,
        port,
        err: err.message,
      });
      this.#drop(endpoint, link);
    });
    backend.on('end', () => client.end());
    backend.on('close', () => {
      if (link.backend === backend) this.#drop(endpoint, link);
    });
  }

  #drop(endpoint: Endpoint, link: Link): void {
    if (!endpoint.links.delete(link)) return;
    endpoint.waiting.delete(link);
    link.client.destroy();
    link.backend?.destroy();
  }
}
