/**
 * kubectl port-forward, server side. The client upgrades to SPDY/3.1
 * (`X-Stream-Protocol-Version: portforward.k8s.io`), or, from kubectl 1.31, to a WebSocket
 * whose binary messages carry the same SPDY bytes (subprotocol
 * `SPDY/3.1+portforward.k8s.io`). Each local connection kubectl accepts becomes a pair of
 * SPDY streams with one `requestid`: an error stream (the server writes a message there
 * when forwarding fails) and a data stream, which is carried to the pod's agent as one
 * tunnel stream. Either side ending ends the other; the error stream is closed once the
 * pair is done, which is what tells kubectl the connection is over.
 */
import type { ClientHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { badRequest } from '../../apimachinery/status.ts';
import { SpdyConnection, type SpdyStream } from '../http/spdy/connection.ts';
import { switchProtocols } from '../http/upgrade.ts';
import type { ConnectContext } from '../registry/resource-type.ts';
import { agentResponse } from './pod-connect.ts';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** kubectl ≥ 1.31 tunnels SPDY in WebSocket messages under this subprotocol. */
export const TUNNELED_PORT_FORWARD_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
/** How long the second stream of a pair may take to arrive (kubelet's default). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

const webSockets = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (offered) =>
    offered.has(TUNNELED_PORT_FORWARD_PROTOCOL) ? TUNNELED_PORT_FORWARD_PROTOCOL : false,
});

function headerList(value: string | string[] | undefined): string[] {
  const values = Array.isArray(value) ? value : value ? [value] : [];
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Switches to SPDY, directly or inside a WebSocket; the connection then carries SPDY. */
async function negotiate(ctx: ConnectContext): Promise<Duplex> {
  const upgrade = ctx.upgrade;
  if (!upgrade) throw badRequest('Upgrade request required');
  const kind = String(ctx.req.headers.upgrade ?? '').toLowerCase();
  if (kind === 'websocket') {
    const offered = headerList(ctx.req.headers['sec-websocket-protocol']);
    if (!offered.includes(TUNNELED_PORT_FORWARD_PROTOCOL)) {
      throw badRequest(
        `unable to upgrade: none of the requested subprotocols ${JSON.stringify(offered)} is supported; supported: ["${TUNNELED_PORT_FORWARD_PROTOCOL}"]`,
      );
    }
    ctx.res.detachSocket(upgrade.socket as never);
    ctx.res.removeAllListeners('finish');
    return new Promise((resolve) => {
      webSockets.handleUpgrade(ctx.req, upgrade.socket, upgrade.head, (ws) => {
        ws.binaryType = 'nodebuffer';
        resolve(createWebSocketStream(ws));
      });
    });
  }
  if (
    !kind
      .split(',')
      .map((s) => s.trim())
      .includes('spdy/3.1')
  ) {
    throw badRequest(`unable to upgrade: unsupported protocol "${ctx.req.headers.upgrade ?? ''}"`);
  }
  const versions = headerList(ctx.req.headers['x-stream-protocol-version']);
  if (versions.length > 0 && !versions.includes(PORT_FORWARD_PROTOCOL)) {
    throw badRequest(
      `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(versions)}, server supports ["${PORT_FORWARD_PROTOCOL}"]`,
    );
  }
  const socket = await switchProtocols(ctx.res, upgrade, {
    Upgrade: 'SPDY/3.1',
    'X-Stream-Protocol-Version': PORT_FORWARD_PROTOCOL,
  });
  return socket;
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

function checkStreamHeaders(headers: ReadonlyMap<string, string>): void {
  const port = headers.get('port') ?? '';
  if (!/^[0-9]+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new Error(`invalid port ${JSON.stringify(port)}`);
  }
  const type = headers.get('streamtype');
  if (type !== 'error' && type !== 'data')
    throw new Error(`invalid stream type ${JSON.stringify(type)}`);
}

/** Forwards one connection: the data stream to a tunnel stream, failures to the error stream. */
function forward(pair: Required<Omit<Pair, 'timer'>>, open: (port: number) => ClientHttp2Stream) {
  const { data, error } = pair;
  const port = Number(data.headers.get('port'));
  const fail = (message: string) => {
    if (!error.destroyed) error.end(message);
    data.destroy();
  };
  let tunnel: ClientHttp2Stream;
  try {
    tunnel = open(port);
  } catch (err) {
    fail((err as Error).message);
    return;
  }
  data.on('close', () => {
    tunnel.close();
    if (!error.destroyed) error.end();
  });
  agentResponse(tunnel).then(
    () => {
      data.pipe(tunnel);
      tunnel.pipe(data);
      tunnel.on('error', () => data.destroy());
    },
    (err: Error) => fail(`error forwarding port ${port}: ${err.message}`),
  );
}

/**
 * Takes the connection over for a port-forward session, which then runs until the client
 * goes away; resolves once the protocol is switched.
 */
export async function servePortForward(
  ctx: ConnectContext,
  open: (port: number) => ClientHttp2Stream,
): Promise<void> {
  const transport = await negotiate(ctx);
  const pairs = new Map<string, Pair>();
  new SpdyConnection(transport, {
    accept: checkStreamHeaders,
    onStream: (stream) => {
      const id = stream.headers.get('requestid') ?? String(stream.id);
      let pair = pairs.get(id);
      if (!pair) {
        const timer = setTimeout(() => {
          pairs.delete(id);
          pair?.error?.end('timed out waiting for the data stream');
          pair?.data?.destroy();
        }, STREAM_CREATION_TIMEOUT_MS);
        timer.unref();
        pair = { timer };
        pairs.set(id, pair);
      }
      const type = stream.headers.get('streamtype') as 'error' | 'data';
      if (pair[type]) {
        stream.destroy();
        return;
      }
      pair[type] = stream;
      // The client only reads the error stream; what it sends there is nothing.
      if (type === 'error') stream.resume();
      if (pair.error && pair.data) {
        clearTimeout(pair.timer);
        pairs.delete(id);
        forward({ error: pair.error, data: pair.data }, open);
      }
    },
    onClose: () => {
      for (const p of pairs.values()) clearTimeout(p.timer);
      pairs.clear();
    },
  });
  transport.resume();
}
