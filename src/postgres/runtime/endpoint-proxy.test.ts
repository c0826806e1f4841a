/**
 * The stable endpoints on real sockets: connections go to the instances behind their
 * endpoint; a route change closes connections to an instance that left (fencing) and new
 * ones reach the new instance; `rw` holds connections while it has no instance and lets
 * them through when one appears; `ro` without replicas refuses; large transfers arrive
 * intact in both directions.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClusterRoutes, EndpointProxy } from './endpoint-proxy.ts';
import { allocateStablePort } from './ports.ts';

/** A fake instance: says its name on connect, then echoes. */
async function instance(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.on('error', () => {});
    s.write(`${name}\n`);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/** Connects and resolves with the first line and the socket. */
function dial(port: number): Promise<{ first: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const onData = (d: Buffer) => {
      text += d;
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        socket.off('data', onData);
        resolve({ first: text.slice(0, nl), socket });
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed before the instance spoke')));
  });
}

const closedSoon = (socket: Socket) => new Promise<void>((r) => socket.once('close', () => r()));

describe('EndpointProxy', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  async function setup() {
    const a = await instance('a');
    const b = await instance('b');
    const proxy = new EndpointProxy({ holdMs: 60_000 });
    cleanup.push(
      () => proxy.close(),
      () => a.server.close(),
      () => b.server.close(),
    );
    const ports = {
      rw: await allocateStablePort(),
      ro: await allocateStablePort(),
      r: await allocateStablePort(),
    };
    const routes = (rw: number[], ro: number[]): ClusterRoutes => ({
      rw: { port: ports.rw, backends: rw },
      ro: { port: ports.ro, backends: ro },
      r: { port: ports.r, backends: [...rw, ...ro] },
    });
    const apply = (rw: number[], ro: number[]) =>
      proxy.apply({
        host: '127.0.0.1',
        backendHost: '127.0.0.1',
        clusters: { 'ns/db': routes(rw, ro) },
      });
    return { a, b, proxy, ports, apply };
  }

  it('routes each endpoint to its instances', async () => {
    const { a, b, ports, apply, proxy } = await setup();
    await apply([a.port], [b.port]);
    expect(proxy.listening().sort()).toEqual(['ns/db/r', 'ns/db/ro', 'ns/db/rw']);
    expect((await dial(ports.rw)).first).toBe('a');
    expect((await dial(ports.ro)).first).toBe('b');
    const seen = new Set([(await dial(ports.r)).first, (await dial(ports.r)).first]);
    expect(seen).toEqual(new Set(['a', 'b']));
  });

  it('fences: a failover closes connections to the old primary, new ones reach the new', async () => {
    const { a, b, ports, apply } = await setup();
    await apply([a.port], [b.port]);
    const held = await dial(ports.rw);
    expect(held.first).toBe('a');
    const fenced = closedSoon(held.socket);
    await apply([b.port], [a.port]);
    await fenced;
    expect((await dial(ports.rw)).first).toBe('b');
    expect((await dial(ports.ro)).first).toBe('a');
  });

  it('holds read-write connections while there is no primary, and lets them through', async () => {
    const { a, ports, apply } = await setup();
    await apply([], []);
    const pending = dial(ports.rw);
    // Read-only without replicas refuses at once, as a Service without endpoints does.
    await expect(dial(ports.ro)).rejects.toThrow();
    await apply([a.port], []);
    expect((await pending).first).toBe('a');
  });

  it('carries large transfers intact both ways', async () => {
    const { a, ports, apply } = await setup();
    await apply([a.port], []);
    const { socket } = await dial(ports.rw);
    const payload = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const received: Buffer[] = [];
    let total = 0;
    const done = new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        received.push(d);
        total += d.length;
        if (total >= payload.length) resolve();
      });
    });
    socket.write(payload);
    await done;
    expect(Buffer.concat(received).subarray(0, payload.length).equals(payload)).toBe(true);
  });

  it('stops listening on endpoints that are no longer routed', async () => {
    const { a, ports, apply, proxy } = await setup();
    await apply([a.port], []);
    await proxy.apply({ host: '127.0.0.1', backendHost: '127.0.0.1', clusters: {} });
    expect(proxy.listening()).toEqual([]);
    await expect(dial(ports.rw)).rejects.toThrow();
  });
});
