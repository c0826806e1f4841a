/**
 * Loopback ports for instances: the kernel picks a free one (bind to port 0), skipping
 * ports this operator has handed out but whose server is not listening yet.
 */
import net from 'node:net';

const reserved = new Set<number>();

export async function allocatePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen({ port: 0, host, exclusive: true }, () => {
        const address = server.address();
        const p = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(p));
      });
    });
    if (port > 0 && !reserved.has(port)) {
      reserved.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port');
}

/** Marks ports in use by adopted instances so they are not handed out again. */
export function reservePort(port: number): void {
  reserved.add(port);
}

export function releasePort(port: number): void {
  reserved.delete(port);
}

/** True when something accepts TCP connections on the port. */
export function portIsListening(
  port: number,
  host = '127.0.0.1',
  timeoutMs = 500,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (v: boolean) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The node-port range: below Linux's ephemeral ports, so no client socket takes one. */
export const STABLE_PORT_MIN = 30000;
export const STABLE_PORT_MAX = 32767;

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port for a stable endpoint: free now, not handed out by this operator, from the
 * node-port range (so it also serves as the node port of the Cluster's Services).
 */
export async function allocateStablePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port =
      STABLE_PORT_MIN + Math.floor(Math.random() * (STABLE_PORT_MAX - STABLE_PORT_MIN + 1));
    if (reserved.has(port)) continue;
    if (await bindable(port, host)) {
      reserved.add(port);
      return port;
    }
  }
  throw new Error(
    `no free port between ${STABLE_PORT_MIN} and ${STABLE_PORT_MAX} for a stable endpoint`,
  );
}
