/**
 * Requests that ask to switch protocols (`Connection: Upgrade`: SPDY for kubectl
 * port-forward and exec, WebSocket for newer kubectl, the node tunnel) arrive on the HTTP
 * server's `upgrade` event with the raw connection instead of a response. They go through
 * the same pipeline as every request (authentication, authorization, audit): the pipeline
 * gets a ServerResponse on that connection, so errors are written as Status like any other,
 * and the connect handler that accepts the upgrade finds the connection here.
 */
import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface Upgrade {
  readonly socket: Duplex;
  readonly head: Buffer;
}

const upgrades = new WeakMap<IncomingMessage, Upgrade>();

/** The connection of an upgrade request, or undefined for an ordinary request. */
export function upgradeOf(req: IncomingMessage): Upgrade | undefined {
  return upgrades.get(req);
}

/**
 * A response on the upgrade request's connection, for the pipeline: whatever it writes
 * (an error Status, or an ordinary answer to a request that did not need the upgrade) ends
 * the connection afterwards. A handler that takes the connection over detaches it first.
 */
export function upgradeResponse(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): ServerResponse {
  upgrades.set(req, { socket, head });
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as never);
  res.on('finish', () => socket.end());
  return res;
}

/**
 * Takes the connection over from the response: writes `101 Switching Protocols` with the
 * given headers and hands back the connection, with any bytes read past the request put
 * back in front.
 */
export function switchProtocols(
  res: ServerResponse,
  upgrade: Upgrade,
  headers: Readonly<Record<string, string>>,
): Promise<Duplex> {
  const { socket, head } = upgrade;
  res.detachSocket(socket as never);
  res.removeAllListeners('finish');
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return new Promise((resolve, reject) => {
    socket.write(`${lines.join('\r\n')}\r\n\r\n`, (err) => {
      if (err) return reject(err);
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
  });
}
