/**
 * Node tunnels: how the API server reaches whatever runs a node's pods (the PostgreSQL
 * operator, which runs its instances as processes) for their logs and port-forwards,
 * as kube-apiserver reaches kubelets.
 *
 * The direction is reversed on purpose: the node agent dials the API server
 * (`POST /api/v1/nodes/<node>/tunnel` with `Upgrade: canopy-node-tunnel/1`, authenticated and
 * authorized like any request: `create` on `nodes/tunnel` for that node), and the server
 * then speaks HTTP/2 to the agent over that connection. So the server never dials an
 * address taken from an object a client wrote (a Node's status, a pod's IP): no client can
 * make it connect elsewhere. HTTP/2 multiplexes every log stream and forwarded connection
 * over the one connection, each with its own flow control (back-pressure per stream).
 *
 * What the agent serves (kubelet's paths): `GET /containerLogs/<ns>/<pod>/<container>?…`
 * and `POST /portForward/<ns>/<pod>?port=<n>` (the request and response bodies are the two
 * directions of the forwarded connection). Both carry the pod's UID; the agent answers
 * only for pods it runs, and only on the ports it declares.
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { Duplex } from 'node:stream';
import { serviceUnavailable } from '../../apimachinery/status.ts';
import type { Logger } from '../../logging/logger.ts';

export const TUNNEL_PROTOCOL = 'canopy-node-tunnel/1';

/** How often an idle tunnel is pinged; a tunnel that misses a ping is dropped. */
const PING_INTERVAL_MS = 15_000;

interface Tunnel {
  readonly session: ClientHttp2Session;
  readonly user: string;
  readonly timer: NodeJS.Timeout;
}

export class NodeTunnels {
  private readonly tunnels = new Map<string, Tunnel>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /**
   * Takes an upgraded connection from the agent of `node` (after authorization) and speaks
   * HTTP/2 over it. A newer tunnel for the same node replaces the older one (an agent that
   * restarted before the old connection was seen to die).
   */
  register(node: string, connection: Duplex, user: string): void {
    // HTTP/2 over a JavaScript stream, not the TLS socket's native handle, which Node's
    // HTTP server has already read from.
    const transport = Duplex.from({ readable: connection, writable: connection });
    const session = http2.connect('http://node-agent', { createConnection: () => transport });
    const timer = setInterval(() => {
      session.ping((err) => {
        if (err) session.destroy();
      });
    }, PING_INTERVAL_MS);
    timer.unref();
    const tunnel: Tunnel = { session, user, timer };
    const previous = this.tunnels.get(node);
    this.tunnels.set(node, tunnel);
    if (previous) this.drop(previous);
    this.logger.info({ node, user }, 'node agent connected');
    const gone = () => {
      clearInterval(timer);
      if (this.tunnels.get(node) === tunnel) {
        this.tunnels.delete(node);
        this.logger.info({ node }, 'node agent disconnected');
      }
    };
    session.on('close', gone);
    session.on('error', (err) => {
      this.logger.warn({ node, err: err.message }, 'node tunnel failed');
      gone();
    });
    connection.on('close', () => session.destroy());
  }

  /** Whether an agent is connected for the node. */
  connected(node: string): boolean {
    return this.tunnels.has(node);
  }

  /** The node's tunnel; a 503 Status when no agent is connected. */
  require(node: string): ClientHttp2Session {
    const tunnel = this.tunnels.get(node);
    if (!tunnel || tunnel.session.closed || tunnel.session.destroyed) {
      throw serviceUnavailable(
        `no agent is connected to this API server for node "${node}": the component that runs this pod (the PostgreSQL operator for its instances) is not running, cannot reach the API server, or is connected to another replica of it`,
      );
    }
    return tunnel.session;
  }

  /** Opens a request to the node's agent; a 503 Status when none is connected. */
  request(node: string, method: 'GET' | 'POST', path: string): ClientHttp2Stream {
    return this.require(node).request(
      { ':method': method, ':path': path },
      { endStream: method === 'GET' },
    );
  }

  private drop(tunnel: Tunnel): void {
    clearInterval(tunnel.timer);
    tunnel.session.destroy();
  }

  stop(): void {
    for (const tunnel of this.tunnels.values()) this.drop(tunnel);
    this.tunnels.clear();
  }
}
