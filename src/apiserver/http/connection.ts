/**
 * How requests share one HTTP/1.1 connection: keep-alive and pipelining. A client may send
 * the next request before the previous response is read; the server must still read it
 * intact and answer it as if it came after the previous one had been served.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/**
 * Node's HTTP server feeds a TLS connection to its parser natively, and pauses the parser
 * while responses are queued on the connection (a big response the client has not read
 * yet). Node's TLS layer hands the parser the rest of what it already decrypted anyway, and
 * a paused parser refuses it: the next request fails with `HPE_PAUSED` and the connection is
 * dropped (kubectl apply's PATCH after a large CRD). A `data` listener makes Node read the
 * connection as a stream instead, where pausing holds the bytes back until it resumes.
 * For the server's `secureConnection` event.
 */
export function readThroughStream(socket: TLSSocket): void {
  socket.on('data', () => {});
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Node hands pipelined requests to the handler as soon as they are parsed; responses go
 * out in order, but a GET could be served before the POST sent ahead of it had written.
 * Requests of one connection are served one after the other, as Go's server (and so
 * kube-apiserver) does; a watch holds its connection's later requests, as it would there.
 */
export function inConnectionOrder(
  handle: Handler,
): (req: IncomingMessage, res: ServerResponse) => void {
  const serving = new WeakMap<Socket, Promise<void>>();
  return (req, res) => {
    const socket = req.socket;
    const before = serving.get(socket);
    const run = before ? before.then(() => handle(req, res)) : handle(req, res);
    const done = run.catch(() => {});
    serving.set(socket, done);
    void done.then(() => {
      if (serving.get(socket) === done) serving.delete(socket);
    });
  };
}
