/**
 * The operator as a node agent, the part of a kubelet it needs: it registers the machine it
 * runs instances on as a Node, and keeps a tunnel open to the API server
 * (`POST /api/v1/nodes/<node>/tunnel`, upgraded; see apiserver/node-tunnel/) over which the
 * server asks, in HTTP/2, for a pod's log (`GET /containerLogs/<ns>/<pod>/<container>`) and
 * for forwarded connections (`POST /portForward/<ns>/<pod>?port=<n>`, the two bodies being
 * the two directions). It answers only for pods it runs, matched by UID, and forwards only to
 * the ports those pods declare: the instance itself on 5432, the Cluster's stable endpoints
 * on theirs. Nothing else of the machine is reachable through it.
 */
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { connect } from 'node:net';
import os from 'node:os';
import { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Node } from '../../api/core/types.ts';
import type { KubeClient, ResourceRef } from '../../controller/kube/client.ts';
import { isAlreadyExists } from '../../controller/kube/client.ts';
import type { Logger } from '../../logging/logger.ts';
import { parseLogOptions, streamLog } from './logs.ts';

export const NODES: ResourceRef = { group: '', version: 'v1', plural: 'nodes', namespaced: false };
const TUNNEL_PROTOCOL = 'canopy-node-tunnel/1';
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

/** A pod the agent runs, as the tunnel's requests need it. */
export interface AgentPod {
  readonly uid: string;
  /** The container whose log is `logFile`. */
  readonly container: string;
  readonly logFile: string;
  /** Pod port → where on this machine it is served. */
  readonly ports: ReadonlyMap<number, { host: string; port: number }>;
}

export interface NodeAgentOptions {
  readonly client: KubeClient;
  readonly nodeName: string;
  /** The address pods of this node are reached at (the operator's bind address). */
  readonly address: string;
  readonly version: string;
  readonly log: Logger;
  readonly lookup: (namespace: string, pod: string) => AgentPod | undefined;
}

/** The default node name: this machine's host name, as a Node name must be spelled. */
export function defaultNodeName(): string {
  const name = os
    .hostname()
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return name || 'localhost';
}

export class NodeAgent {
  readonly #o: NodeAgentOptions;
  #stopped = false;
  #connection: Duplex | undefined;
  #loop: Promise<void> | undefined;
  /** Resolves the wait for a tunnel to end. */
  #connected = false;

  constructor(options: NodeAgentOptions) {
    this.#o = options;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Registers the Node and keeps the tunnel up (reconnecting) until stopped. */
  async start(): Promise<void> {
    await this.#register();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#connection?.destroy();
    await this.#loop;
  }

  #node(): Node {
    const o = this.#o;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: o.nodeName,
        labels: {
          'kubernetes.io/hostname': o.nodeName,
          'kubernetes.io/os': process.platform === 'win32' ? 'windows' : 'linux',
          'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
          'node-role.kubernetes.io/postgres': '',
        },
      },
    };
  }

  #status(): Node['status'] {
    const o = this.#o;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
      addresses: [
        { type: 'InternalIP', address: o.address },
        { type: 'Hostname', address: o.nodeName },
      ],
      capacity: {
        cpu: String(os.cpus().length),
        memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
        pods: '110',
      },
      allocatable: {
        cpu: String(os.cpus().length),
        memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
        pods: '110',
      },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
          reason: 'AgentReady',
          message:
            'canopy postgres-operator runs the PostgreSQL instances of this node as processes',
        } as never,
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        kubeletVersion: o.version,
        osImage: `${os.type()} ${os.release()}`,
        kernelVersion: os.release(),
        containerRuntimeVersion: 'process://postgres',
        operatingSystem: process.platform,
        architecture: process.arch,
      },
    };
  }

  async #register(): Promise<void> {
    const { client, nodeName } = this.#o;
    try {
      await client.create(NODES, undefined, this.#node());
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    await client.patch(
      NODES,
      undefined,
      nodeName,
      { status: this.#status() },
      { subresource: 'status' },
    );
  }

  async #run(): Promise<void> {
    const { client, nodeName, log } = this.#o;
    let delay = RETRY_MIN_MS;
    while (!this.#stopped) {
      try {
        const connection = await client.upgrade(
          'POST',
          `/api/v1/nodes/${encodeURIComponent(nodeName)}/tunnel`,
          TUNNEL_PROTOCOL,
        );
        this.#connection = connection;
        this.#connected = true;
        delay = RETRY_MIN_MS;
        log.info({ node: nodeName }, 'node tunnel connected');
        await this.#serve(connection);
        this.#connected = false;
        if (!this.#stopped) log.warn({ node: nodeName }, 'node tunnel closed; reconnecting');
      } catch (err) {
        this.#connected = false;
        if (this.#stopped) break;
        log.warn({ node: nodeName, err: (err as Error).message }, 'node tunnel failed; retrying');
        // The Node may have been deleted: register it again before the next try.
        await this.#register().catch(() => undefined);
      }
      if (!this.#stopped) await sleep(delay);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  /** Serves HTTP/2 over the tunnel until it closes. */
  #serve(connection: Duplex): Promise<void> {
    const server = http2.createServer((req, res) => {
      this.#handle(req, res).catch((err: Error) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(err.message);
        } else res.stream.close();
      });
    });
    // HTTP/2 over a JavaScript stream rather than the TLS socket's native handle, which
    // Node's HTTP client has already read from.
    server.emit('connection', Duplex.from({ readable: connection, writable: connection }));
    return new Promise((resolve) => {
      connection.on('close', () => {
        server.close();
        resolve();
      });
      connection.on('error', () => connection.destroy());
    });
  }

  async #handle(req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
    const url = new URL(req.url, 'http://agent');
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const refuse = (code: number, message: string) => {
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end(message);
    };
    const [kind, namespace, name, container] = parts;
    const pod = namespace && name ? this.#o.lookup(namespace, name) : undefined;
    const uid = url.searchParams.get('podUID');
    if (!pod || (uid && uid !== pod.uid)) {
      return refuse(404, `pod ${namespace}/${name} is not running on node ${this.#o.nodeName}`);
    }
    if (kind === 'containerLogs' && req.method === 'GET') {
      if (container !== pod.container)
        return refuse(400, `container ${container} is not valid for pod ${name}`);
      if (url.searchParams.get('previous') === 'true') {
        return refuse(
          400,
          `previous terminated container "${container}" in pod "${name}" not found`,
        );
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      await streamLog(pod.logFile, parseLogOptions(url.searchParams), res.stream);
      return;
    }
    if (kind === 'portForward' && req.method === 'POST') {
      const port = Number(url.searchParams.get('port'));
      const target = pod.ports.get(port);
      if (!target) {
        const declared = [...pod.ports.keys()].join(', ');
        return refuse(
          400,
          `port ${port} is not a port of pod ${namespace}/${name} (it serves ${declared})`,
        );
      }
      const socket = connect(target.port, target.host);
      socket.setNoDelay(true);
      socket.once('error', (err) => {
        if (!res.headersSent)
          refuse(502, `failed to connect to port ${port} of pod ${name}: ${err.message}`);
        else res.stream.close();
      });
      socket.once('connect', () => {
        res.writeHead(200);
        res.stream.pipe(socket);
        socket.pipe(res.stream);
        res.stream.on('close', () => socket.destroy());
        socket.on('close', () => {
          if (!res.stream.closed) res.stream.end();
        });
      });
      return;
    }
    refuse(404, `no such agent endpoint: ${req.method} ${url.pathname}`);
  }
}
