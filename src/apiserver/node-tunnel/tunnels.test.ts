/**
 * Node tunnels over in-memory connections: requests reach the agent of their node over
 * HTTP/2; a node without an agent is a 503 Status; a newer tunnel for a node replaces the
 * older one; a tunnel that closes is forgotten.
 */
import http2 from 'node:http2';
import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isStatusError } from '../../apimachinery/status.ts';
import { silentLogger } from '../../logging/logger.ts';
import { NodeTunnels } from './tunnels.ts';

/** An agent answering every request with its name, on one end of an in-memory connection. */
function agent(name: string): { server: Duplex; close(): void } {
  const toAgent = new PassThrough();
  const toServer = new PassThrough();
  const agentEnd = Duplex.from({ readable: toAgent, writable: toServer });
  const serverEnd = Duplex.from({ readable: toServer, writable: toAgent });
  const h2 = http2.createServer((req, res) => {
    res.writeHead(200);
    res.end(`${name} ${req.url}`);
  });
  h2.emit('connection', agentEnd);
  return {
    server: serverEnd,
    close: () => {
      serverEnd.destroy();
      agentEnd.destroy();
    },
  };
}

function read(stream: http2.ClientHttp2Stream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      text += d;
    });
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}

describe('NodeTunnels', () => {
  it('carries requests to the agent of the node, and refuses nodes without one', async () => {
    const tunnels = new NodeTunnels(silentLogger());
    const a = agent('agent-a');
    tunnels.register('node-a', a.server, 'operator');
    expect(await read(tunnels.request('node-a', 'GET', '/containerLogs/ns/p/c'))).toBe(
      'agent-a /containerLogs/ns/p/c',
    );
    let err: unknown;
    try {
      tunnels.request('node-b', 'GET', '/');
    } catch (e) {
      err = e;
    }
    expect(isStatusError(err, 'ServiceUnavailable')).toBe(true);
    tunnels.stop();
    a.close();
  });

  it('lets a newer tunnel replace the older one, and forgets a closed one', async () => {
    const tunnels = new NodeTunnels(silentLogger());
    const old = agent('old');
    const fresh = agent('fresh');
    tunnels.register('node-a', old.server, 'operator');
    tunnels.register('node-a', fresh.server, 'operator');
    expect(await read(tunnels.request('node-a', 'GET', '/x'))).toBe('fresh /x');
    fresh.close();
    await new Promise<void>((resolve) => {
      const check = () => (tunnels.connected('node-a') ? setTimeout(check, 10) : resolve());
      check();
    });
    expect(tunnels.connected('node-a')).toBe(false);
    tunnels.stop();
    old.close();
  });
});
